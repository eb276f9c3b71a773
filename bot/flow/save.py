"""The save step: what a decision does to the app database (tickets, proposals, enrolment, outcome).

Kept apart from `decide` so practice mode can ask the same decisions without writing anything for a real
customer. Ticket numbers and due times are written into the decision's state here, so every later quote of a
ticket uses the words stored with it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import Conversation, Offer, OfferHistory, Ticket
from bot.db.models.vocabulary import OPEN_TICKET_STATUSES
from bot.db.queries import (
    create_ticket,
    forget_retention_outcome,
    record_offer_outcome,
    record_offer_proposal,
    record_retention_outcome,
)
from bot.flow.decide import Decision
from bot.flow.facts import CustomerFacts
from bot.flow.promises import due_phrase, follow_up_due
from bot.flow.state import TicketPromise

# The first words of a ticket's summary, for the colleague who works on it.
TICKET_TOPICS: dict[str, str] = {
    "network_repair": "网络排查",
    "billing_check": "账单核查",
    "device_repair": "终端问题处理",
    "complaint": "服务投诉",
    "tariff_comparison": "资费分析",
    "home_visit": "新址覆盖/移机核实",
    "compensation_review": "补偿申请",
    "callback": "人工回电",
}
ESCALATED_STATUS = "in_progress"
CANCELLED_STATUS = "cancelled"  # a ticket the customer withdrew (filed on a misreading)


def _offer_ids(session: Session, codes: set[str]) -> dict[str, int]:
    if not codes:
        return {}
    rows = session.execute(select(Offer.code, Offer.id).where(Offer.code.in_(codes)))
    return {code: offer_id for code, offer_id in rows}


def _entry(session: Session, conversation: Conversation, offer_id: int, outcome: str) -> OfferHistory | None:
    """The latest proposal of the offer in this conversation with that outcome."""
    return session.execute(
        select(OfferHistory)
        .where(
            OfferHistory.conversation_id == conversation.id,
            OfferHistory.offer_id == offer_id,
            OfferHistory.outcome == outcome,
        )
        .order_by(OfferHistory.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def _settle(session: Session, conversation: Conversation, customer_id: int, offer_id: int, outcome: str) -> None:
    """Mark the pending proposal of the offer in this conversation; a proposal not on record is recorded now."""
    entry = _entry(session, conversation, offer_id, "pending")
    if entry is None:
        entry = record_offer_proposal(
            session, customer_id=customer_id, offer_id=offer_id, conversation_id=conversation.id
        )
    record_offer_outcome(session, entry, outcome)


def _withdraw(session: Session, conversation: Conversation, offer_id: int) -> None:
    """The enrolment taken back: its proposal counts as refused and the conversation retained nobody."""
    entry = _entry(session, conversation, offer_id, "accepted")
    if entry is not None:
        record_offer_outcome(session, entry, "rejected")
    forget_retention_outcome(session, conversation.id)
    conversation.outcome = None


def _held(session: Session, decision: Decision, kind: str) -> Ticket | None:
    """The ticket of `kind` this conversation holds (its number is in the state since it was opened)."""
    return session.get(Ticket, int(decision.state.tickets[kind].id))


def save(
    session: Session,
    decision: Decision,
    *,
    conversation: Conversation,
    facts: CustomerFacts | None,
    customer_words: str,
    now: datetime,
) -> None:
    """Apply the decision to the database; ticket numbers and due times go into the decision's state."""
    state = decision.state
    for kind in decision.open_tickets:
        if kind in state.tickets or (facts is None and kind != "callback"):
            continue  # without a customer only a call-back can be promised
        due = follow_up_due(kind, now)
        ticket = create_ticket(
            session,
            customer_id=facts.customer_id if facts is not None else None,
            contact_phone=decision.contact_phone if facts is None else None,
            kind=kind,
            summary=f"{TICKET_TOPICS[kind]}：{words}" if (words := decision.words or customer_words) else TICKET_TOPICS[kind],
            due_at=due,
            conversation_id=conversation.id,
            now=now,
        )
        state.tickets[kind] = TicketPromise(id=str(ticket.id), due=due_phrase(due))
    if decision.contact_phone and facts is None and "callback" in state.tickets:
        callback = _held(session, decision, "callback")
        if callback is not None and callback.customer_id is None:
            callback.contact_phone = decision.contact_phone  # a number given after the hand-off was booked
    for number in decision.cancel:
        withdrawn = session.get(Ticket, int(number))
        if withdrawn is not None and withdrawn.status in OPEN_TICKET_STATUSES:
            withdrawn.status = CANCELLED_STATUS
            withdrawn.summary = f"{withdrawn.summary}\n客户撤销：{customer_words}"
    for kind in decision.escalate:
        ticket = _held(session, decision, kind)
        if ticket is not None:
            ticket.status = ESCALATED_STATUS
            ticket.summary = f"{ticket.summary}\n客户催办（第{state.tickets[kind].asked}次）：{customer_words}"
    for kind in decision.note:
        ticket = _held(session, decision, kind)
        if ticket is not None:
            ticket.summary = f"{ticket.summary}\n客户补充：{customer_words}"
    if facts is not None:
        settled = [code for code in (decision.enrol, decision.withdraw) if code]
        ids = _offer_ids(session, {*decision.reject, *decision.propose, *settled})
        for code in decision.reject:
            _settle(session, conversation, facts.customer_id, ids[code], "rejected")
        for code in decision.propose:
            record_offer_proposal(
                session, customer_id=facts.customer_id, offer_id=ids[code], conversation_id=conversation.id
            )
        if decision.enrol:
            _settle(session, conversation, facts.customer_id, ids[decision.enrol], "accepted")
        if decision.withdraw:
            _withdraw(session, conversation, ids[decision.withdraw])
        conversation.customer_id = facts.customer_id
    if decision.outcome:
        follow_up = follow_up_due("callback", now) if decision.handoff else None
        record_retention_outcome(
            session,
            conversation_id=conversation.id,
            result=decision.outcome,
            customer_id=facts.customer_id if facts is not None else None,
            reason=state.reason,
            need=state.need,
            offer_id=_offer_ids(session, {decision.enrol}).get(decision.enrol) if decision.enrol else None,
            follow_up_due=follow_up,
        )
        conversation.outcome = decision.outcome
