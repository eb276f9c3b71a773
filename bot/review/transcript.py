"""One conversation as the desk shows it: every turn with what the NLU read and what the bot did, the offers
proposed, the tickets opened, and the reviewers' tags, comments, mark and corrections (with who and when)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import (
    Conversation,
    OfferHistory,
    RetentionOutcome,
    ReviewComment,
    ReviewMark,
    ReviewTag,
    Ticket,
    Turn,
    TurnCorrection,
    User,
)
from bot.review.access import ConversationNotFound, is_staff, shown, visible


class CorrectionView(BaseModel):
    field: str
    old_value: str | None
    new_value: str
    by: str | None
    at: datetime


class TurnView(BaseModel):
    id: int
    seq: int
    role: str
    text: str
    intent: str | None
    intent_confidence: float | None
    need: str | None
    need_confidence: float | None
    entities: list[Any]
    actions: list[Any]
    expected_act: str | None
    feedback: dict[str, Any] | None
    score: float | None
    corrections: list[CorrectionView]


class OfferView(BaseModel):
    code: str
    name: str
    type: str
    outcome: str
    proposed_at: datetime


class TicketView(BaseModel):
    id: int
    kind: str
    summary: str
    status: str
    due_at: datetime
    resolution: str | None


class NoteView(BaseModel):
    text: str
    by: str | None
    at: datetime


class Transcript(BaseModel):
    id: int
    mode: str
    channel: str
    started_at: datetime
    ended_at: datetime | None
    outcome: str | None
    phone: str | None
    customer_name: str | None
    trainee: str | None
    reason: str | None
    need: str | None
    score: float | None
    scenario: str | None
    turns: list[TurnView]
    offers: list[OfferView]
    tickets: list[TicketView]
    tags: list[NoteView]
    comments: list[NoteView]
    reviewed: NoteView | None
    taken_over_by: str | None  # the staff member answering this web chat instead of the bot (bot.review.takeover)
    taken_over_at: datetime | None


def _name(user: User | None) -> str | None:
    return user.display_name if user is not None else None


def visible_conversation(session: Session, viewer: User, conversation_id: int) -> Conversation:
    conversation = session.execute(
        select(Conversation).where(Conversation.id == conversation_id, visible(viewer))
    ).scalar_one_or_none()
    if conversation is None:
        raise ConversationNotFound(conversation_id)
    return conversation


def _corrections(session: Session, turn_ids: list[int]) -> dict[int, list[CorrectionView]]:
    found: dict[int, list[CorrectionView]] = {}
    rows = session.execute(
        select(TurnCorrection).where(TurnCorrection.turn_id.in_(turn_ids)).order_by(TurnCorrection.created_at)
    ).scalars()
    for row in rows:
        found.setdefault(row.turn_id, []).append(
            CorrectionView(field=row.field, old_value=row.old_value, new_value=row.new_value, by=_name(row.user),
                           at=row.created_at)
        )
    return found


def transcript(session: Session, viewer: User, conversation_id: int) -> Transcript:
    """The conversation as `viewer` may see it; ConversationNotFound otherwise. Trainees get phones masked and
    no reviewers' notes (those are the supervisors' working papers)."""
    conversation = visible_conversation(session, viewer, conversation_id)
    staff = is_staff(viewer)
    turns = list(session.execute(select(Turn).where(Turn.conversation_id == conversation.id).order_by(Turn.seq)).scalars())
    corrections = _corrections(session, [turn.id for turn in turns]) if staff else {}
    outcome = session.execute(
        select(RetentionOutcome).where(RetentionOutcome.conversation_id == conversation.id)
    ).scalar_one_or_none()
    offers = session.execute(
        select(OfferHistory).where(OfferHistory.conversation_id == conversation.id).order_by(OfferHistory.proposed_at)
    ).scalars()
    tickets = session.execute(
        select(Ticket).where(Ticket.conversation_id == conversation.id).order_by(Ticket.created_at)
    ).scalars()
    tags = session.execute(select(ReviewTag).where(ReviewTag.conversation_id == conversation.id).order_by(ReviewTag.tag))
    comments = session.execute(
        select(ReviewComment).where(ReviewComment.conversation_id == conversation.id).order_by(ReviewComment.created_at)
    )
    mark = session.execute(
        select(ReviewMark).where(ReviewMark.conversation_id == conversation.id)
    ).scalar_one_or_none()
    customer = conversation.customer
    trainee = session.get(User, conversation.user_id) if conversation.user_id else None
    return Transcript(
        id=conversation.id,
        mode=conversation.mode,
        channel=conversation.channel,
        started_at=conversation.started_at,
        ended_at=conversation.ended_at,
        outcome=conversation.outcome,
        phone=shown(viewer, customer.phone) if customer else None,
        customer_name=customer.name if customer else None,
        trainee=_name(trainee),
        reason=outcome.reason if outcome else conversation.scenario_reason,
        need=outcome.need if outcome else conversation.scenario_need,
        score=conversation.score,
        scenario=shown(viewer, (conversation.scenario or {}).get("label")),
        turns=[
            TurnView(
                id=turn.id, seq=turn.seq, role=turn.role, text=shown(viewer, turn.text) or "", intent=turn.intent,
                intent_confidence=turn.intent_confidence, need=turn.need, need_confidence=turn.need_confidence,
                entities=turn.entities if staff else [], actions=turn.actions, expected_act=turn.expected_act,
                feedback=turn.feedback, score=turn.score, corrections=corrections.get(turn.id, []),
            )
            for turn in turns
        ],
        offers=[
            OfferView(code=item.offer.code, name=item.offer.name, type=item.offer.type, outcome=item.outcome,
                      proposed_at=item.proposed_at)
            for item in offers
        ],
        tickets=[
            TicketView(id=t.id, kind=t.kind, summary=shown(viewer, t.summary) or "", status=t.status, due_at=t.due_at,
                       resolution=t.resolution)
            for t in tickets
        ],
        tags=[NoteView(text=t.tag, by=_name(t.user), at=t.created_at) for t in tags.scalars()] if staff else [],
        comments=[NoteView(text=c.body, by=_name(c.user), at=c.created_at) for c in comments.scalars()] if staff else [],
        reviewed=NoteView(text="reviewed", by=_name(mark.user), at=mark.created_at) if mark and staff else None,
        taken_over_by=_name(session.get(User, conversation.taken_over_by)) if conversation.taken_over_by else None,
        taken_over_at=conversation.taken_over_at,
    )
