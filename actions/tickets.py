"""action_create_ticket: the concrete action with a due time that a fix or a rational need calls for."""

from __future__ import annotations

import logging

from rasa_sdk import Tracker
from rasa_sdk.types import DomainDict
from sqlalchemy.orm import Session

from actions._db import DatabaseAction, Reply
from actions._identity import customer_of
from actions._promises import open_ticket, ticket_promise, unrecorded_promise
from actions._tracker import latest_intent

logger = logging.getLogger(__name__)

# What each leave reason's commitment line (utter_commit_ticket) promises, as a ticket kind.
KIND_BY_REASON: dict[str, str] = {
    "reason_network_quality": "network_repair",
    "reason_billing_error": "billing_check",
    "reason_device_problem": "device_repair",
    "reason_poor_service": "complaint",
    "reason_unresolved_problem": "complaint",
    "reason_competitor_offer": "tariff_comparison",
    "reason_price_high": "tariff_comparison",
    "reason_low_usage": "tariff_comparison",
    "reason_company_number": "tariff_comparison",
    "reason_contract_end": "tariff_comparison",
    "reason_relocation": "home_visit",
}
COMPENSATION_INTENT = "request_compensation"
DEFAULT_KIND = "callback"
# The first words of a ticket's summary, for the colleague who works on it.
TOPICS: dict[str, str] = {
    "network_repair": "网络排查",
    "billing_check": "账单核查",
    "device_repair": "终端问题处理",
    "complaint": "服务投诉",
    "tariff_comparison": "资费分析",
    "home_visit": "移机/异地业务咨询",
    "compensation_review": "补偿申请",
    "callback": "人工回电",
}


def ticket_kind(tracker: Tracker) -> str:
    """A compensation request is reviewed whatever the reason; otherwise the reason decides."""
    if latest_intent(tracker) == COMPENSATION_INTENT:
        return "compensation_review"
    return KIND_BY_REASON.get(tracker.get_slot("leave_reason") or "", DEFAULT_KIND)


class ActionCreateTicket(DatabaseAction):
    """Opens the ticket, says utter_commit_ticket with its number and due time, sets ticket_id, ticket_due."""

    def name(self) -> str:
        return "action_create_ticket"

    def work(self, session: Session, tracker: Tracker, domain: DomainDict) -> Reply:
        customer = customer_of(session, tracker)
        if customer is None:  # the flows only get here with an identified customer
            logger.warning("action_create_ticket without a known customer (sender %r)", tracker.sender_id)
            return self.fallback(tracker)
        kind = ticket_kind(tracker)
        ticket = open_ticket(session, tracker, customer, kind, TOPICS[kind])
        return ticket_promise(ticket, "utter_commit_ticket")

    def fallback(self, tracker: Tracker) -> Reply:
        return unrecorded_promise()
