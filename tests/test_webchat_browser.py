"""The web chat page in headless Chromium, against the app served by uvicorn with the real customer model.

The app is the session's `dialogue_app` (conftest: the real model, in-process actions, a seeded SQLite
database), served on a free port by uvicorn in a background thread (tests/browser_testing.py) — the browser
talks HTTP to it like a phone would.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, Route, expect

from bot.app.main import create_app
from bot.app.state import AppState
from tests.browser_testing import browser, served  # noqa: F401 - fixtures
from tests.identity_testing import last_code
from tests.seeded_customers import a_customer_phone

pytestmark = pytest.mark.slow

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
LEAVE_REASON = "隔壁联通的套餐便宜多了，我想转过去"
# Answers that keep a retention conversation going until the bot offers something.
# The bot listens first (the reason is probed once more), then proposes: 「没有了」 confirms the reason.
FOLLOW_UPS = ("没有了，就是这个原因", "你们有什么优惠吗", "有没有更便宜的套餐")
REPLY_TIMEOUT_MS = 30_000


@contextmanager
def opened(browser: Browser, base_url: str) -> Iterator[Page]:
    """The chat page at phone size; uncaught script errors fail the test."""
    context = browser.new_context(
        base_url=base_url, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto("/")
    yield page
    context.close()
    assert errors == [], errors


@pytest.fixture(scope="module")
def dialogue_server(dialogue_app: TestClient) -> Iterator[str]:
    """The session's app with the real dialogue (conftest `dialogue_app`), served over HTTP."""
    with served(dialogue_app.app) as base_url:
        yield base_url


@pytest.fixture
def page(browser: Browser, dialogue_server: str, dialogue_client: TestClient) -> Iterator[Page]:
    """The chat page on the real dialogue, with DATABASE_URL at the seeded database (`dialogue_client`)."""
    with opened(browser, dialogue_server) as page:
        yield page


@pytest.fixture
def page_without_dialogue(browser: Browser) -> Iterator[Page]:
    """The chat page of an app whose dialogue is not loaded: its webhook answers 503, as while a model loads."""
    app = create_app(roles=())
    app.state.retention = AppState(dialogue_enabled=False, dialogue_error="not loaded in this test")
    with served(app) as base_url, opened(browser, base_url) as page:
        yield page


def send(page: Page, text: str) -> None:
    """Type and send a message, then wait for the bot's answer to be on the page."""
    bot_messages = page.locator(".message.bot").count()
    page.get_by_label("输入消息").fill(text)
    page.get_by_role("button", name="发送").click()
    expect(page.locator(".message.bot")).not_to_have_count(bot_messages, timeout=REPLY_TIMEOUT_MS)
    expect(page.get_by_role("status")).to_be_hidden()


def test_a_conversation_with_offer_buttons_survives_a_reload(
    page: Page, dialogue_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SMS_SENDER", raising=False)  # the development sender: the code is in the database
    monkeypatch.setenv("SMS_RESEND_SECONDS", "0")  # other tests may have just claimed the same seeded number
    page.get_by_text("演示设置").click()
    phone = a_customer_phone(dialogue_database_url, with_an_offer_for="reason_competitor_offer")
    page.get_by_label("手机号").fill(phone)

    page.get_by_label("输入消息").fill(LEAVE_REASON)
    page.get_by_role("button", name="发送").click()
    expect(page.locator(".message.customer").first).to_contain_text(LEAVE_REASON)
    expect(page.locator(".message.bot").first).to_be_visible(timeout=REPLY_TIMEOUT_MS)
    expect(page.get_by_role("status")).to_be_hidden()
    send(page, last_code(dialogue_database_url, phone))  # the demo number is a claim: the SMS code proves it

    choices = page.locator(".quick-replies button:enabled")
    for follow_up in FOLLOW_UPS:  # drive the conversation until the bot offers something
        if choices.count():
            break
        send(page, follow_up)
    expect(choices.first).to_be_visible()
    title = choices.first.inner_text()
    bot_messages = page.locator(".message.bot").count()
    choices.first.click()
    expect(page.locator(".message.customer").last).to_contain_text(title)  # the title, not the payload
    expect(page.locator(".message.bot")).not_to_have_count(bot_messages, timeout=REPLY_TIMEOUT_MS)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "webchat_conversation.png"), full_page=True)

    messages = page.locator(".message").all_inner_texts()
    page.reload()
    expect(page.locator(".message")).to_have_count(len(messages))
    assert page.locator(".message").all_inner_texts() == messages
    assert page.get_by_label("手机号", exact=False).input_value()  # the demo number is kept too


def test_an_unreachable_or_failing_server_keeps_the_typed_text(page_without_dialogue: Page) -> None:
    page = page_without_dialogue
    held: list[Route] = []
    page.route("**/webhooks/rest/webhook", lambda route: held.append(route))  # held: the page keeps waiting
    page.get_by_label("输入消息").fill("我想销户")
    page.get_by_label("输入消息").press("Enter")
    expect(page.get_by_role("status")).to_be_visible()  # 客服正在输入…
    expect(page.get_by_role("button", name="发送")).to_be_disabled()
    held[0].abort("connectionrefused")
    expect(page.get_by_role("alert")).to_contain_text("无法连接到服务器")
    expect(page.get_by_role("status")).to_be_hidden()
    expect(page.get_by_label("输入消息")).to_have_value("我想销户")
    expect(page.locator(".message")).to_have_count(0)  # nothing pretends to have been sent

    page.unroute("**/webhooks/rest/webhook")  # now the server itself answers: 503, no dialogue loaded
    page.get_by_role("button", name="发送").click()
    expect(page.get_by_role("alert")).to_contain_text("错误 503")
    expect(page.get_by_label("输入消息")).to_have_value("我想销户")
    expect(page.locator(".message")).to_have_count(0)
