"""Relabelling a turn: a customer turn's intent or need, a trainee turn's act, against the label contract.

Labels come from bot.taxonomy, so a correction can never teach the models a label the contract does not know.
The turn itself keeps what the NLU said; the correction is a row with who, when, old and new.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import Turn, TurnCorrection, User
from bot.review.access import ConversationNotFound
from bot.review.transcript import visible_conversation
from bot.taxonomy import agent_acts, customer_intents, needs

# Which turn role may have which field corrected.
FIELDS_BY_ROLE: dict[str, tuple[str, ...]] = {"customer": ("intent", "need"), "trainee": ("act",)}


def labels(field: str) -> list[str]:
    """The labels a field may be corrected to."""
    return {"intent": customer_intents, "need": needs, "act": agent_acts}[field]()


def current_value(session: Session, turn: Turn, field: str) -> str | None:
    """The newest correction of the field, else what was recorded (acts are stored as the turn's intent)."""
    corrected = session.execute(
        select(TurnCorrection.new_value)
        .where(TurnCorrection.turn_id == turn.id, TurnCorrection.field == field)
        .order_by(TurnCorrection.created_at.desc(), TurnCorrection.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if corrected is not None:
        return corrected
    return turn.need if field == "need" else turn.intent


def relabel(session: Session, turn: Turn, field: str, value: str, user: User) -> TurnCorrection:
    """Store a correction; ValueError when the field does not fit the turn or the label is unknown."""
    if field not in FIELDS_BY_ROLE.get(turn.role, ()):
        raise ValueError(f"a {turn.role} turn has no {field} to correct")
    if value not in labels(field):
        raise ValueError(f"{value!r} is not a {field} label of the taxonomy")
    correction = TurnCorrection(
        turn_id=turn.id, field=field, old_value=current_value(session, turn, field), new_value=value, user_id=user.id
    )
    session.add(correction)
    session.flush()
    return correction


def visible_turn(session: Session, viewer: User, turn_id: int) -> Turn:
    """A turn of a conversation `viewer` may see; ConversationNotFound otherwise (the same as a missing one)."""
    turn = session.get(Turn, turn_id)
    if turn is None:
        raise ConversationNotFound(turn_id)
    visible_conversation(session, viewer, turn.conversation_id)
    return turn
