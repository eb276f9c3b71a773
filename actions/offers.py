"""action_propose_offer and action_retain_number: 提供建议, at most two offers, then keeping the number.

The flow reads only `current_offer_code` (set: wait for the answer; null: go on to the keep-number option),
so both actions always set it; `offer_codes` lists what this conversation already proposed, so the second
proposal is a different offer, and every proposal is recorded in the offer history.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.types import DomainDict
from sqlalchemy.orm import Session

from actions._db import DatabaseAction, Reply, conversation_for
from actions._identity import customer_of
from actions._offer_choice import REJECTING, keep_number_offers, settle_proposal, spending_of, suitable_offers
from actions._offer_wording import cost_phrase, price_phrase, reason_sentence, total_phrase
from actions._promises import CHINA_TIME
from actions._tracker import latest_intent
from bot.db.models import Customer, Offer
from bot.db.queries import record_offer_proposal

ANSWER_BUTTONS: list[dict[str, str]] = [
    {"title": "好的，就办这个", "payload": "/accept_offer"},
    {"title": "不需要", "payload": "/reject_offer"},
]
# Reasons about money get the honest whole-cost comparison (seed 002: 资费对比分析, 使用费用对比分析).
COMPARED_REASONS = frozenset({"reason_competitor_offer", "reason_price_high"})
# What utter_offer_accepted names when the customer agrees to keep the number without a keep-number plan.
KEEP_THE_NUMBER = "保留号码"


def _today() -> date:
    return datetime.now(CHINA_TIME).date()


def _proposed(tracker: Tracker) -> list[str]:
    return list(tracker.get_slot("offer_codes") or [])


def _put_on_table(session: Session, tracker: Tracker, customer: Customer, offer: Offer) -> list[dict[str, Any]]:
    """Record the proposal; the slot events that make it the offer on the table."""
    record_offer_proposal(
        session, customer_id=customer.id, offer_id=offer.id, conversation_id=conversation_for(session, tracker).id
    )
    proposed = _proposed(tracker)
    return [
        SlotSet("offer_codes", [*proposed, offer.code]),
        SlotSet("offer_index", float(len(proposed))),  # 0 for the first offer of the conversation
        SlotSet("current_offer_code", offer.code),
        SlotSet("current_offer_name", offer.name),
    ]


def _nothing_on_table(name: str | None = None) -> list[dict[str, Any]]:
    return [SlotSet("current_offer_code", None), SlotSet("current_offer_name", name)]


class ActionProposeOffer(DatabaseAction):
    """The next suitable offer not yet proposed: utter_propose_offer with answer buttons, and for competitor
    and price reasons utter_compare_cost. Nothing (left) → current_offer_code null, and it says nothing: the
    flow goes on to action_retain_number.

    Called again after a rejection, it first marks the rejected offer so in the offer history (recommend_offers
    never proposes a rejected offer again).
    """

    def name(self) -> str:
        return "action_propose_offer"

    def work(self, session: Session, tracker: Tracker, domain: DomainDict) -> Reply:
        customer = customer_of(session, tracker)
        if customer is None:
            return self.fallback(tracker)
        on_table = tracker.get_slot("current_offer_code")
        if on_table and latest_intent(tracker) in REJECTING:
            settle_proposal(session, conversation_for(session, tracker), customer, on_table, "rejected")
        reason = tracker.get_slot("leave_reason")
        spending = spending_of(session, customer)
        offers = suitable_offers(
            session,
            customer,
            spending,
            reason=reason,
            need=tracker.get_slot("customer_need"),
            today=_today(),
            exclude=_proposed(tracker),
        )
        if not offers:
            return Reply(events=_nothing_on_table())
        offer = offers[0]
        reply = Reply(events=_put_on_table(session, tracker, customer, offer))
        reply.say(
            "utter_propose_offer",
            buttons=ANSWER_BUTTONS,
            offer_name=offer.name,
            offer_price=price_phrase(offer),
            offer_reason=reason_sentence(offer),
        )
        if reason in COMPARED_REASONS and offer.monthly_price is not None and spending.monthly_cost is not None:
            reply.say(
                "utter_compare_cost",
                current_cost=cost_phrase(spending.monthly_cost),
                offer_price=total_phrase(offer, spending.monthly_cost),
            )
        return reply

    def fallback(self, tracker: Tracker) -> Reply:
        """No offer can be chosen: the keep-number step comes next and speaks (or apologises) for both."""
        return Reply(events=_nothing_on_table())


class ActionRetainNumber(DatabaseAction):
    """The keep-number option (seed 002: 分析换号风险，建议保号留网): the best 保号套餐 the customer may have,
    with utter_retain_number; without one (e.g. 协议期内) the switching-risk advice alone."""

    def name(self) -> str:
        return "action_retain_number"

    def work(self, session: Session, tracker: Tracker, domain: DomainDict) -> Reply:
        customer = customer_of(session, tracker)
        offers = (
            keep_number_offers(
                session, customer, reason=tracker.get_slot("leave_reason"), today=_today(), exclude=_proposed(tracker)
            )
            if customer is not None
            else []
        )
        if not offers:
            reply = Reply(events=_nothing_on_table(KEEP_THE_NUMBER))
            reply.say("utter_retain_number_advice", buttons=ANSWER_BUTTONS)
            return reply
        offer = offers[0]
        reply = Reply(events=_put_on_table(session, tracker, customer, offer))
        reply.say("utter_retain_number", buttons=ANSWER_BUTTONS, offer_name=offer.name, offer_price=price_phrase(offer))
        return reply

    def fallback(self, tracker: Tracker) -> Reply:
        reply = Reply(events=_nothing_on_table(KEEP_THE_NUMBER))
        reply.say("utter_service_error")
        return reply
