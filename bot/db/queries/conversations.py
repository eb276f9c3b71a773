"""Conversations and their turns, written as the dialogue happens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import taxonomy
from bot.db.models import Conversation, Turn
from bot.db.models.base import utcnow
from bot.db.models.vocabulary import CHANNELS, CONVERSATION_MODES, CONVERSATION_OUTCOMES, TURN_ROLES


def _require(value: str, allowed: tuple[str, ...] | list[str], what: str) -> None:
    if value not in allowed:
        raise ValueError(f"unknown {what} {value!r}; expected one of {list(allowed)}")


def start_conversation(
    session: Session, *, mode: str, channel: str, sender_id: str, customer_id: int | None = None
) -> Conversation:
    _require(mode, CONVERSATION_MODES, "conversation mode")
    _require(channel, CHANNELS, "channel")
    conversation = Conversation(mode=mode, channel=channel, sender_id=sender_id, customer_id=customer_id)
    session.add(conversation)
    session.flush()
    return conversation


def open_conversation(session: Session, *, channel: str, sender_id: str) -> Conversation | None:
    """The sender's most recent conversation on `channel` that has not ended."""
    return (
        session.execute(
            select(Conversation)
            .where(
                Conversation.channel == channel,
                Conversation.sender_id == sender_id,
                Conversation.ended_at.is_(None),
            )
            .order_by(Conversation.started_at.desc(), Conversation.id.desc())
            .limit(1)
        )
        .scalars()
        .first()
    )


def current_conversation(session: Session, *, mode: str, channel: str, sender_id: str) -> Conversation:
    """The sender's open conversation on `channel`, started now when there is none.

    The transcript recorder and the custom actions both call this with the Rasa sender id and input channel,
    so the turns and the outcome of one dialogue land on the same row.
    """
    return open_conversation(session, channel=channel, sender_id=sender_id) or start_conversation(
        session, mode=mode, channel=channel, sender_id=sender_id
    )


def end_conversation(
    session: Session, conversation: Conversation, *, outcome: str | None = None, at: datetime | None = None
) -> Conversation:
    if outcome is not None:
        _require(outcome, CONVERSATION_OUTCOMES, "conversation outcome")
    conversation.ended_at = at or utcnow()
    conversation.outcome = outcome
    session.flush()
    return conversation


def record_turn(
    session: Session,
    conversation_id: int,
    *,
    role: str,
    text: str,
    intent: str | None = None,
    intent_confidence: float | None = None,
    need: str | None = None,
    need_confidence: float | None = None,
    entities: list[dict[str, Any]] | None = None,
    actions: list[Any] | None = None,
) -> Turn:
    """Append a turn as the next `seq` of the conversation (`record_turns` with one turn)."""
    fields = {
        "role": role,
        "text": text,
        "intent": intent,
        "intent_confidence": intent_confidence,
        "need": need,
        "need_confidence": need_confidence,
        "entities": entities,
        "actions": actions,
    }
    return record_turns(session, conversation_id, [fields])[0]


def record_turns(session: Session, conversation_id: int, turns: list[dict[str, Any]]) -> list[Turn]:
    """Append turns (each the keyword arguments of `record_turn`) as the next `seq`s, in order.

    The next seq is read then written, so one conversation must not take two turns at once; the dialogue
    serialises messages per sender, and the unique (conversation_id, seq) turns a violation into an error.
    One read and one flush for all of them: a customer message and its bot lines are written together.
    """
    for turn in turns:
        _require(turn["role"], TURN_ROLES, "turn role")
        if turn.get("need") is not None:
            _require(turn["need"], taxonomy.needs(), "need")
    last = session.execute(select(func.max(Turn.seq)).where(Turn.conversation_id == conversation_id)).scalar_one()
    rows = [
        Turn(
            conversation_id=conversation_id,
            seq=(last or 0) + offset,
            role=turn["role"],
            text=turn["text"],
            intent=turn.get("intent"),
            intent_confidence=turn.get("intent_confidence"),
            need=turn.get("need"),
            need_confidence=turn.get("need_confidence"),
            entities=turn.get("entities") or [],
            actions=turn.get("actions") or [],
        )
        for offset, turn in enumerate(turns, start=1)
    ]
    session.add_all(rows)
    session.flush()
    return rows
