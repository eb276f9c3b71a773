"""action_record_outcome: how the retention ended — the figure the operator measures the bot by."""

from __future__ import annotations

import logging

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.types import DomainDict
from sqlalchemy.orm import Session

from actions._db import DatabaseAction, Reply, conversation_for
from actions._identity import customer_of
from actions._offer_choice import ACCEPTING, REJECTING, settle_proposal
from actions._tracker import actions_since_user_message, latest_intent
from bot.db.models import Ticket
from bot.db.queries import record_retention_outcome

logger = logging.getLogger(__name__)

HANDOFF_ACTION = "action_handoff"


def result_of(tracker: Tracker) -> str | None:
    """retained / lost / handoff, from what just happened; None when the message answers no offer.

    A hand-off earlier in this turn decides whatever the customer said (the rules run action_handoff, maybe
    the form's deactivation, then this action); otherwise the answer to the offer on the table does.
    """
    if HANDOFF_ACTION in actions_since_user_message(tracker):
        return "handoff"
    intent = latest_intent(tracker)
    if intent in ACCEPTING:
        return "retained"
    if intent in REJECTING:
        return "lost"
    return None


class ActionRecordOutcome(DatabaseAction):
    """Sets `outcome`; records it on the conversation (retention outcome, conversation.outcome) and settles the
    offer on the table: accepted when retained, rejected when lost. Bookkeeping: it says nothing.

    The conversation is not ended here: the customer may still say thanks, and those turns belong to it.
    """

    def name(self) -> str:
        return "action_record_outcome"

    def work(self, session: Session, tracker: Tracker, domain: DomainDict) -> Reply:
        result = result_of(tracker)
        if result is None:
            logger.warning("action_record_outcome after %r: no outcome to record", latest_intent(tracker))
            return Reply()
        conversation = conversation_for(session, tracker)
        customer = customer_of(session, tracker)
        code = tracker.get_slot("current_offer_code")
        offer_id = None
        if customer is not None and code and result != "handoff":
            entry = settle_proposal(
                session, conversation, customer, code, "accepted" if result == "retained" else "rejected"
            )
            offer_id = entry.offer_id if entry is not None and result == "retained" else None
        ticket_id = tracker.get_slot("ticket_id")
        ticket = session.get(Ticket, int(ticket_id)) if result == "handoff" and ticket_id else None
        record_retention_outcome(
            session,
            conversation_id=conversation.id,
            result=result,
            customer_id=customer.id if customer is not None else None,
            reason=tracker.get_slot("leave_reason"),
            need=tracker.get_slot("customer_need"),
            offer_id=offer_id,
            follow_up_due=ticket.due_at if ticket is not None else None,
        )
        conversation.outcome = result
        if customer is not None:
            conversation.customer_id = customer.id
        return Reply(events=[SlotSet("outcome", result)])

    def fallback(self, tracker: Tracker) -> Reply:
        """Not recorded, but the dialogue still knows how it ended."""
        result = result_of(tracker)
        return Reply(events=[SlotSet("outcome", result)] if result else [])
