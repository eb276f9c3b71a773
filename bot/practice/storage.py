"""Practice calls in the conversation and turn tables (mode and channel `practice`, roles customer / trainee).

A trainee turn carries its acts (`actions`, the first also as `intent`), the expected act, the feedback with the
recommended line and the call's score after it; the conversation carries the trainee's user id, the scenario
with the profile (its leave reason and need also as columns, for the desk's filters), the call's state (to go
on, from any instance) and the score; an ended call's points per rubric point are rows of
`practice_point_scores` (the desk's trend figure groups by them). Nothing else is written: no ticket, offer
history or retention outcome for the real customer behind the profile, and the conversation is not linked to
that customer.

Replies are written with an optimistic check: the state is read, the slow part (models) runs outside any
transaction, and the write fails with StaleCall if another reply to the same call was stored meanwhile.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.auth.roles import STAFF_ROLES, may_see_sessions_of
from bot.db.models import Conversation, PracticePointScore, User
from bot.db.queries.conversations import end_conversation, record_turn, start_conversation
from bot.practice.call import CallState, Report, TurnResult
from bot.practice.simulator import CustomerLine

PRACTICE = "practice"
# The call's outcome in the conversations table's vocabulary (kept_number is a retained customer).
STORED_OUTCOMES: dict[str, str] = {
    "retained": "retained",
    "kept_number": "retained",
    "lost": "lost",
    "escalated": "handoff",
}


class CallNotFound(LookupError):
    """No practice call with this id (or one the viewer may not see: the same answer, nothing leaks)."""


class StaleCall(RuntimeError):
    """Another reply to the same call was stored first."""


@dataclass(frozen=True)
class CallSummary:
    id: int
    user_id: int | None
    started_at: datetime
    ended_at: datetime | None
    scenario: str
    score: float | None
    outcome: str | None


def _json(state: CallState) -> dict[str, Any]:
    return json.loads(state.json())


def _entities(line: CustomerLine) -> list[dict[str, Any]]:
    return [{"entity": name, "value": value} for name, value in line.entities.items()]


def _customer_turn(session: Session, conversation_id: int, line: CustomerLine) -> None:
    record_turn(
        session, conversation_id, role="customer", text=line.text, intent=line.intent, need=line.need,
        entities=_entities(line),
    )


def new_call(session: Session, state: CallState, user_id: int | None) -> int:
    """Store a started call with the customer's opening line; returns its id."""
    sender = f"practice-{uuid.uuid4().hex}"
    conversation = start_conversation(session, mode=PRACTICE, channel=PRACTICE, sender_id=sender)
    conversation.user_id = user_id
    conversation.scenario = {
        "label": state.spec.label(),
        "spec": json.loads(state.spec.json()),
        "profile": json.loads(state.profile.json()),
    }
    conversation.scenario_reason = state.spec.reason
    conversation.scenario_need = state.spec.need
    conversation.practice_state = _json(state)
    _customer_turn(session, conversation.id, state.last_customer)
    session.flush()
    return conversation.id


def _conversation(session: Session, call_id: int, viewer: User | None, *, lock: bool = False) -> Conversation:
    query = select(Conversation).where(Conversation.id == call_id, Conversation.mode == PRACTICE)
    conversation = session.execute(query.with_for_update() if lock else query).scalar_one_or_none()
    if conversation is None or conversation.practice_state is None:
        raise CallNotFound(call_id)
    if viewer is not None and not may_see_sessions_of(viewer, conversation.user_id or -1):
        raise CallNotFound(call_id)
    return conversation


def load_call(session: Session, call_id: int, viewer: User | None) -> CallState:
    """The call's state; `viewer` None is the command line (no accounts there)."""
    return CallState.parse_obj(_conversation(session, call_id, viewer).practice_state)


def record_reply(session: Session, call_id: int, state: CallState, result: TurnResult) -> None:
    """Store one judged reply and the customer's answer; StaleCall if the call moved on meanwhile."""
    conversation = _conversation(session, call_id, None, lock=True)
    if len(conversation.practice_state.get("evidence") or []) != result.turn - 1:
        raise StaleCall(f"practice call {call_id} already has a reply for turn {result.turn}")
    turn = record_turn(
        session, conversation.id, role="trainee", text=result.trainee,
        intent=result.acts[0] if result.acts else None, actions=result.acts,
    )
    turn.expected_act = result.expected_act
    turn.feedback = {**json.loads(result.feedback.json()), "recommended": result.recommended}
    turn.score = result.score
    _customer_turn(session, conversation.id, result.answer)
    conversation.practice_state = _json(state)
    conversation.score = result.score


def record_end(session: Session, call_id: int, state: CallState, report: Report) -> None:
    """Close the conversation with the outcome, the final score and its points per rubric point (the report's).

    Ending an ended call again stores the same report (it is a pure function of the state), so the points are
    replaced rather than added: one row per rubric point, whichever path ended the call.
    """
    conversation = _conversation(session, call_id, None, lock=True)
    conversation.practice_state = _json(state)
    conversation.score = report.score.score
    session.execute(delete(PracticePointScore).where(PracticePointScore.conversation_id == conversation.id))
    session.add_all(
        PracticePointScore(conversation_id=conversation.id, point=point.id, points=point.points, max_points=point.max)
        for point in report.score.breakdown
    )
    if conversation.ended_at is None:
        end_conversation(session, conversation, outcome=STORED_OUTCOMES[report.outcome])


def calls_of(session: Session, viewer: User, owner_id: int | None = None) -> list[CallSummary]:
    """The practice calls `viewer` may see (bot.auth.roles), newest first; staff may ask for one trainee's."""
    if viewer.role not in STAFF_ROLES:
        owner_id = viewer.id
    query = select(Conversation).where(Conversation.mode == PRACTICE, Conversation.practice_state.is_not(None))
    if owner_id is not None:
        query = query.where(Conversation.user_id == owner_id)
    rows = session.execute(query.order_by(Conversation.started_at.desc(), Conversation.id.desc())).scalars()
    return [
        CallSummary(
            id=row.id, user_id=row.user_id, started_at=row.started_at, ended_at=row.ended_at,
            scenario=(row.scenario or {}).get("label", ""), score=row.score, outcome=row.outcome,
        )
        for row in rows
    ]
