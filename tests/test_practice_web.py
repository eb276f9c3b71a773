"""Practice mode on the web: the page and API behind the login (roles, CSRF, own calls only), what a call stores
(and does not), exam mode, and a whole call in headless Chromium at phone width.

The app is `create_app` without models; the practice engine on the trained models (loaded once per test process)
is installed as the app would after loading them. Accounts and calls live in the real app database, SQLite then
PostgreSQL (tests/auth_testing.py), seeded with a small synthetic customer base.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bot.db.models import Conversation, OfferHistory, PracticePointScore, RetentionOutcome, Ticket, Turn
from bot.db.seed import default_as_of, seed_database
from bot.db.session import session_scope
from bot.practice.session import PracticeSessions
from practice_testing import practice_engine
from tests.auth_testing import accounts_url, add_user, cheap_hashing, sign_in  # noqa: F401 - fixtures

CUSTOMERS = 120
SCENARIO = "price_high-rational-easy"
REPLIES = [
    "您好，我是中国电信客服专员小李，请问您想销户是什么原因呢？",
    "您觉得贵，主要是月费本身高，还是套餐内容用不完？",
    "明白，您关心的是实际要花多少钱，我先帮您核对一下用量。",
    "根据您的用量，建议您改签一个降档的套餐，月费比现在低。",
    "我今天下午5点前把新旧套餐的对比短信发给您，您确认后再办。",
    "感谢您的支持，有问题随时联系我们，再见！",
]


@pytest.fixture
def practice_url(accounts_url: str) -> str:  # noqa: F811 - the fixture of tests/auth_testing.py
    seed_database(accounts_url, customers=CUSTOMERS, seed=7, as_of=default_as_of(date.today()))
    return accounts_url


@pytest.fixture
def app_client(practice_url: str) -> Iterator[TestClient]:
    from bot.app.main import create_app

    with TestClient(create_app(roles=(), dialogue=False)) as test_client:
        test_client.app.state.practice = PracticeSessions(practice_engine(), practice_url)
        yield test_client


def signed_in(client: TestClient, url: str, username: str, role: str) -> tuple[TestClient, str, int]:
    """The client signed in as a new user; returns it, the CSRF token for scripts, and the user id."""
    user_id = add_user(url, username, role)
    client.cookies.clear()
    assert sign_in(client, username).status_code == 303
    return client, client.get("/api/me").json()["csrf_token"], user_id


def start(client: TestClient, token: str, **body: object) -> dict:
    response = client.post("/api/practice/calls", json={"scenario": SCENARIO, **body}, headers={"X-CSRF-Token": token})
    assert response.status_code == 201, response.text
    return response.json()


def counts(url: str) -> tuple[int, int, int]:
    with session_scope(url) as db:
        return tuple(db.execute(select(func.count()).select_from(t)).scalar_one() for t in (Ticket, OfferHistory,
                                                                                            RetentionOutcome))


def test_the_page_is_behind_the_login(app_client: TestClient, practice_url: str) -> None:
    assert app_client.get("/practice", follow_redirects=False).status_code == 303
    client, _, _ = signed_in(app_client, practice_url, "li.na", "trainee")
    page = client.get("/practice")
    assert page.status_code == 200
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert SCENARIO in page.text and 'name="csrf-token"' in page.text
    assert "<script" not in page.text.replace('<script src="/static/practice.js" defer></script>', "")


def test_a_call_is_stored_as_practice_turns_and_nothing_for_the_customer(
    app_client: TestClient, practice_url: str
) -> None:
    client, token, user_id = signed_in(app_client, practice_url, "li.na", "trainee")
    before = counts(practice_url)
    call = start(client, token)
    assert call["line"] and call["customer"]["客户"]
    answers = []
    for text in REPLIES:
        answer = client.post(f"/api/practice/calls/{call['id']}/replies", json={"text": text},
                             headers={"X-CSRF-Token": token})
        assert answer.status_code == 200, answer.text
        answers.append(answer.json())
        if answer.json()["ended"]:
            break
    assert answers[0]["acts"] and answers[0]["feedback"] and answers[0]["recommended"]
    assert "{" not in "".join(a["recommended"] for a in answers)  # never a raw {customer_name} template
    report = answers[-1]["report"] or client.post(f"/api/practice/calls/{call['id']}/end",
                                                  headers={"X-CSRF-Token": token}).json()
    assert 0 <= report["score"]["score"] <= 100 and report["score"]["breakdown"]
    assert report["outcome"] in ("retained", "kept_number", "lost", "escalated")
    with session_scope(practice_url) as db:
        conversation = db.get(Conversation, call["id"])
        assert (conversation.mode, conversation.channel, conversation.user_id) == ("practice", "practice", user_id)
        assert conversation.ended_at is not None and conversation.score == report["score"]["score"]
        assert conversation.customer_id is None
        turns = db.execute(select(Turn).where(Turn.conversation_id == call["id"]).order_by(Turn.seq)).scalars().all()
        assert {t.role for t in turns} == {"customer", "trainee"}
        trainee = [t for t in turns if t.role == "trainee"]
        assert len(trainee) == len(answers)
        assert all(t.actions and t.expected_act and t.feedback["recommended"] and t.score is not None for t in trainee)
        assert (conversation.scenario_reason, conversation.scenario_need) == ("reason_price_high", "rational")
    # the breakdown is stored as one row per rubric point, and ending the ended call again does not add rows
    assert client.post(f"/api/practice/calls/{call['id']}/end", headers={"X-CSRF-Token": token}).status_code == 200
    with session_scope(practice_url) as db:
        stored = db.execute(
            select(PracticePointScore.point, PracticePointScore.points, PracticePointScore.max_points)
            .where(PracticePointScore.conversation_id == call["id"]).order_by(PracticePointScore.id)
        ).all()
    assert [tuple(row) for row in stored] == [(p["id"], p["points"], p["max"]) for p in report["score"]["breakdown"]]
    assert counts(practice_url) == before


def test_a_trainee_sees_only_their_own_calls(app_client: TestClient, practice_url: str) -> None:
    client, token, _ = signed_in(app_client, practice_url, "li.na", "trainee")
    own = start(client, token)["id"]
    client, token, _ = signed_in(app_client, practice_url, "wang.fang", "trainee")
    assert client.get(f"/api/practice/calls/{own}").status_code == 404
    refused = client.post(f"/api/practice/calls/{own}/replies", json={"text": "您好"}, headers={"X-CSRF-Token": token})
    assert refused.status_code == 404
    assert own not in [c["id"] for c in client.get("/api/practice/calls").json()]
    client, _, _ = signed_in(app_client, practice_url, "zhang.wei", "supervisor")
    assert client.get(f"/api/practice/calls/{own}").status_code == 200
    assert own in [c["id"] for c in client.get("/api/practice/calls").json()]


def test_state_changes_need_the_csrf_token_and_a_role(app_client: TestClient, practice_url: str) -> None:
    client, token, _ = signed_in(app_client, practice_url, "li.na", "trainee")
    assert client.post("/api/practice/calls", json={"scenario": SCENARIO}).status_code == 403
    client.cookies.clear()
    assert app_client.post("/api/practice/calls", json={"scenario": SCENARIO},
                           headers={"X-CSRF-Token": token}).status_code == 401


def test_exam_mode_gives_no_feedback_until_the_report(app_client: TestClient, practice_url: str) -> None:
    client, token, _ = signed_in(app_client, practice_url, "li.na", "trainee")
    call = start(client, token, exam=True)
    answer = client.post(f"/api/practice/calls/{call['id']}/replies", json={"text": REPLIES[0]},
                         headers={"X-CSRF-Token": token}).json()
    assert "feedback" not in answer and "recommended" not in answer and "score" not in answer
    report = client.post(f"/api/practice/calls/{call['id']}/end", headers={"X-CSRF-Token": token}).json()
    assert report["score"]["breakdown"] and report["transcript"]


def test_without_the_models_the_api_says_why(practice_url: str) -> None:
    from bot.app.main import create_app

    with TestClient(create_app(roles=(), dialogue=False)) as client:
        client, token, _ = signed_in(client, practice_url, "li.na", "trainee")
        refused = client.post("/api/practice/calls", json={"scenario": SCENARIO}, headers={"X-CSRF-Token": token})
        assert refused.status_code == 503 and "practice unavailable" in refused.json()["detail"]


# --- a whole call in a browser at phone width ----------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_whole_call_in_the_browser(app_client: TestClient, practice_url: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    from tests.browser_testing import CHROMIUM, served
    from tests.test_webchat_browser import REPLY_TIMEOUT_MS

    if not CHROMIUM.exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    add_user(practice_url, "li.na", "trainee")
    errors: list[str] = []
    with served(app_client.app) as base_url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        context = browser.new_context(base_url=base_url, viewport={"width": 390, "height": 844}, is_mobile=True,
                                      has_touch=True, locale="zh-CN")
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto("/practice")
        page.get_by_label("用户名").fill("li.na")
        page.get_by_label("密码").fill("correct horse battery")
        page.get_by_role("button", name="登录").click()
        page.get_by_label("选择场景").select_option(SCENARIO)
        page.get_by_role("button", name="开始通话").click()
        expect(page.locator(".message.customer").first).to_be_visible(timeout=REPLY_TIMEOUT_MS)
        for text in REPLIES:
            if page.locator("#report").is_visible():
                break
            customers = page.locator(".message.customer").count()
            page.get_by_label("你的回复").fill(text)
            page.get_by_role("button", name="发送").click()
            expect(page.locator(".message.customer")).not_to_have_count(customers, timeout=REPLY_TIMEOUT_MS)
            if not page.locator("#report").is_visible():
                expect(page.locator(".turn-feedback").first).to_be_visible()
                expect(page.locator(".turn-feedback").first).to_contain_text("参考话术")
        if not page.locator("#report").is_visible():
            page.get_by_role("button", name="结束通话").click()
        expect(page.locator("#report")).to_be_visible(timeout=REPLY_TIMEOUT_MS)
        expect(page.locator("#report-score")).to_contain_text("/ 100")
        expect(page.locator("#report-breakdown tbody tr")).to_have_count(6)
        width = page.evaluate("document.scrollingElement.scrollWidth")
        assert width <= 390, "the report fits a phone's width"
        browser.close()
    assert errors == []
