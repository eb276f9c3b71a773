"""Which conversation row an action's work belongs to: the one the transcript layer writes the turns to.

A conversation row lives as long as Rasa's session: when Rasa starts a new session (the customer comes back
after `session_expiration_time`), the open row is ended and the returning customer gets a new one. Every
customer message runs the turn action before the transcript is written, so the recorder then finds the new row.
"""

from __future__ import annotations

from datetime import datetime, timezone

from rasa_sdk import Tracker
from sqlalchemy.orm import Session

from bot.db.models import Conversation
from bot.db.models.base import utcnow
from bot.db.models.vocabulary import CHANNELS
from bot.db.queries import current_conversation, end_conversation, start_conversation

# Where a conversation from an input channel outside the vocabulary (rasa shell, tests) is recorded.
FALLBACK_CHANNEL = "cli"


def conversation_channel(tracker: Tracker) -> str:
    """The conversation channel (vocabulary CHANNELS) of the latest message's input channel."""
    channel = tracker.get_latest_input_channel()
    return channel if channel in CHANNELS else FALLBACK_CHANNEL


def session_started_at(tracker: Tracker) -> datetime | None:
    """When Rasa started the sender's current session (its latest `session_started` event)."""
    stamp = next((e.get("timestamp") for e in reversed(tracker.events) if e.get("event") == "session_started"), None)
    return datetime.fromtimestamp(stamp, timezone.utc) if stamp else None


def conversation_for(session: Session, tracker: Tracker) -> Conversation:
    """This dialogue's conversation row: the one the transcript layer writes the turns of the sender to; a
    row begun before the current Rasa session started is ended first."""
    channel = conversation_channel(tracker)
    conversation = current_conversation(session, mode="customer", channel=channel, sender_id=tracker.sender_id)
    started = session_started_at(tracker)
    if started is not None and conversation.started_at < started:
        end_conversation(session, conversation, outcome=conversation.outcome, at=min(utcnow(), started))
        conversation = start_conversation(session, mode="customer", channel=channel, sender_id=tracker.sender_id)
    return conversation
