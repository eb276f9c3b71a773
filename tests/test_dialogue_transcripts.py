"""Transcripts: the new events of each saved tracker become Turns, on SQLite and PostgreSQL."""

from __future__ import annotations

import logging

import pytest
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import select

from bot.db.models import Conversation, Turn
from bot.db.session import session_scope
from bot.dialogue.transcripts import (
    RecordingTrackerStore,
    TranscriptRecorder,
    conversation_channel,
    customer_annotations,
    turns_from_events,
)

COMPETITOR_TEXT = "联通才58一个月，我要转网"
PARSE = {
    "intent": {"name": "reason_competitor_offer", "confidence": 0.912345},
    "intent_ranking": [
        {"name": "reason_competitor_offer", "confidence": 0.912345},
        {"name": "reason_price_high", "confidence": 0.05},
    ],
    "need": {"name": "rational", "confidence": 0.83},
    "entities": [
        {"entity": "competitor", "value": "中国联通", "start": 0, "end": 2, "extractor": "TelecomEntityExtractor"},
        {"entity": "amount", "value": 58, "start": 3, "end": 5, "extractor": "TelecomEntityExtractor"},
    ],
}


def _user(text: str, parse: dict, channel: str = "web") -> UserUttered:
    return UserUttered(text, parse.get("intent"), parse.get("entities"), parse, input_channel=channel)


def _first_message() -> list:
    return [
        ActionExecuted("action_session_start"),
        SessionStarted(),
        ActionExecuted("action_listen"),
        _user(COMPETITOR_TEXT, PARSE),
        ActionExecuted("action_register_reason"),
        SlotSet("leave_reason", "reason_competitor_offer"),
        ActionExecuted("utter_greet"),
        BotUttered("您好，我是您的在线客服。", metadata={"utter_action": "utter_greet"}),
        ActionExecuted("action_identify_customer"),
        ActionExecuted("utter_acknowledge_reason_competitor_offer"),
        BotUttered("明白，您比较的是价格。", metadata={"utter_action": "utter_acknowledge_reason_competitor_offer"}),
        ActionExecuted("action_create_ticket"),
        BotUttered("已为您登记比价，24小时内回复。", metadata={"utter_action": "utter_commit_ticket"}),
        ActionExecuted("action_fetch_churn_score"),
        ActionExecuted("action_listen"),
    ]


def test_turns_of_one_message() -> None:
    turns = turns_from_events(_first_message())
    assert [(turn.role, turn.channel) for turn in turns] == [("customer", "web")] + [("bot", "web")] * 3
    customer = turns[0]
    assert (customer.intent, customer.intent_confidence) == ("reason_competitor_offer", 0.9123)
    assert (customer.need, customer.need_confidence) == ("rational", 0.83)
    assert customer.entities == [
        {"entity": "competitor", "value": "中国联通", "start": 0, "end": 2},
        {"entity": "amount", "value": 58, "start": 3, "end": 5},
    ]
    assert [turn.actions for turn in turns[1:]] == [
        ["action_register_reason", "utter_greet"],
        ["action_identify_customer", "utter_acknowledge_reason_competitor_offer"],
        # a custom action saying a domain response, then the silent actions after the last reply
        ["action_create_ticket", "utter_commit_ticket", "action_fetch_churn_score"],
    ]


def test_fallback_payload_and_relogged_messages() -> None:
    fallback = {
        "intent": {"name": "nlu_fallback", "confidence": 0.4},
        "intent_ranking": [{"name": "nlu_fallback", "confidence": 0.4}, {"name": "greet", "confidence": 0.31}],
        "need": {"name": "none", "confidence": 0.6},
    }
    assert customer_annotations(fallback)["intent"] == "greet"
    payload = {"intent": {"name": "accept_offer", "confidence": 1.0}, "intent_ranking": [], "entities": []}
    assert customer_annotations(payload) == {
        "intent": "accept_offer",
        "intent_confidence": 1.0,
        "need": None,
        "need_confidence": None,
        "entities": [],
    }
    # the two-stage fallback re-logs the earlier message after an affirmation: not a new customer turn
    events = [_user("/affirm", payload, "rest"), ActionExecuted("action_two_stage_fallback"), _user("嗯", payload, "rest")]
    assert [turn.role for turn in turns_from_events(events)] == ["customer"]


def test_channel_names() -> None:
    assert [conversation_channel(name) for name in ("web", "wechat", "rest", None, "cmdline")] == [
        "web",
        "wechat",
        "rest",
        "cli",
        "cli",
    ]


def _rows(url: str, sender: str) -> list[tuple]:
    with session_scope(url) as session:
        return [
            (c.channel, t.seq, t.role, t.text, t.intent, t.need, t.actions)
            for t, c in session.execute(
                select(Turn, Conversation)
                .join(Conversation)
                .where(Conversation.sender_id == sender)
                .order_by(Conversation.id, Turn.seq)
            ).all()
        ]


async def test_saving_a_tracker_records_only_the_new_turns(migrated_url: str) -> None:
    store = RecordingTrackerStore(InMemoryTrackerStore(Domain.empty()), TranscriptRecorder(migrated_url))
    tracker = DialogueStateTracker.from_events("sender-7", _first_message())
    await store.save(tracker)
    rows = _rows(migrated_url, "sender-7")
    assert [(row[1], row[2]) for row in rows] == [(1, "customer"), (2, "bot"), (3, "bot"), (4, "bot")]
    assert rows[0][3:6] == (COMPETITOR_TEXT, "reason_competitor_offer", "rational")
    assert rows[3][6] == ["action_create_ticket", "utter_commit_ticket", "action_fetch_churn_score"]

    tracker = await store.retrieve("sender-7")
    tracker.update(_user("好的，我接受", {"intent": {"name": "accept_offer", "confidence": 0.97}}))
    tracker.update(ActionExecuted("utter_offer_accepted"))
    tracker.update(BotUttered("已为您办理。", metadata={"utter_action": "utter_offer_accepted"}))
    await store.save(tracker)
    rows = _rows(migrated_url, "sender-7")
    assert [(row[0], row[1], row[2], row[4]) for row in rows[4:]] == [
        ("web", 5, "customer", "accept_offer"),
        ("web", 6, "bot", None),
    ]
    assert len({row[0] for row in rows}) == 1  # one conversation row

    # the same sender on another channel: its own conversation
    tracker.update(_user("你好", {"intent": {"name": "greet", "confidence": 0.99}}, channel="wechat"))
    await store.save(tracker)
    assert _rows(migrated_url, "sender-7")[-1][:3] == ("wechat", 1, "customer")


async def test_a_database_failure_is_logged_and_the_tracker_still_saved(caplog: pytest.LogCaptureFixture) -> None:
    inner = InMemoryTrackerStore(Domain.empty())
    recorder = TranscriptRecorder("postgresql+psycopg2://nobody@127.0.0.1:1/none")
    store = RecordingTrackerStore(inner, recorder)
    with caplog.at_level(logging.INFO, logger="bot.dialogue.transcripts"):
        await store.save(DialogueStateTracker.from_events("sender-8", _first_message()))
        assert "will be written later" in caplog.text
        assert (await inner.retrieve("sender-8")).latest_message.text == COMPETITOR_TEXT
        assert [message.sender_id for message in recorder.pending] == ["sender-8"]
        await recorder.close(timeout=0.1)  # a shutdown while the database is still away says what is lost
    assert "4 transcript turns the database never took" in caplog.text


async def test_turns_wait_for_the_database_and_keep_their_order(postgres_url: str) -> None:
    """PostgreSQL goes away (a proxy the test cuts) between messages: the replies go on, the turns wait in
    the process, a later message queues behind them, and all are written in order once it is back."""
    from bot.db.migrate import upgrade
    from bot.db.seed import clear_app_data
    from tests.tcp_proxy import TcpProxy

    upgrade(postgres_url)
    with session_scope(postgres_url) as session:
        clear_app_data(session)
    proxy = TcpProxy("127.0.0.1", 5432).start()
    url = postgres_url.replace("@127.0.0.1:5432/", f"@127.0.0.1:{proxy.port}/")
    recorder = TranscriptRecorder(url)
    store = RecordingTrackerStore(InMemoryTrackerStore(Domain.empty()), recorder)
    try:
        await store.save(DialogueStateTracker.from_events("sender-9", _first_message()))
        with proxy.down():
            tracker = await store.retrieve("sender-9")
            tracker.update(_user("好的，我接受", {"intent": {"name": "accept_offer", "confidence": 0.97}}))
            tracker.update(BotUttered("已为您办理。", metadata={"utter_action": "utter_offer_accepted"}))
            await store.save(tracker)
            assert len(recorder.pending) == 1
        tracker.update(_user("谢谢", {"intent": {"name": "thank", "confidence": 0.9}}))
        await store.save(tracker)  # the database is back, but the earlier turns go first
        await recorder.close(timeout=30)
    finally:
        proxy.stop()
    assert recorder.pending == []
    rows = _rows(postgres_url, "sender-9")
    assert [(row[1], row[2], row[3]) for row in rows[4:]] == [
        (5, "customer", "好的，我接受"),
        (6, "bot", "已为您办理。"),
        (7, "customer", "谢谢"),
    ]


class _RefusingStore(InMemoryTrackerStore):
    async def save(self, tracker: DialogueStateTracker) -> None:
        raise OSError("tracker store gone")


async def test_a_tracker_the_store_refused_is_not_transcribed(migrated_url: str) -> None:
    """The turn failed (the customer is asked to send it again): transcribing it would record it twice."""
    store = RecordingTrackerStore(_RefusingStore(Domain.empty()), TranscriptRecorder(migrated_url))
    with pytest.raises(OSError):
        await store.save(DialogueStateTracker.from_events("sender-10", _first_message()))
    assert _rows(migrated_url, "sender-10") == []
