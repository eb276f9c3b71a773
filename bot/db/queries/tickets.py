"""Tickets: what the bot promised, with the deadline it told the customer (承诺的事情一定要做到)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.db.models import Ticket
from bot.db.models.base import utcnow
from bot.db.models.vocabulary import TICKET_KINDS

# How long each kind of promise takes unless the caller says otherwise; short enough to keep, long enough to
# be kept (不做过多承诺，管理客户期望值).
DEFAULT_DUE_IN: dict[str, timedelta] = {
    "network_repair": timedelta(hours=48),
    "billing_check": timedelta(hours=24),
    "device_repair": timedelta(hours=72),
    "complaint": timedelta(hours=24),
    "callback": timedelta(hours=4),
    "tariff_comparison": timedelta(hours=24),
    "home_visit": timedelta(hours=72),
    "compensation_review": timedelta(hours=24),
}


def create_ticket(
    session: Session,
    *,
    customer_id: int | None,
    kind: str,
    summary: str,
    due_at: datetime | None = None,
    due_in: timedelta | None = None,
    conversation_id: int | None = None,
    now: datetime | None = None,
    contact_phone: str | None = None,
) -> Ticket:
    """Open a ticket due at `due_at`, or `due_in` from now, or after the default time for its kind.

    Without a customer only a call-back can be promised, and only with somewhere to call back: a contact number
    or the conversation (a supervisor can take a web chat over)."""
    if kind not in TICKET_KINDS:
        raise ValueError(f"unknown ticket kind {kind!r}; expected one of {list(TICKET_KINDS)}")
    if customer_id is None and (kind != "callback" or (contact_phone is None and conversation_id is None)):
        raise ValueError("a ticket without a customer is a call-back on a contact number or a conversation")
    if due_at is not None and due_in is not None:
        raise ValueError("give due_at or due_in, not both")
    created = now or utcnow()
    if due_at is None:
        due_at = created + (due_in if due_in is not None else DEFAULT_DUE_IN[kind])
    if due_at <= created:
        raise ValueError(f"due time {due_at.isoformat()} is not after {created.isoformat()}")
    ticket = Ticket(
        customer_id=customer_id,
        contact_phone=contact_phone,
        conversation_id=conversation_id,
        kind=kind,
        summary=summary,
        due_at=due_at,
        created_at=created,
    )
    session.add(ticket)
    session.flush()
    return ticket
