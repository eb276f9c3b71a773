"""Which offer suits this customer for this reason: rules from data, never a model's guess.

不推荐客户不适合的产品 (seed 000): an offer is proposed only when the customer may have it (eligibility), the
catalogue says it answers the reason (suitability), the reason's strategy lists its kind, the customer's usage
is inside its bands, and the monthly bill stays under the strategy's ceiling. Compensation is never proposed:
it is reviewed when the customer asks for it. A keep-number plan goes only to light users. Among suitable
offers the strategy's order of kinds comes first; within a kind the churn score and the customer's value
decide whether the more generous offer comes first.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from decimal import Decimal

from bot.flow.facts import CustomerFacts, OfferFacts
from bot.flow.strategy import ReasonStrategy, Strategies

KEEP_NUMBER_TYPE = "保号套餐"
# An offer's `sms` fact that says SMS stop: never for a customer who said they need bank codes.
NO_SMS = re.compile(r"不能|无法|收不到|不再")
NO_CALLS = re.compile(r"不能(打|接)电话|不能接打|无法(打|接)电话")
COMPENSATION_TYPE = "话费补偿"


def is_light_user(facts: CustomerFacts, strategies: Strategies) -> bool:
    light = strategies.light_user
    return facts.mou is not None and facts.mou <= light.max_mou and (facts.dou_mb or 0) <= light.max_dou_mb


def fits_usage(offer: OfferFacts, facts: CustomerFacts) -> bool:
    """False when the customer's latest month is outside one of the offer's usage bands."""
    usage = facts.usage()
    return all(band.contains(usage[measure]) for measure, band in offer.rules.usage.items() if measure in usage)


# Plans for the mobile line alone: to a broadband customer their price is no new bill (the broadband is paid on
# top, and a fused plan's discount is lost), so no saving is claimed and the broadband fact is said with them.
MOBILE_PLAN_TYPES = frozenset({"套餐降档", "套餐升级"})


def within_cost(offer: OfferFacts, facts: CustomerFacts, strategy: ReasonStrategy, min_saving: Decimal) -> bool:
    if facts.monthly_cost is None:
        return offer.monthly_price in (None, Decimal(0)) or not strategy.must_lower_cost
    total = offer.monthly_total(facts.monthly_cost)
    if total > facts.monthly_cost * strategy.cost_ceiling:
        return False
    return not strategy.must_lower_cost or facts.monthly_cost - total >= min_saving


def generous_first(facts: CustomerFacts, strategies: Strategies) -> bool:
    """A customer at high risk of leaving, or worth a lot, hears the offer that saves them most first."""
    rule = strategies.generous_when
    if facts.churn_band in rule.churn_bands:
        return True
    return (
        facts.monthly_cost is not None
        and facts.monthly_cost >= rule.min_arpu
        and facts.tenure_months >= rule.min_tenure_months
    )


def suitable_offers(
    facts: CustomerFacts,
    strategies: Strategies,
    reason: str,
    *,
    exclude: Collection[str] = (),
    first: bool = True,
    needs_sms: bool = False,
) -> list[OfferFacts]:
    """The offers to propose for `reason`, best first; `exclude`: codes already proposed or refused."""
    strategy = strategies.of(reason)
    if strategy is None:
        return []
    light = is_light_user(facts, strategies)
    offers = [
        offer
        for offer in facts.offers
        if offer.eligible
        and offer.code not in exclude
        and offer.type in strategy.offer_types
        and offer.type != COMPENSATION_TYPE
        and (offer.type != KEEP_NUMBER_TYPE or (light and not needs_sms))
        and reason in offer.rules.reasons
        and fits_usage(offer, facts)
        and within_cost(offer, facts, strategy, strategies.min_saving)
        and not (first and strategy.no_term_first and offer.binds)
        and not (needs_sms and keeps_no_sms(offer))
    ]
    cost = facts.monthly_cost or Decimal(0)
    sign = 1 if generous_first(facts, strategies) else -1
    # Within a kind, an offer that signs the customer up for no new term comes first: a re-contract is what a
    # customer who wants to leave least wants to hear (seed 002), and only suits once the free options are out.
    return sorted(
        offers, key=lambda o: (strategy.offer_types.index(o.type), o.binds, sign * o.monthly_total(cost), o.code)
    )


def keeps_no_sms(offer: OfferFacts) -> bool:
    return bool(NO_SMS.search(offer.facts.get("sms", "")))


def keeps_no_calls(offer: OfferFacts) -> bool:
    """停机保号: the catalogue says calls stop (「不能打电话，也不能接电话」)."""
    return bool(NO_CALLS.search(offer.facts.get("calls", "")))


def keep_number_plan(
    facts: CustomerFacts,
    strategies: Strategies,
    exclude: Collection[str] = (),
    *,
    needs_sms: bool = False,
    needs_calls: bool = False,
    light_only: bool = True,
) -> OfferFacts | None:
    """The cheapest keep-number plan for a light user (停机保号 cuts calls and data: nobody else is offered it),
    and never unasked to one who needs the number's SMS (their bank codes: the number is in use). `light_only`
    False: for anyone who asked how to keep their number, then one that still receives SMS if they need it."""
    if light_only and (needs_sms or not is_light_user(facts, strategies)):
        return None  # the number the bank's codes come to is in use: not put to them unasked (dialogue issue)
    plans = [
        o
        for o in facts.offers
        if o.type == KEEP_NUMBER_TYPE
        and o.eligible
        and o.code not in exclude
        and not (needs_sms and keeps_no_sms(o))
        and not (needs_calls and keeps_no_calls(o))
    ]
    return min(plans, key=lambda o: (o.monthly_price or Decimal(0), o.code), default=None)
