"""Promises with a deadline (承诺的事情一定要做到): the due time told to the customer is the one stored.

Due times come from DEFAULT_DUE_IN (callback 4 h, billing_check 24 h, …), rounded up to the next full hour:
「12月3日 18:00前」 is something a customer can note down, and it is never earlier than the kind's default.
They are said in China time, whatever the server's time zone.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from sqlalchemy.orm import Session

from actions._db import Reply, conversation_for
from actions._tracker import latest_text
from bot import taxonomy
from bot.db.models import Customer, Ticket
from bot.db.models.base import utcnow
from bot.db.queries import DEFAULT_DUE_IN, create_ticket

# China keeps UTC+8 all year (no daylight saving), so a fixed offset needs no time zone database.
CHINA_TIME = timezone(timedelta(hours=8), "Asia/Shanghai")


def promised_due(now: datetime, due_in: timedelta) -> datetime:
    """`now + due_in`, rounded up to the next full hour."""
    due = now + due_in
    if (due.minute, due.second, due.microsecond) != (0, 0, 0):
        due = due.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return due


def due_phrase(due: datetime) -> str:
    """The deadline as the customer hears it, e.g. 「12月3日 18:00前」."""
    local = due.astimezone(CHINA_TIME)
    return f"{local.month}月{local.day}日 {local:%H:%M}前"


def follow_up_due(kind: str, now: datetime | None = None) -> datetime:
    """When a promise of this ticket kind falls due if made now."""
    return promised_due(now or utcnow(), DEFAULT_DUE_IN[kind])


def summary_for(tracker: Tracker, topic: str) -> str:
    """A ticket summary for the person who handles it: the topic and the customer's own words."""
    reason = tracker.get_slot("leave_reason")
    words = latest_text(tracker) or (taxonomy.description(reason) if reason else "")
    return f"{topic}：{words}" if words else topic


def open_ticket(session: Session, tracker: Tracker, customer: Customer, kind: str, topic: str) -> Ticket:
    """A ticket of `kind` for the customer, linked to this conversation, due at the promised time."""
    now = utcnow()
    return create_ticket(
        session,
        customer_id=customer.id,
        kind=kind,
        summary=summary_for(tracker, topic),
        due_at=follow_up_due(kind, now),
        conversation_id=conversation_for(session, tracker).id,
        now=now,
    )


def ticket_promise(ticket: Ticket, response: str) -> Reply:
    """`response` quoting the ticket's number and due time, which stay in the slots for later lines."""
    ticket_id, due = str(ticket.id), due_phrase(ticket.due_at)
    reply = Reply(events=[SlotSet("ticket_id", ticket_id), SlotSet("ticket_due", due)])
    reply.say(response, ticket_id=ticket_id, ticket_due=due)
    return reply


def unrecorded_promise() -> Reply:
    """When no ticket could be recorded: no number and no time to give, an apology and a colleague's
    follow-up instead (utter_service_error), and empty ticket slots so no later line quotes a stale number."""
    reply = Reply(events=[SlotSet("ticket_id", None), SlotSet("ticket_due", None)])
    reply.say("utter_service_error")
    return reply
