"""`POST /webhooks/rest/webhook` end to end: the real customer model, in-process actions, transcripts in the DB."""

from __future__ import annotations

import functools
import re
import threading
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot import taxonomy
from bot.app.main import create_app
from bot.db.models import Conversation, Turn
from bot.db.session import session_scope

CHINESE = re.compile(r"[\u4e00-\u9fff]")
# What Rasa's CollectingOutputChannel can put in a message (keys with None values are left out).
RASA_MESSAGE_KEYS = {"recipient_id", "text", "buttons", "image", "attachment", "custom", "elements", "quick_replies"}
WEBHOOK = "/webhooks/rest/webhook"


def _sender() -> str:
    return f"rest-{uuid.uuid4().hex[:12]}"


def _turns(url: str, sender: str) -> list[tuple[str, Turn]]:
    with session_scope(url) as session:
        rows = session.execute(
            select(Conversation.channel, Turn)
            .join(Turn.conversation)
            .where(Conversation.sender_id == sender)
            .order_by(Conversation.id, Turn.seq)
        ).all()
        return [(channel, turn) for channel, turn in rows]


def _service_call(client: TestClient, method, *args, **kwargs):  # type: ignore[no-untyped-def]
    """Run a coroutine method of the app's DialogueService on the app's own event loop."""
    return client.portal.call(functools.partial(method, *args, **kwargs))


# --- bad requests -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "sender"),
        ({"message": "我要销户"}, "sender"),
        ({"sender": "u1"}, "message"),
        ({"sender": "", "message": "我要销户"}, "sender"),
        ({"sender": "u1", "message": ""}, "message"),
        ({"sender": "u1", "message": "  \n "}, "message"),
        ({"sender": 5, "message": "我要销户"}, "sender"),
        ({"sender": "u1", "message": ["我要销户"]}, "message"),
        ({"sender": "u1", "message": "我要销户", "metadata": "13312345678"}, "metadata"),
        ({"sender": "u1", "message": "我要销户", "metadata": {"x": "y" * 9000}}, "metadata"),
        ({"sender": "u" * 129, "message": "我要销户"}, "sender"),
        ([{"sender": "u1", "message": "我要销户"}], "body"),
    ],
)
def test_bad_bodies_are_400_with_a_clear_message(dialogue_client: TestClient, body: object, field: str) -> None:
    response = dialogue_client.post(WEBHOOK, json=body)
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert isinstance(detail, str) and detail.startswith(field)


def test_an_over_long_message_is_refused_clearly(dialogue_client: TestClient) -> None:
    response = dialogue_client.post(WEBHOOK, json={"sender": "u1", "message": "太贵了" * 700})
    assert response.status_code == 400
    assert response.json()["detail"] == "message: message is too long (2100 characters; at most 2000 are accepted)"


def test_a_body_that_is_not_json_is_400(dialogue_client: TestClient) -> None:
    response = dialogue_client.post(WEBHOOK, content=b"sender=u1&message=hi", headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]


@pytest.mark.parametrize("path", ["/webhooks/rest", "/webhooks/rest/"])
def test_the_channel_status_route_answers_like_rasa(dialogue_client: TestClient, path: str) -> None:
    response = dialogue_client.get(path)
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_without_a_model_the_webhook_is_503_not_a_crash() -> None:
    app = create_app(roles=("customer",), model_paths={"customer": Path("/nonexistent/customer-0.tar.gz")})
    with TestClient(app) as client:
        response = client.post(WEBHOOK, json={"sender": "u1", "message": "我要销户"})
    assert response.status_code == 503
    assert response.json()["detail"].startswith("dialogue unavailable:")


# --- a conversation -----------------------------------------------------------------------------------------


def test_a_leave_reason_gets_a_chinese_reply_and_a_transcript(
    dialogue_client: TestClient, dialogue_database_url: str
) -> None:
    sender = _sender()
    response = dialogue_client.post(WEBHOOK, json={"sender": sender, "message": "你们网速太慢了，晚上视频根本打不开，我要换运营商"})
    assert response.status_code == 200
    messages = response.json()
    assert messages, "the bot said nothing"
    for message in messages:
        assert set(message) <= RASA_MESSAGE_KEYS
        assert message["recipient_id"] == sender
        assert None not in message.values()
    assert CHINESE.search(" ".join(message.get("text", "") for message in messages))

    turns = _turns(dialogue_database_url, sender)
    assert {channel for channel, _ in turns} == {"rest"}
    customer = turns[0][1]
    assert (customer.seq, customer.role) == (1, "customer")
    assert customer.text == "你们网速太慢了，晚上视频根本打不开，我要换运营商"
    assert customer.intent in taxonomy.reason_intents()
    assert 0 < customer.intent_confidence <= 1
    assert customer.need in taxonomy.needs() and 0 < customer.need_confidence <= 1
    bot_turns = [turn for _, turn in turns[1:]]
    assert [turn.role for turn in bot_turns] == ["bot"] * len(messages)
    assert [turn.text for turn in bot_turns] == [message.get("text", "") for message in messages]
    assert all(turn.actions for turn in bot_turns)


def test_webchat_metadata_selects_the_web_channel_and_reaches_the_tracker(
    dialogue_client: TestClient, dialogue_database_url: str
) -> None:
    sender = _sender()
    metadata = {"source": "webchat", "phone": "13312345678"}
    response = dialogue_client.post(WEBHOOK, json={"sender": sender, "message": "你好", "metadata": metadata})
    assert response.status_code == 200
    assert {channel for channel, _ in _turns(dialogue_database_url, sender)} == {"web"}
    service = dialogue_client.app.state.retention.dialogue
    tracker = _service_call(dialogue_client, service.tracker, sender)
    assert tracker.get_latest_input_channel() == "web"
    assert tracker.latest_message.metadata.items() >= metadata.items()  # Rasa adds model_id and assistant_id


def test_two_messages_of_one_sender_at_once_do_not_interleave(
    dialogue_client: TestClient, dialogue_database_url: str
) -> None:
    sender = _sender()
    texts = ["我要销户", "资费太贵了，一个月两百多"]
    answers: dict[str, list] = {}

    def post(text: str) -> None:
        answers[text] = dialogue_client.post(WEBHOOK, json={"sender": sender, "message": text}).json()

    threads = [threading.Thread(target=post, args=(text,)) for text in texts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    turns = [turn for _, turn in _turns(dialogue_database_url, sender)]
    assert [turn.seq for turn in turns] == list(range(1, len(turns) + 1))
    customer_at = [index for index, turn in enumerate(turns) if turn.role == "customer"]
    assert len(customer_at) == 2 and customer_at[0] == 0
    first, second = turns[0].text, turns[customer_at[1]].text
    # each customer turn is followed by exactly the replies to it: no reply of one inside the other
    assert len(turns[1 : customer_at[1]]) == len(answers[first])
    assert len(turns[customer_at[1] + 1 :]) == len(answers[second])
