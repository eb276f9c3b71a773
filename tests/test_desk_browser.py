"""The supervisor desk in headless Chromium (issue #13 "How it is checked"): a supervisor signs in, filters the
inbox, opens a transcript, relabels a turn, exports the corrections and resolves a ticket; a trainee fails to open
another trainee's call or any customer conversation.

The app has no models (the desk needs none) and is served by uvicorn in a thread (tests/browser_testing.py); the
data is the desk tests' (tests/desk_testing.py), in SQLite and then PostgreSQL.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from bot.app.main import create_app
from bot.nlu.dataset import read_examples
from tests.auth_testing import PASSWORD
from tests.browser_testing import browser, served  # noqa: F401 - fixtures
from tests.desk_testing import PHONE, DeskData, accounts_url, cheap_hashing, desk, nlu_copy  # noqa: F401

pytestmark = pytest.mark.slow
NAVIGATION_MS = 30_000


@pytest.fixture
def page(browser: Browser, desk: DeskData) -> Iterator[Page]:  # noqa: F811 - fixtures
    """A desktop-size page on the desk app; uncaught script errors fail the test."""
    with served(create_app(roles=(), dialogue=False)) as base_url:
        context = browser.new_context(base_url=base_url, locale="zh-CN")
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        yield page
        context.close()
    assert errors == [], errors


def submit(page: Page, button: Locator) -> None:
    """Press a form's button and wait for the page the server answers with (slow on a busy machine)."""
    with page.expect_navigation(timeout=NAVIGATION_MS):
        button.click()


def sign_in(page: Page, username: str) -> None:
    page.goto("/login?next=/desk")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    submit(page, page.get_by_role("button", name="登录"))
    expect(page).to_have_url(re.compile(r"/desk$"))


def inbox_ids(page: Page) -> list[str]:
    return page.locator("table.list tbody td:first-child a").all_inner_texts()


def test_a_supervisor_filters_relabels_exports_and_resolves(page: Page, desk: DeskData, nlu_copy: Path) -> None:
    sign_in(page, "sup")
    assert len(inbox_ids(page)) == 4
    page.locator("select[name=channel]").select_option("web")
    page.locator("select[name=outcome]").select_option("retained")
    submit(page, page.get_by_role("button", name="筛选"))
    expect(page.locator("table.list tbody tr")).to_have_count(1)
    assert inbox_ids(page) == [str(desk.customer_conversation)]

    page.get_by_role("link", name=str(desk.customer_conversation), exact=True).click()
    turn = page.locator(f"#turn-{desk.customer_turn}")
    expect(turn).to_contain_text("reason_price_high")
    expect(turn).to_contain_text(PHONE)  # a supervisor sees the number
    turn.locator("select[name=field]").select_option("intent")
    turn.locator("select[name=value]").select_option("reason_competitor_offer")
    submit(page, turn.get_by_role("button", name="改标"))
    expect(page.locator(f"#turn-{desk.customer_turn} .correction")).to_contain_text("sup")
    expect(page.locator(f"#turn-{desk.customer_turn} .correction")).to_contain_text("reason_competitor_offer")

    submit(page, page.get_by_role("button", name="导出训练数据"))
    expect(page.get_by_role("status")).to_contain_text("已导出：客户 1 条")
    exported = read_examples([nlu_copy / "customer" / "corrections.yml"])
    assert [e.intent for e in exported] == ["reason_competitor_offer"]

    page.goto("/desk/tickets")
    row = page.locator(f"#ticket-{desk.ticket}")
    expect(row).to_contain_text("逾期")
    row.get_by_label("处理结果").fill("基站已修复")
    submit(page, row.get_by_role("button", name="结案"))
    expect(page.locator(f"#ticket-{desk.ticket}")).to_have_count(0)
    expect(page.locator(f"#ticket-{desk.later_ticket}")).to_be_visible()


def test_a_trainee_cannot_open_another_trainees_call_or_a_customer_conversation(page: Page, desk: DeskData) -> None:
    sign_in(page, "tr1")
    assert inbox_ids(page) == [str(desk.own_practice)]
    for hidden, text in [(desk.other_practice, "信号不好"), (desk.customer_conversation, "太贵了"),
                         (desk.wechat_conversation, "信号太差了")]:
        answer = page.goto(f"/desk/conversations/{hidden}")
        assert answer is not None and answer.status == 404
        expect(page.locator("body")).not_to_contain_text(text)
        expect(page.locator("body")).not_to_contain_text(PHONE)
    answer = page.goto(f"/desk/conversations/{desk.own_practice}")
    assert answer is not None and answer.status == 200
    expect(page.locator(".turn.trainee")).to_contain_text("这边给您推荐一个套餐")
    expect(page.get_by_role("button", name="改标")).to_have_count(0)  # no relabelling for a trainee
