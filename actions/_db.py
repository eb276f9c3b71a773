"""Which conversation row an action's work belongs to: the one the transcript layer writes the turns to."""

from __future__ import annotations

from rasa_sdk import Tracker
from sqlalchemy.orm import Session

from bot.db.models import Conversation
from bot.db.models.vocabulary import CHANNELS
from bot.db.queries import current_conversation

# Where a conversation from an input channel outside the vocabulary (rasa shell, tests) is recorded.
FALLBACK_CHANNEL = "cli"


def conversation_channel(tracker: Tracker) -> str:
    """The conversation channel (vocabulary CHANNELS) of the latest message's input channel."""
    channel = tracker.get_latest_input_channel()
    return channel if channel in CHANNELS else FALLBACK_CHANNEL


def conversation_for(session: Session, tracker: Tracker) -> Conversation:
    """This dialogue's conversation row: the one the transcript layer writes the turns of the sender to."""
    return current_conversation(
        session, mode="customer", channel=conversation_channel(tracker), sender_id=tracker.sender_id
    )
