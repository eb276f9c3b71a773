"""The queue of promises (承诺的事情一定要做到): open tickets, overdue first, and what supervisors do with them.

Hand-offs (「转人工」) are callback tickets opened by the flow, so they land here like every other promise; an
unidentified person's call-back has no customer, only the contact number they chose or the chat to take over.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import case, select
from sqlalchemy.orm import Session

from bot.db.models import Customer, ReviewComment, Ticket, User
from bot.db.models.base import utcnow
from bot.db.models.vocabulary import OPEN_TICKET_STATUSES, TICKET_STATUSES
from bot.flow.promises import due_phrase
from bot.review.marks import add_comment, comment_body

# An unidentified person's call-back (a contact number or only the web chat to take over) in the queue.
UNIDENTIFIED = "未识别客户"
CLOSING_STATUSES = tuple(status for status in TICKET_STATUSES if status not in OPEN_TICKET_STATUSES)


class TicketNotFound(LookupError):
    """No open or closed ticket with this id."""


class QueueItem(BaseModel):
    id: int
    kind: str
    summary: str
    status: str
    customer: str
    phone: str
    due_at: datetime
    due: str  # as the customer heard it: 「12月7日 18:00前」
    overdue: bool
    conversation_id: int | None
    assignee: str | None
    comments: list[str]


def open_tickets(session: Session, now: datetime | None = None) -> list[QueueItem]:
    """Every open ticket, overdue ones first, then by due time."""
    now = now or utcnow()
    overdue = Ticket.due_at < now
    rows = session.execute(
        select(Ticket, Customer)
        .outerjoin(Customer, Customer.id == Ticket.customer_id)
        .where(Ticket.status.in_(OPEN_TICKET_STATUSES))
        .order_by(case((overdue, 0), else_=1), Ticket.due_at, Ticket.id)
    ).all()
    ids = [ticket.id for ticket, _ in rows]
    notes: dict[int, list[str]] = {}
    for comment in session.execute(
        select(ReviewComment).where(ReviewComment.ticket_id.in_(ids)).order_by(ReviewComment.created_at)
    ).scalars():
        who = comment.user.display_name if comment.user else "?"
        notes.setdefault(comment.ticket_id, []).append(f"{who}: {comment.body}")
    return [
        QueueItem(
            id=ticket.id, kind=ticket.kind, summary=ticket.summary, status=ticket.status,
            customer=customer.name if customer is not None else UNIDENTIFIED,
            phone=customer.phone if customer is not None else ticket.contact_phone or "",
            due_at=ticket.due_at, due=due_phrase(ticket.due_at), overdue=ticket.due_at < now,
            conversation_id=ticket.conversation_id,
            assignee=ticket.assignee.display_name if ticket.assignee else None, comments=notes.get(ticket.id, []),
        )
        for ticket, customer in rows
    ]


def _ticket(session: Session, ticket_id: int) -> Ticket:
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        raise TicketNotFound(ticket_id)
    return ticket


def assign(session: Session, ticket_id: int, assignee_id: int) -> None:
    """Hand the ticket to a supervisor or admin; it is then in progress."""
    assignee = session.get(User, assignee_id)
    if assignee is None or not assignee.active or assignee.role == "trainee":
        raise ValueError("assign tickets to an active supervisor or admin")
    ticket = _ticket(session, ticket_id)
    ticket.assignee_id = assignee.id
    if ticket.status == "open":
        ticket.status = "in_progress"
    session.flush()


def comment(session: Session, ticket_id: int, user: User, body: str) -> None:
    add_comment(session, user, body, ticket_id=_ticket(session, ticket_id).id)


def resolve(session: Session, ticket_id: int, resolution: str, status: str = "resolved") -> None:
    """Close the ticket with what was done; a closed ticket is not closed again."""
    if status not in CLOSING_STATUSES:
        raise ValueError(f"close a ticket as one of {list(CLOSING_STATUSES)}")
    ticket = _ticket(session, ticket_id)
    if ticket.status not in OPEN_TICKET_STATUSES:
        raise ValueError(f"ticket {ticket_id} is already {ticket.status}")
    ticket.status, ticket.resolution, ticket.resolved_at = status, comment_body(resolution), utcnow()
    session.flush()
