"""WeChat messages that cannot be forged or replayed (issue 14), over HTTP on SQLite and PostgreSQL.

Safe mode refuses plain messages; a signature is good for a few minutes and for one body; dedupe is per
follower; an openid longer than the columns is refused clearly. The stand-in dialogue of the webhook tests
counts the bot turns, so "refused" also means "the bot never saw it".
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from bot.db.models import WechatNonce
from bot.db.queries.wechat import claim_signature
from tests.test_wechat_protocol import AES_APPID, AES_KEY, AES_TOKEN, DOCUMENTED_TEXT_MESSAGE
from tests.test_wechat_webhook import (  # noqa: F401 - fixtures
    AES_PLAIN_MESSAGE,
    Harness,
    harness,
    reply_of,
    signed_query,
    stored_messages,
    text_xml,
    wechat_env,
)

WINDOW = 300  # the default WECHAT_TIMESTAMP_WINDOW_SECONDS


@pytest.fixture
def safe_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WECHAT_TOKEN", AES_TOKEN)
    monkeypatch.setenv("WECHAT_APPID", AES_APPID)
    monkeypatch.setenv("WECHAT_AES_KEY", AES_KEY)


# --- Safe mode --------------------------------------------------------------------------------------------


async def test_safe_mode_refuses_plain_messages_even_when_signed(harness: Harness, safe_mode: None) -> None:
    response = await harness.post(text_xml("o-plain", "我要销户", 1), signed_query(AES_TOKEN))
    assert response.status_code == 403
    assert "safe mode" in response.json()["detail"]
    assert harness.dialogue.calls == [] and stored_messages(harness.url) == 0
    encrypted = await harness.post_encrypted(AES_PLAIN_MESSAGE)
    assert encrypted.status_code == 200, encrypted.text  # the same account still answers encrypted messages


# --- The timestamp window ---------------------------------------------------------------------------------


@pytest.mark.parametrize("offset", [-(WINDOW + 5), WINDOW + 5, -86400 * 365 * 10])
async def test_a_timestamp_outside_the_window_is_403(harness: Harness, offset: int) -> None:
    query = signed_query(timestamp=str(int(time.time()) + offset))
    response = await harness.post(text_xml("o-stale", "我要销户", 2), query)
    assert response.status_code == 403
    assert "away from the server's clock" in response.json()["detail"]
    assert harness.dialogue.calls == [] and stored_messages(harness.url) == 0


@pytest.mark.parametrize("timestamp", ["", "soon", "1e9", "-1409735669", "9" * 40])
async def test_a_timestamp_that_is_not_a_time_is_403(harness: Harness, timestamp: str) -> None:
    query = {**signed_query(), "timestamp": timestamp}
    response = await harness.post(text_xml("o-time", "你好", 3), query)
    assert response.status_code == 403
    assert harness.dialogue.calls == []


async def test_a_timestamp_a_little_off_is_accepted(harness: Harness) -> None:
    query = signed_query(timestamp=str(int(time.time()) - WINDOW + 30))  # a server clock a few minutes fast
    assert reply_of(await harness.post(text_xml("o-skew", "你好", 4), query), "o-skew") == "收到：你好"


async def test_the_window_is_configurable(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WECHAT_TIMESTAMP_WINDOW_SECONDS", "60")
    query = signed_query(timestamp=str(int(time.time()) - 90))
    assert (await harness.post(text_xml("o-short", "你好", 5), query)).status_code == 403


# --- Nonces -----------------------------------------------------------------------------------------------


async def test_a_signature_cannot_carry_another_message(harness: Harness) -> None:
    """A leaked (signature, timestamp, nonce) of a real message, posted with a forged one: refused."""
    query = signed_query()
    assert reply_of(await harness.post(text_xml("o-real", "我要销户", 10), query), "o-real") == "收到：我要销户"
    forged = await harness.post(text_xml("o-victim", "我接受这个优惠", 11), query)
    assert forged.status_code == 403
    assert forged.json()["detail"] == "this signature was already used for another request"
    assert [call[0] for call in harness.dialogue.calls] == ["o-real"]
    assert stored_messages(harness.url) == 1


async def test_a_retry_with_the_same_signature_and_body_gets_the_same_reply(harness: Harness) -> None:
    query, xml = signed_query(), text_xml("o-again", "网速太慢", 12)
    first = await harness.post(xml, query)
    retry = await harness.post(xml, query)
    assert reply_of(first, "o-again") == reply_of(retry, "o-again") == "收到：网速太慢"
    assert len(harness.dialogue.calls) == 1


async def test_the_url_verification_spends_its_signature(harness: Harness) -> None:
    """The server-URL check is signed like a plain message: its query, say from an access log, posts nothing."""
    query = signed_query()
    verified = await harness.client.get("/webhooks/wechat", params={**query, "echostr": "42"})
    assert verified.status_code == 200 and verified.text == "42"
    assert (await harness.post(text_xml("o-log", "我要销户", 13), query)).status_code == 403
    assert harness.dialogue.calls == []


async def test_a_stale_url_verification_is_refused(harness: Harness) -> None:
    query = signed_query(timestamp=str(int(time.time()) - WINDOW - 60))
    assert (await harness.client.get("/webhooks/wechat", params={**query, "echostr": "42"})).status_code == 403


def test_signatures_are_forgotten_once_outside_the_window(db_session) -> None:  # type: ignore[no-untyped-def]
    now = int(time.time())
    assert claim_signature(db_session, now - 1000, "1", "a" * 64, now - WINDOW)
    assert claim_signature(db_session, now, "1", "b" * 64, now - WINDOW)  # another timestamp: another signature
    assert claim_signature(db_session, now, "1", "b" * 64, now - WINDOW)  # the same body again
    assert not claim_signature(db_session, now, "1", "c" * 64, now - WINDOW)
    assert claim_signature(db_session, now + 1, "2", "d" * 64, now + 1000)  # everything before now + 1000 goes
    assert db_session.execute(select(func.count()).select_from(WechatNonce)).scalar_one() == 1


# --- Dedupe per follower ----------------------------------------------------------------------------------


async def test_the_same_msgid_from_two_followers_is_two_messages(harness: Harness) -> None:
    """A forged message reusing a follower's MsgId runs on its own and never collects that follower's reply."""
    mine = await harness.post(text_xml("o-alice", "我的宽带坏了", 777))
    theirs = await harness.post(text_xml("o-mallory", "在吗", 777))
    assert reply_of(mine, "o-alice") == "收到：我的宽带坏了"
    assert reply_of(theirs, "o-mallory") == "收到：在吗"
    assert [call[:2] for call in harness.dialogue.calls] == [("o-alice", "我的宽带坏了"), ("o-mallory", "在吗")]
    assert stored_messages(harness.url) == 2


# --- Field sizes ------------------------------------------------------------------------------------------


async def test_an_openid_longer_than_128_characters_is_refused_clearly(harness: Harness) -> None:
    response = await harness.post(text_xml("o" * 300, "你好", 20))
    assert response.status_code == 400
    assert response.json()["detail"] == "FromUserName is too long (300 characters; at most 128)"
    assert harness.dialogue.calls == [] and stored_messages(harness.url) == 0
    assert reply_of(await harness.post(text_xml("o" * 128, "你好", 21)), "o" * 128) == "收到：你好"


async def test_a_msgid_beyond_64_bits_is_refused(harness: Harness) -> None:
    response = await harness.post(text_xml("o-big", "你好", 10**200))
    assert response.status_code == 400
    assert stored_messages(harness.url) == 0


@pytest.mark.parametrize("nonce", ["", "9" * 65])
async def test_a_missing_or_oversized_nonce_is_refused(harness: Harness, nonce: str) -> None:
    query = signed_query(nonce=nonce) if nonce else {**signed_query(), "nonce": ""}
    response = await harness.post(DOCUMENTED_TEXT_MESSAGE, query)
    assert response.status_code == 403
    assert harness.dialogue.calls == []
