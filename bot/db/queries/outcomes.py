"""The retention result of a conversation, kept up to date as it moves from pending to final."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import taxonomy
from bot.db.models import RetentionOutcome
from bot.db.models.base import utcnow
from bot.db.models.vocabulary import RETENTION_RESULTS


def record_retention_outcome(
    session: Session,
    *,
    conversation_id: int,
    result: str,
    customer_id: int | None = None,
    reason: str | None = None,
    need: str | None = None,
    offer_id: int | None = None,
    follow_up_due: datetime | None = None,
) -> RetentionOutcome:
    """Create or update the one outcome of `conversation_id` (fields given as None keep their value)."""
    if result not in RETENTION_RESULTS:
        raise ValueError(f"unknown retention result {result!r}; expected one of {list(RETENTION_RESULTS)}")
    if reason is not None and reason not in taxonomy.reason_intents():
        raise ValueError(f"unknown leave reason {reason!r}; expected a reason_* intent of bot/taxonomy.yml")
    if need is not None and need not in taxonomy.needs():
        raise ValueError(f"unknown need {need!r}; expected one of {taxonomy.needs()}")
    outcome = session.execute(
        select(RetentionOutcome).where(RetentionOutcome.conversation_id == conversation_id)
    ).scalar_one_or_none()
    if outcome is None:
        outcome = RetentionOutcome(conversation_id=conversation_id)
        session.add(outcome)
    outcome.result = result
    outcome.recorded_at = utcnow()
    for name, value in (
        ("customer_id", customer_id),
        ("reason", reason),
        ("need", need),
        ("offer_id", offer_id),
        ("follow_up_due", follow_up_due),
    ):
        if value is not None:
            setattr(outcome, name, value)
    session.flush()
    return outcome


def forget_retention_outcome(session: Session, conversation_id: int) -> None:
    """The conversation has no outcome any more: an enrolment taken back leaves nothing retained to count."""
    outcome = session.execute(
        select(RetentionOutcome).where(RetentionOutcome.conversation_id == conversation_id)
    ).scalar_one_or_none()
    if outcome is not None:
        session.delete(outcome)
        session.flush()
