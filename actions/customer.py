"""action_identify_customer: who is writing, silently (the channel normally knows the number)."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.types import DomainDict
from sqlalchemy.orm import Session

from actions._db import DatabaseAction, Reply, conversation_for
from actions._identity import phone_from
from bot.db.queries import find_customer_by_phone


class ActionIdentifyCustomer(DatabaseAction):
    """Sets customer_found (and phone, customer_name when found); repeatable at every leaving message.

    The number is the `phone` slot, else the one the channel put in the message metadata. A number the
    database does not know is not kept in the slot when it came from the channel: phone_form then asks which
    number the customer means, instead of handing a bound-but-unknown number straight to a human.
    """

    def name(self) -> str:
        return "action_identify_customer"

    def work(self, session: Session, tracker: Tracker, domain: DomainDict) -> Reply:
        phone = phone_from(tracker)
        customer = None if phone is None else find_customer_by_phone(session, phone)
        if customer is None:
            return Reply(events=[SlotSet("customer_found", False), SlotSet("customer_name", None)])
        # The conversation row (transcripts, outcome) now knows whose it is.
        conversation_for(session, tracker).customer_id = customer.id
        return Reply(
            events=[SlotSet("phone", phone), SlotSet("customer_found", True), SlotSet("customer_name", customer.name)]
        )

    def fallback(self, tracker: Tracker) -> Reply:
        """Silent: an identity confirmed earlier still holds; otherwise the unknown-caller path (phone_form,
        then a human) takes over, which is where the customer hears why."""
        return Reply(events=[SlotSet("customer_found", bool(tracker.get_slot("customer_found")))])
