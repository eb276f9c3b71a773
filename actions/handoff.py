"""action_handoff: a human takes over, with a call-back time the customer is told (首问负责)."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.types import DomainDict
from sqlalchemy.orm import Session

from actions._db import DatabaseAction, Reply, conversation_for
from actions._identity import customer_of
from actions._promises import due_phrase, follow_up_due, open_ticket, ticket_promise, unrecorded_promise
from bot.db.queries import record_retention_outcome

CALLBACK = "callback"


class ActionHandoff(DatabaseAction):
    """A callback ticket and utter_handoff (ticket_id, ticket_due) for a known customer.

    A ticket needs a customer row, so for a caller the database does not know the call-back time is kept on
    the conversation's retention outcome (result handoff, follow_up_due) and utter_handoff_unidentified gives
    the time without a number.
    """

    def name(self) -> str:
        return "action_handoff"

    def work(self, session: Session, tracker: Tracker, domain: DomainDict) -> Reply:
        customer = customer_of(session, tracker)
        if customer is None:
            due_at = follow_up_due(CALLBACK)
            record_retention_outcome(
                session,
                conversation_id=conversation_for(session, tracker).id,
                result="handoff",
                reason=tracker.get_slot("leave_reason"),
                need=tracker.get_slot("customer_need"),
                follow_up_due=due_at,
            )
            due = due_phrase(due_at)
            reply = Reply(events=[SlotSet("ticket_id", None), SlotSet("ticket_due", due)])
            reply.say("utter_handoff_unidentified", ticket_due=due)
            return reply
        ticket = open_ticket(session, tracker, customer, CALLBACK, "客户要求人工客服回电")
        return ticket_promise(ticket, "utter_handoff")

    def fallback(self, tracker: Tracker) -> Reply:
        return unrecorded_promise()
