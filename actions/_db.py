"""Database work of an action: one short unit of work, and a polite way on when it fails.

Every action that needs the app database subclasses `DatabaseAction`: its `work` runs inside one
`session_scope()` (DATABASE_URL via bot.config, committed at the end, the session closed before anything is
sent), and its `fallback` says what the customer hears and which slots are set when that work failed — a
database error or any bug inside it. The traceback goes to the log; the conversation goes on.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.orm import Session

from bot.db.models import Conversation
from bot.db.models.vocabulary import CHANNELS
from bot.db.queries import current_conversation
from bot.db.session import session_scope

logger = logging.getLogger(__name__)

# Where a conversation from an input channel outside the vocabulary (rasa shell, tests) is recorded.
FALLBACK_CHANNEL = "cli"


@dataclass
class Reply:
    """What an action says and which slot events it returns.

    Collected first and sent only after the commit, so a line never promises a ticket or an offer that a
    failed commit took back.
    """

    events: list[dict[str, Any]] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)

    def say(self, response: str, **kwargs: Any) -> None:
        """Queue a response with its buttons and placeholder values (CollectingDispatcher.utter_message)."""
        self.messages.append({"response": response, **kwargs})


class DatabaseAction(Action, ABC):
    """An action whose work reads or writes the app database and must never crash the conversation."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        try:
            with session_scope() as session:
                reply = self.work(session, tracker, domain)
        except Exception:  # noqa: BLE001 - whatever broke, the customer still gets an answer
            logger.exception("%s failed for sender %r; answering without the database", self.name(), tracker.sender_id)
            reply = self.fallback(tracker)
        for message in reply.messages:
            dispatcher.utter_message(**message)
        return reply.events

    @abstractmethod
    def work(self, session: Session, tracker: Tracker, domain: DomainDict) -> Reply:
        """The action proper; runs in one transaction."""

    @abstractmethod
    def fallback(self, tracker: Tracker) -> Reply:
        """What to say and set when `work` failed, keeping the slots the flow depends on consistent."""


def conversation_channel(tracker: Tracker) -> str:
    """The conversation channel (vocabulary CHANNELS) of the latest message's input channel."""
    channel = tracker.get_latest_input_channel()
    return channel if channel in CHANNELS else FALLBACK_CHANNEL


def conversation_for(session: Session, tracker: Tracker) -> Conversation:
    """This dialogue's conversation row: the one the transcript layer writes the turns of the sender to."""
    return current_conversation(
        session, mode="customer", channel=conversation_channel(tracker), sender_id=tracker.sender_id
    )
