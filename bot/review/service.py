"""What the desk's two routers share: the database session dependency, the desk's roles, the errors of
bot.review translated into the project's HTTP answers, and the flow's suggestion for a chat taken over."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import anyio.from_thread
from fastapi import Depends, HTTPException, Request, status
from sqlalchemy.orm import Session

from bot.app.state import get_app_state
from bot.auth.dependencies import account_session
from bot.auth.roles import STAFF_ROLES
from bot.db.models import User
from bot.db.models.base import utcnow
from bot.flow.state import STATE_SLOT
from bot.review.access import ConversationNotFound
from bot.review.takeover import suggested_line
from bot.review.tickets import TicketNotFound
from bot.review.transcript import visible_conversation

EVERY_ROLE = ("supervisor", "admin", "trainee")  # the inbox and transcripts: trainees see their own calls
DESK_ROLES = STAFF_ROLES  # everything else


def _unit_of_work() -> Iterator[Session]:
    """One unit of work per request (committed at the end); an unreachable database is a 503."""
    with account_session() as session:
        yield session


# Committed before the answer is sent ("function" scope; the default "request" commits after it): the page a
# form's 303 leads to is requested at once and must see the write.
desk_db = Depends(_unit_of_work, scope="function")


@contextmanager
def answered() -> Iterator[None]:
    """Unknown or invisible rows are 404 (the same answer for both), refused values 400 with the reason."""
    try:
        yield
    except (ConversationNotFound, TicketNotFound):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="not found") from None
    except ValueError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, detail=str(exc)) from None


def live_suggestion(request: Request, db: Session, viewer: User, conversation_id: int) -> str | None:
    """The flow's next line for a web chat `viewer` has taken over (bot.review.takeover); None for any other
    conversation and while the dialogue is not loaded, since without the bot's flow state it would be a guess.

    The desk's routes are synchronous (run in a worker thread); the tracker store is read on the event loop."""
    conversation = visible_conversation(db, viewer, conversation_id)
    if conversation.taken_over_by != viewer.id:
        return None  # decided from the row alone: a desk served without the bot never needs the bot's state
    service = get_app_state(request).dialogue
    if service is None:
        return None
    slots = anyio.from_thread.run(service.slots, conversation.sender_id)
    return suggested_line(db, conversation, slots.get(STATE_SLOT), utcnow())
