"""Which offer a trainee's reply puts to the customer, and whether it suits them: the customer bot's own rules
(bot.flow.choice to find the offer, bot.flow.offer_policy to judge it), so the coach and the bot never disagree
on what suits a customer.

A reply that names an offer only by its kind (「给您换一个降档的套餐」) is read generously, as the suitable offer of
that kind if there is one: the trainee chose the right kind and the system knows the exact plan; a price or a
name is read as said.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from bot.flow.choice import NOT_A_COMMITMENT, TYPE_WORDS, resolve_choice
from bot.flow.facts import CustomerFacts, OfferFacts
from bot.flow.offer_policy import KEEP_NUMBER_TYPE, keep_number_plan, suitable_offers
from bot.flow.strategy import Strategies
from bot.nlu.text_normalization import normalize_text

DIGITS = re.compile(r"\d")
# A ticket hurried along is no product: 「给您升级成加急处理」「工单升级为优先处理」.
HURRIED_TICKET = re.compile(r"升级(成|为|到)?(加急|紧急|优先)")


@dataclass(frozen=True)
class OfferMention:
    """The offer a reply names (None: a proposal without a concrete offer) and whether it suits the customer."""

    code: str | None
    name: str | None
    suitable: bool
    keep_number: bool  # a keep-number plan
    why_not: str | None = None  # why it does not suit, in words for the feedback


def suitable_codes(
    facts: CustomerFacts, strategies: Strategies, reason: str, exclude: Collection[str] = (), *, first: bool
) -> list[OfferFacts]:
    """What the bot itself could propose now: the suitable offers, and a keep-number plan where the reason's
    strategy takes one or the customer is a light user."""
    offers = suitable_offers(facts, strategies, reason, exclude=exclude, first=first)
    strategy = strategies.of(reason)
    plan = keep_number_plan(facts, strategies, exclude)
    if plan is None and strategy is not None and strategy.keep_number:
        plans = [o for o in facts.offers if o.type == KEEP_NUMBER_TYPE and o.eligible and o.code not in exclude]
        plan = min(plans, key=lambda o: (o.monthly_price or 0, o.code), default=None)
    return [*offers, *([plan] if plan is not None and plan not in offers else [])]


def mentioned_offer(
    text: str, facts: CustomerFacts, strategies: Strategies, reason: str, *, exclude: Collection[str], first: bool
) -> OfferMention | None:
    """The offer `text` names, judged for `reason`; None when the text names no offer or kind of offer."""
    cleaned = HURRIED_TICKET.sub("", NOT_A_COMMITMENT.sub("", normalize_text(text)))
    suitable = suitable_codes(facts, strategies, reason, exclude, first=first)
    kinds = {kind for word, kind in TYPE_WORDS if word in cleaned}
    offer = _named_in_full(cleaned, facts)
    if offer is None:
        # a price equal to the customer's own plan fee is their plan (「您现在的129元融合套餐」), not an offer
        choice = resolve_choice(cleaned, (), facts.offers, eligible_only=False, own_fee=facts.plan_fee)
        offer = facts.offer(choice.code) if choice.named else None
    if offer is None and not kinds:
        return None
    if (offer is None or offer not in suitable) and kinds and not DIGITS.search(cleaned):
        offer = next((o for o in suitable if o.type in kinds), offer)
    if offer is None:
        return OfferMention(None, None, False, KEEP_NUMBER_TYPE in kinds, "目前没有这一类方案可以办")
    return OfferMention(
        code=offer.code,
        name=offer.name,
        suitable=offer in suitable,
        keep_number=offer.type == KEEP_NUMBER_TYPE,
        why_not=None if offer in suitable else _why_not(offer, reason),
    )


def _named_in_full(text: str, facts: CustomerFacts) -> OfferFacts | None:
    """An offer whose whole name is in the text (the corpus' proposal lines quote it: 「5G畅享129元融合套餐（含300M宽带）…」);
    its description may mention other sums that would mislead a reading by price."""
    named = [offer for offer in facts.offers if normalize_text(offer.name) in text]
    return max(named, key=lambda offer: len(offer.name), default=None)


def _why_not(offer: OfferFacts, reason: str) -> str:
    if offer.why_not:
        return "；".join(offer.why_not)
    if reason not in offer.rules.reasons:
        return f"「{offer.name}」解决不了客户说的问题"
    return f"「{offer.name}」不符合客户的用量或费用"
