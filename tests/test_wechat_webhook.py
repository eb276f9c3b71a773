"""`/webhooks/wechat` over HTTP with real signed XML, on SQLite and PostgreSQL.

The protocol, dedupe and timing rules are checked with a stand-in dialogue whose speed the test controls; the
end-to-end tests at the bottom go through the real DialogueService and customer model (binding after the code).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx
import pytest
import xmltodict
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from wechatpy.crypto import WeChatCrypto

from bot.app.main import create_app
from bot.app.state import AppState
from bot.channels.wechat import texts
from bot.channels.wechat.conversation import REPLY_BUDGET_SECONDS, WechatConversations
from bot.corpus import lines_of
from bot.db.models import Conversation, Turn, WechatMessage, WechatUser
from bot.db.queries.wechat import bind_phone, bound_phone
from bot.db.seed import default_as_of, seed_database
from bot.db.session import get_engine, session_scope
from bot.dialogue.service import TURN_FAILED
from tests.identity_testing import last_code
from tests.seeded_customers import a_customer_phone
from tests.test_wechat_protocol import (
    AES_APPID,
    AES_KEY,
    AES_MESSAGE,
    AES_QUERY,
    AES_TOKEN,
    DOCUMENTED_TEXT_MESSAGE,
    sign,
)

TOKEN = "retention-test-token"
ACCOUNT = "gh_retention"


# --- Requests as the WeChat server sends them ------------------------------------------------------------


def fresh_nonce() -> str:
    return str(uuid.uuid4().int % 10**10)


def signed_query(token: str = TOKEN, timestamp: str | None = None, nonce: str | None = None) -> dict[str, str]:
    """Signed as WeChat signs a request it sends now: the current time and a new nonce, unless given."""
    timestamp = timestamp or str(int(time.time()))
    nonce = nonce or fresh_nonce()
    return {"signature": sign(token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}


# The message inside the documented safe-mode example, as WeChat encrypts it.
AES_PLAIN_MESSAGE = WeChatCrypto(AES_TOKEN, AES_KEY, AES_APPID).decrypt_message(
    AES_MESSAGE, AES_QUERY["msg_signature"], AES_QUERY["timestamp"], AES_QUERY["nonce"]
)


def encrypted(xml: str, token: str = AES_TOKEN) -> tuple[dict[str, str], str]:
    """The query and body WeChat sends for `xml` in safe mode now (WXBizMsgCrypt's EncryptMsg)."""
    timestamp, nonce = str(int(time.time())), fresh_nonce()
    envelope = WeChatCrypto(token, AES_KEY, AES_APPID).encrypt_message(xml, nonce, timestamp)
    signature = xmltodict.parse(envelope)["xml"]["MsgSignature"]
    return {"encrypt_type": "aes", "msg_signature": signature, "timestamp": timestamp, "nonce": nonce}, envelope


def text_xml(openid: str, content: str, msg_id: int, created: int = 1409735668) -> str:
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{created}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>"
    )


def event_xml(openid: str, event: str, created: int = 1409735668) -> str:
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{created}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        f"<Event><![CDATA[{event}]]></Event></xml>"
    )


def image_xml(openid: str, msg_id: int) -> str:
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        "<CreateTime>1409735668</CreateTime><MsgType><![CDATA[image]]></MsgType>"
        "<PicUrl><![CDATA[http://mmbiz.qpic.cn/x.jpg]]></PicUrl><MediaId><![CDATA[media_id]]></MediaId>"
        f"<MsgId>{msg_id}</MsgId></xml>"
    )


def reply_of(response: httpx.Response, openid: str, account: str = ACCOUNT) -> str:
    """The Content of a plain-mode text reply, after checking it is addressed to `openid`."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    reply = xmltodict.parse(response.text)["xml"]
    assert (reply["ToUserName"], reply["FromUserName"], reply["MsgType"]) == (openid, account, "text")
    return reply["Content"]


def is_success(response: httpx.Response) -> bool:
    return response.status_code == 200 and response.text == "success"


def stored_messages(url: str) -> int:
    with session_scope(url) as session:
        return session.execute(select(func.count()).select_from(WechatMessage)).scalar_one()


# --- A dialogue whose speed the test sets --------------------------------------------------------


@dataclass
class StandInDialogue:
    """Answers like DialogueService.handle (Rasa REST shape): "收到：<text>", plus the buttons set for the next
    reply; records every call, so a test can count bot turns."""

    delay: float = 0.0
    buttons: list[dict[str, str]] = field(default_factory=list)
    calls: list[tuple[str, str, str, dict[str, Any] | None]] = field(default_factory=list)

    async def handle(
        self, sender_id: str, text: str, *, channel: str, metadata: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        self.calls.append((sender_id, text, channel, metadata))
        await asyncio.sleep(self.delay)
        messages: list[dict[str, Any]] = [{"recipient_id": sender_id, "text": f"收到：{text}"}]
        if self.buttons:
            messages.append({"recipient_id": sender_id, "text": "您看呢？", "buttons": self.buttons})
        return messages


@pytest.fixture
def wechat_env(monkeypatch: pytest.MonkeyPatch, migrated_url: str) -> str:
    monkeypatch.setenv("DATABASE_URL", migrated_url)
    monkeypatch.setenv("WECHAT_TOKEN", TOKEN)
    monkeypatch.delenv("WECHAT_APPID", raising=False)
    monkeypatch.delenv("WECHAT_AES_KEY", raising=False)
    return migrated_url


@dataclass
class Harness:
    client: httpx.AsyncClient
    dialogue: StandInDialogue
    conversations: WechatConversations
    url: str

    async def post(self, xml: str, query: dict[str, str] | None = None) -> httpx.Response:
        return await self.client.post("/webhooks/wechat", params=query or signed_query(), content=xml.encode())

    async def post_encrypted(self, xml: str) -> httpx.Response:
        query, body = encrypted(xml)
        return await self.post(body, query)


@pytest.fixture
async def harness(wechat_env: str) -> AsyncIterator[Harness]:
    """The real app and router, with the stand-in as the loaded dialogue (no model needed)."""
    app = create_app(roles=())
    dialogue = StandInDialogue()
    app.state.retention = AppState(dialogue=dialogue)  # type: ignore[arg-type]
    conversations = app.state.wechat_conversations = WechatConversations()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield Harness(client, dialogue, conversations, wechat_env)
        await conversations.drain()


# --- Server URL verification ------------------------------------------------------------------------------


async def test_url_verification_echoes_echostr_only_when_signed(harness: Harness) -> None:
    response = await harness.client.get("/webhooks/wechat", params={**signed_query(), "echostr": "5837397520665436492"})
    assert response.status_code == 200
    assert response.text == "5837397520665436492"
    assert response.headers["content-type"].startswith("text/plain")
    bad = await harness.client.get("/webhooks/wechat", params={**signed_query("wrong"), "echostr": "1"})
    assert bad.status_code == 403


async def test_an_unconfigured_channel_answers_503(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WECHAT_TOKEN")
    response = await harness.post(DOCUMENTED_TEXT_MESSAGE)
    assert response.status_code == 503
    assert "WECHAT_TOKEN" in response.json()["detail"]
    assert (await harness.client.get("/webhooks/wechat", params=signed_query(""))).status_code == 503


# --- Plain and safe mode ----------------------------------------------------------------------------------


async def test_the_documented_text_message_gets_a_passive_reply(harness: Harness) -> None:
    response = await harness.post(DOCUMENTED_TEXT_MESSAGE)
    assert reply_of(response, "fromUser", account="toUser") == "收到：this is a test"
    assert harness.dialogue.calls == [("fromUser", "this is a test", "wechat", None)]


async def test_the_documented_safe_mode_example_gets_an_encrypted_reply(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WECHAT_TOKEN", AES_TOKEN)
    monkeypatch.setenv("WECHAT_APPID", AES_APPID)
    monkeypatch.setenv("WECHAT_AES_KEY", AES_KEY)
    response = await harness.post_encrypted(AES_PLAIN_MESSAGE)  # the documented message, encrypted just now
    assert response.status_code == 200, response.text
    envelope = xmltodict.parse(response.text)["xml"]
    assert envelope["MsgSignature"] == sign(AES_TOKEN, envelope["TimeStamp"], envelope["Nonce"], envelope["Encrypt"])
    crypto = WeChatCrypto(AES_TOKEN, AES_KEY, AES_APPID)
    plain = crypto.decrypt_message(response.text, envelope["MsgSignature"], envelope["TimeStamp"], envelope["Nonce"])
    reply = xmltodict.parse(plain)["xml"]
    assert reply["MsgType"] == "text"
    assert (reply["ToUserName"], reply["FromUserName"]) == ("oyORnuP8q7ou2gfYjqLzSIWZf0rs", "gh_10f6c3c3ac5a")
    assert reply["Content"] == "收到：abcdteT"


@pytest.mark.parametrize(
    "query",
    [
        {},
        signed_query("not-our-token"),
        {**signed_query(), "nonce": "tampered"},
        {**encrypted(AES_PLAIN_MESSAGE)[0], "msg_signature": "0" * 40},
    ],
    ids=["unsigned", "other-token", "tampered", "bad-msg-signature"],
)
async def test_a_bad_signature_is_403_and_nothing_is_stored(
    harness: Harness, query: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    body = DOCUMENTED_TEXT_MESSAGE
    if "msg_signature" in query:
        monkeypatch.setenv("WECHAT_TOKEN", AES_TOKEN)
        monkeypatch.setenv("WECHAT_APPID", AES_APPID)
        monkeypatch.setenv("WECHAT_AES_KEY", AES_KEY)
        body = encrypted(AES_PLAIN_MESSAGE)[1]
    response = await harness.client.post("/webhooks/wechat", params=query, content=body.encode())
    assert response.status_code == 403
    assert harness.dialogue.calls == []
    assert stored_messages(harness.url) == 0


@pytest.mark.parametrize("body", [b"<xml><ToUserName>", b"\xff\xfe not xml", b"<xml/>", b""])
async def test_a_malformed_body_is_400(harness: Harness, body: bytes) -> None:
    response = await harness.client.post("/webhooks/wechat", params=signed_query(), content=body)
    assert response.status_code == 400
    assert stored_messages(harness.url) == 0


async def test_a_huge_body_is_refused(harness: Harness) -> None:
    response = await harness.post(text_xml("o-huge", "长" * 40000, 1))
    assert response.status_code == 413


# --- Retries ----------------------------------------------------------------------------------------------


async def test_a_retried_msgid_gets_the_same_reply_from_one_bot_turn(harness: Harness) -> None:
    first = await harness.post(text_xml("o-retry", "我要销户", 1001))
    retry = await harness.post(text_xml("o-retry", "我要销户", 1001), signed_query(nonce="31415"))
    assert reply_of(first, "o-retry") == reply_of(retry, "o-retry") == "收到：我要销户"
    assert len(harness.dialogue.calls) == 1
    assert stored_messages(harness.url) == 1


async def test_a_retry_during_a_slow_turn_waits_for_its_reply(harness: Harness) -> None:
    harness.dialogue.delay = 1.0
    first = asyncio.create_task(harness.post(text_xml("o-slow", "套餐太贵了", 1002)))
    await asyncio.sleep(0.3)
    retry = await harness.post(text_xml("o-slow", "套餐太贵了", 1002))
    assert reply_of(retry, "o-slow") == reply_of(await first, "o-slow") == "收到：套餐太贵了"
    assert len(harness.dialogue.calls) == 1


async def test_a_turn_slower_than_the_budget_answers_success_and_the_reply_follows(harness: Harness) -> None:
    harness.conversations.budget_seconds = 0.4
    harness.dialogue.delay = 1.0
    started = time.monotonic()
    late = await harness.post(text_xml("o-late", "信号太差了", 1003))
    assert is_success(late)
    assert time.monotonic() - started < 1.0  # answered in time, the turn still running
    retry = await harness.post(text_xml("o-late", "信号太差了", 1003))
    assert is_success(retry)  # still not ready
    await harness.conversations.drain()
    harness.dialogue.delay = 0.0
    following = await harness.post(text_xml("o-late", "在吗", 1004))
    assert reply_of(following, "o-late") == "收到：信号太差了\n\n收到：在吗"
    assert [call[1] for call in harness.dialogue.calls] == ["信号太差了", "在吗"]
    # delivered once: the next reply carries only its own text
    assert reply_of(await harness.post(text_xml("o-late", "好的", 1005)), "o-late") == "收到：好的"


# --- Events and what the bot cannot read ------------------------------------------------------------------


async def test_subscribe_gets_the_corpus_welcome_once_per_event(harness: Harness) -> None:
    first = await harness.post(event_xml("o-new", "subscribe"))
    assert reply_of(first, "o-new") == texts.welcome()
    assert texts.welcome().startswith("您好")
    assert reply_of(await harness.post(event_xml("o-new", "subscribe")), "o-new") == texts.welcome()
    assert stored_messages(harness.url) == 1
    assert harness.dialogue.calls == []


async def test_media_gets_a_request_for_text_and_other_events_success(harness: Harness) -> None:
    assert reply_of(await harness.post(image_xml("o-pic", 2001)), "o-pic") == texts.ASK_FOR_TEXT
    assert is_success(await harness.post(event_xml("o-pic", "unsubscribe", created=1409735999)))
    assert is_success(await harness.post(event_xml("o-pic", "VIEW", created=1409736000)))
    assert harness.dialogue.calls == []


async def test_a_failing_channel_store_gets_the_apology_and_retries_get_it_too(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """The followers' table is gone (a real database error, not a stub): the customer is told, not left waiting.

    A failure of the dialogue itself is answered by the dialogue (tests/test_security_dialogue.py)."""
    engine = get_engine(harness.url)
    WechatUser.__table__.drop(engine)
    try:
        query = signed_query()
        first = await harness.post(text_xml("o-fail", "你好", 3001), query)
        retry = await harness.post(text_xml("o-fail", "你好", 3001), query)
    finally:
        WechatUser.__table__.create(engine)
    assert reply_of(first, "o-fail") == reply_of(retry, "o-fail") == TURN_FAILED
    assert harness.dialogue.calls == []
    failure = next(record for record in caplog.records if "answered with an apology" in record.getMessage())
    assert "o-fail" in failure.getMessage() and failure.exc_info is not None


# --- Options and binding ----------------------------------------------------------------------------------


async def test_buttons_become_numbered_options_and_a_number_sends_the_payload(harness: Harness) -> None:
    harness.dialogue.buttons = [
        {"title": "好的，就办这个", "payload": "/accept_offer"},
        {"title": "不需要", "payload": "/reject_offer"},
    ]
    offer = reply_of(await harness.post(text_xml("o-opt", "有优惠吗", 4001)), "o-opt")
    assert offer == "收到：有优惠吗\n您看呢？\n回复 1：好的，就办这个\n回复 2：不需要"
    harness.dialogue.buttons = []
    await harness.post(text_xml("o-opt", "1", 4002))
    await harness.post(text_xml("o-opt", "1", 4003))  # the last reply had no options: "1" is just text
    assert [call[1] for call in harness.dialogue.calls] == ["有优惠吗", "/accept_offer", "1"]


async def test_the_channel_never_passes_a_phone_nor_binds_one(harness: Harness) -> None:
    """The number is the custom action's business (bound after the SMS code, read from the binding): a typed
    number binds nothing here, and a bound follower's messages carry no phone a dialogue would have to trust."""
    await harness.post(text_xml("o-bind", "13312345678", 5001))
    with session_scope(harness.url) as session:
        assert bound_phone(session, "o-bind") is None
        bind_phone(session, "o-bind", "13312345678")
    await harness.post(text_xml("o-bind", "还在吗", 5002))
    assert [call[3] for call in harness.dialogue.calls] == [None, None]


# --- End to end: the real DialogueService, customer model and custom actions ------------------------------

LEAVE_REASON = "隔壁联通的套餐便宜多了，我想转过去"


@pytest.fixture
def live(dialogue_app: TestClient, wechat_env: str) -> TestClient:
    """The session's app with the real dialogue (conftest `dialogue_app`), on this test's seeded database.

    DATABASE_URL is read per call by the actions, the transcripts and this channel, so the one loaded model
    serves the SQLite and the PostgreSQL variant alike.
    """
    seed_database(wechat_env, customers=50, seed=7, as_of=default_as_of(date.today()))
    return dialogue_app


def customer_turns(url: str, openid: str) -> list[str]:
    with session_scope(url) as session:
        return list(
            session.execute(
                select(Turn.text)
                .join(Conversation)
                .where(Conversation.channel == "wechat", Conversation.sender_id == openid, Turn.role == "customer")
                .order_by(Turn.id)
            ).scalars()
        )


def post_live(client: TestClient, xml: str) -> tuple[httpx.Response, float]:
    started = time.perf_counter()
    response = client.post("/webhooks/wechat", params=signed_query(), content=xml.encode())
    return response, time.perf_counter() - started


def asks_for_the_number(reply: str) -> bool:
    return any(line.text in reply for line in lines_of("utter_ask_phone"))


def test_end_to_end_the_number_is_asked_once_and_bound_to_the_openid_after_the_code(
    live: TestClient, wechat_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SMS_SENDER", raising=False)  # the development sender: the code is in sms_outbox
    openid = f"o-live-{uuid.uuid4().hex[:12]}"
    phone = a_customer_phone(wechat_env)

    first, seconds = post_live(live, text_xml(openid, LEAVE_REASON, 7001))
    asked = reply_of(first, openid)
    assert asks_for_the_number(asked), asked
    assert seconds < REPLY_BUDGET_SECONDS

    retry, _ = post_live(live, text_xml(openid, LEAVE_REASON, 7001))
    assert reply_of(retry, openid) == asked
    assert customer_turns(wechat_env, openid) == [LEAVE_REASON]  # one bot turn for two deliveries

    claimed, seconds = post_live(live, text_xml(openid, phone, 7002))
    code_line = reply_of(claimed, openid)
    assert not asks_for_the_number(code_line) and f"{phone[:3]}****{phone[-4:]}" in code_line, code_line
    assert seconds < REPLY_BUDGET_SECONDS
    with session_scope(wechat_env) as session:
        assert bound_phone(session, openid) is None  # a number typed is a claim, not a binding
    code = last_code(wechat_env, phone)

    identified, _ = post_live(live, text_xml(openid, code, 7003))
    assert not asks_for_the_number(reply_of(identified, openid))
    with session_scope(wechat_env) as session:
        assert bound_phone(session, openid) == phone

    later, _ = post_live(live, text_xml(openid, "你们有什么优惠吗", 7004))
    reply_of(later, openid)
    assert live.portal.call(live.app.state.retention.dialogue.slots, openid)["flow"]["phone"] == phone
    assert customer_turns(wechat_env, openid) == [LEAVE_REASON, phone, code, "你们有什么优惠吗"]

    unbound, _ = post_live(live, text_xml(openid, "解绑", 7005))
    assert any(line.text in reply_of(unbound, openid) for line in lines_of("utter_wechat_unbound"))
    with session_scope(wechat_env) as session:
        assert bound_phone(session, openid) is None


def test_end_to_end_a_bound_openid_is_not_asked_and_can_answer_an_offer_by_number(
    live: TestClient, wechat_env: str
) -> None:
    openid = f"o-live-{uuid.uuid4().hex[:12]}"
    with session_scope(wechat_env) as session:
        bind_phone(session, openid, a_customer_phone(wechat_env, with_an_offer_for="reason_competitor_offer"))

    first, _ = post_live(live, text_xml(openid, LEAVE_REASON, 8001))
    heard = reply_of(first, openid)
    assert not asks_for_the_number(heard) and "回复 1" not in heard, heard  # listened to, not sold to
    second, _ = post_live(live, text_xml(openid, "没有了", 8002))
    offer = reply_of(second, openid)
    assert "回复 1：好的，就办这个" in offer, offer

    accepted, _ = post_live(live, text_xml(openid, "1", 8003))
    confirm = reply_of(accepted, openid)
    assert customer_turns(wechat_env, openid) == [LEAVE_REASON, "没有了", "/accept_offer"]
    flow = live.portal.call(live.app.state.retention.dialogue.slots, openid)["flow"]
    assert flow["phone"] and flow["pending"] and flow["enrolled"] is None  # a choice, confirmed before enrolling
    assert "回复 1：确认办理" in confirm, confirm
