"""What the desk's two routers share: the database session dependency, the desk's roles, and the errors of
bot.review translated into the project's HTTP answers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import Depends, HTTPException, status
from sqlalchemy.orm import Session

from bot.auth.dependencies import account_session
from bot.auth.roles import STAFF_ROLES
from bot.review.access import ConversationNotFound
from bot.review.tickets import TicketNotFound

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
