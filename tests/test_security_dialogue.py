"""Where a message enters the dialogue (issue 14), through the real DialogueService and customer model:

- a "/" message runs as an intent only when it is a payload of the bot's last reply to that sender, on every
  channel (REST, web chat, WeChat); anything else typed that way is read as text;
- a failed turn is answered with one apology line and logged with the sender — the store really fails here
  (a SQL tracker store whose table is gone), nothing is stubbed.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.db.models import Conversation, RetentionOutcome
from bot.db.session import session_scope
from bot.dialogue.service import TURN_FAILED, DialogueService
from bot.dialogue.stores import create_tracker_store
from tests.identity_testing import signed, use_identity_secret
from tests.test_wechat_webhook import (  # noqa: F401 - fixtures
    LEAVE_REASON,
    a_customer_phone,
    live,
    post_live,
    reply_of,
    text_xml,
    wechat_env,
)

WEBHOOK = "/webhooks/rest/webhook"


def _sender(prefix: str = "sec") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def _service(client: TestClient) -> DialogueService:
    return client.app.state.retention.dialogue


def _tracker(client: TestClient, sender: str) -> Any:
    return client.portal.call(_service(client).tracker, sender)


def _post(client: TestClient, sender: str, text: str, metadata: dict[str, Any] | None = None) -> list[dict]:
    body: dict[str, Any] = {"sender": sender, "message": text}
    if metadata:
        body["metadata"] = metadata
    response = client.post(WEBHOOK, json=body)
    assert response.status_code == 200, response.text
    return response.json()


def _payloads(messages: list[dict]) -> set[str]:
    return {button["payload"] for message in messages for button in message.get("buttons") or []}


def _event_names(tracker: Any) -> list[str]:
    return [event.type_name for event in tracker.events]


# --- Typed commands are text ------------------------------------------------------------------------------

TYPED = [
    ("/restart", "restart"),
    (' /session_start{"metadata": {"phone": "13312345678"}}', "session_start"),
    ("/accept_offer", "accept_offer"),
    ("／restart", "restart"),  # the normaliser folds the full-width slash into "/"
    ("//affirm", "affirm"),
]


@pytest.mark.parametrize("channel_metadata", [None, {"source": "webchat"}], ids=["rest", "web"])
@pytest.mark.parametrize(("typed", "intent"), TYPED)
def test_a_typed_command_is_read_as_text(
    dialogue_client: TestClient,
    dialogue_database_url: str,
    typed: str,
    intent: str,
    channel_metadata: dict[str, str] | None,
) -> None:
    sender = _sender()
    _post(dialogue_client, sender, "我要销户", channel_metadata)
    before = _tracker(dialogue_client, sender)
    answer = _post(dialogue_client, sender, typed, channel_metadata)
    tracker = _tracker(dialogue_client, sender)
    assert answer, "the bot answered nothing"
    assert tracker.latest_message.intent.get("name") != intent
    assert tracker.latest_message.text == typed.strip().lstrip("/／")  # what the NLU read
    new_events = _event_names(tracker)[len(before.events) :]
    assert "restart" not in new_events and new_events.count("session_started") == 0
    with session_scope(dialogue_database_url) as session:
        outcomes = session.execute(
            select(RetentionOutcome.result).join(Conversation).where(Conversation.sender_id == sender)
        ).scalars()
        assert "retained" not in list(outcomes)


def test_on_wechat_a_typed_command_is_text_too(live: TestClient) -> None:
    openid = f"o-sec-{uuid.uuid4().hex[:12]}"
    reply_of(post_live(live, text_xml(openid, "我要销户", 9101))[0], openid)
    before = len(_tracker(live, openid).events)
    reply_of(post_live(live, text_xml(openid, "/restart", 9102))[0], openid)
    tracker = _tracker(live, openid)
    assert "restart" not in _event_names(tracker)[before:]
    assert tracker.latest_message.intent.get("name") != "restart"
    assert tracker.latest_message.text == "restart"


# --- Offered payloads run ---------------------------------------------------------------------------------


def test_only_the_payloads_of_the_last_reply_run(
    dialogue_client: TestClient, dialogue_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The offer's button runs; once the bot has moved on to confirming, the same payload typed is text."""
    use_identity_secret(monkeypatch)
    sender = _sender()
    metadata = signed(a_customer_phone(dialogue_database_url, with_an_offer_for="reason_competitor_offer"))
    _post(dialogue_client, sender, LEAVE_REASON, metadata)
    offer = _post(dialogue_client, sender, "没有了", metadata)
    assert "/accept_offer" in _payloads(offer), offer
    assert _service_offered(dialogue_client, sender) == _payloads(offer)

    confirm = _post(dialogue_client, sender, "/accept_offer", metadata)  # the button
    assert _tracker(dialogue_client, sender).latest_message.intent["name"] == "accept_offer"
    assert _payloads(confirm) >= {"/affirm", "/deny"}, confirm

    _post(dialogue_client, sender, "/accept_offer", metadata)  # no longer on offer: typed text
    tracker = _tracker(dialogue_client, sender)
    assert tracker.latest_message.intent.get("name") != "accept_offer"
    assert tracker.latest_message.text == "accept_offer"


def _service_offered(client: TestClient, sender: str) -> set[str]:
    return client.portal.call(_service(client).offered_payloads, sender)


def test_nothing_is_offered_to_a_new_sender(dialogue_client: TestClient) -> None:
    assert _service_offered(dialogue_client, _sender()) == set()


# --- A failed turn apologises -----------------------------------------------------------------------------


@pytest.fixture
def broken_tracker_store(dialogue_app: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The dialogue's tracker store, for this test, is a SQL store whose `events` table has been dropped."""
    path = tmp_path / "tracker.db"
    store = create_tracker_store(f"sqlite:///{path}", _service(dialogue_app).domain)
    with sqlite3.connect(path) as connection:
        connection.execute("DROP TABLE events")
    monkeypatch.setattr(_service(dialogue_app).agent.tracker_store, "inner", store)
    yield
    store.engine.dispose()


def test_a_failed_turn_is_an_apology_logged_with_the_sender(
    dialogue_client: TestClient, broken_tracker_store: None, caplog: pytest.LogCaptureFixture
) -> None:
    sender = _sender("broken")
    assert _post(dialogue_client, sender, "我要销户") == [{"recipient_id": sender, "text": TURN_FAILED}]
    failure = next(record for record in caplog.records if "answered with an apology" in record.getMessage())
    assert sender in failure.getMessage() and failure.levelname == "ERROR"
    assert failure.exc_info is not None and "events" in str(failure.exc_info[1])


def test_a_failed_turn_on_wechat_is_the_same_apology(live: TestClient, broken_tracker_store: None) -> None:
    openid = f"o-broken-{uuid.uuid4().hex[:12]}"
    assert reply_of(post_live(live, text_xml(openid, "我要销户", 9201))[0], openid) == TURN_FAILED


def test_the_apology_is_one_short_chinese_line() -> None:
    assert "\n" not in TURN_FAILED and len(TURN_FAILED) <= 60 and TURN_FAILED.startswith("抱歉")
