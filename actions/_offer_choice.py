"""Which offer to put to a customer, and what became of the offers put so far.

`recommend_offers` gives the offers that are eligible and fit at all (score > 0). On top of it, because
不推荐客户不适合的产品 and at most two offers are made:
- once the customer has given a reason, only offers made for that reason are proposed (an offer that fits
  only by need or usage — a trade-in subsidy after a billing error — is not an answer to it);
- the retention strategy of the reason (seed 002) decides which kinds of offer come first: a cheaper plan for
  price, a device for a device problem, a renewal at contract end, keeping the number when moving;
- an offer whose usage band the customer is outside of is left out, not just ranked lower: no 199元 plan for
  3 GB a month, no 29元 plan for 500 minutes (never a plan far above — or below — the usage);
- for money reasons the offer may not raise the monthly bill: not above today's average cost for price, low
  usage and a company number, at most 10% above it (comparable) for a competitor's offer.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import Conversation, Customer, MonthlyUsage, Offer, OfferHistory
from bot.db.offer_rules import SuitabilityRules, ineligibility_reasons, parse_suitability, suitability_score
from bot.db.queries import recommend_offers, record_offer_outcome, record_offer_proposal, usage_history
from bot.db.signals import warning_signals

KEEP_NUMBER_TYPE = "保号套餐"
# Offers that replace the customer's plan: their monthly price is the new bill. Other monthly prices (提速,
# 流量包, 会员) come on top of it; one-off offers (补偿, 终端补贴) leave it as it is.
PLAN_TYPES = frozenset({"套餐升级", "套餐降档", "融合业务", KEEP_NUMBER_TYPE})
# Seed 002 per leave reason: the kinds of offer that answer it, best first. Other suitable kinds come after
# them; 保号套餐 only where the reason itself is about keeping a little-used number — elsewhere it is the
# last resort of action_retain_number, not an offer among others.
PREFERRED_TYPES: dict[str, tuple[str, ...]] = {
    "reason_competitor_offer": ("套餐降档", "融合业务", "套餐升级", "流量包", "宽带提速"),
    "reason_price_high": ("套餐降档", "融合业务", "流量包"),
    "reason_low_usage": ("套餐降档", KEEP_NUMBER_TYPE, "融合业务"),
    "reason_company_number": ("套餐降档", KEEP_NUMBER_TYPE, "融合业务"),
    "reason_relocation": (KEEP_NUMBER_TYPE, "融合业务", "流量包"),
    "reason_device_problem": ("终端更换",),
    "reason_contract_end": ("套餐升级", "终端更换", "融合业务"),
    "reason_network_quality": ("宽带提速", "终端更换", "话费补偿"),
    "reason_billing_error": ("话费补偿",),
    "reason_poor_service": ("话费补偿", "增值业务"),
    "reason_unresolved_problem": ("话费补偿", "增值业务"),
}
# Highest monthly bill with the offer, as a multiple of today's average cost, for the reasons about money.
COST_CEILING: dict[str, Decimal] = {
    "reason_competitor_offer": Decimal("1.1"),
    "reason_price_high": Decimal("1"),
    "reason_low_usage": Decimal("1"),
    "reason_company_number": Decimal("1"),
}
COST_MONTHS = 3  # "近三个月平均每月实际花费"
CANDIDATES = 100  # every suitable offer of the catalogue, before our own filters

# The customer's answers to an offer on the table.
ACCEPTING = frozenset({"accept_offer", "affirm"})
REJECTING = frozenset({"reject_offer", "deny", "request_cancel"})


@dataclass(frozen=True)
class Spending:
    """What the customer uses and pays now: the base of every fit and cost comparison."""

    latest: MonthlyUsage | None
    monthly_cost: Decimal | None  # average ARPU of the last COST_MONTHS months; None without usage on record


def spending_of(session: Session, customer: Customer) -> Spending:
    history = usage_history(session, customer.id, months=COST_MONTHS)
    if not history:
        return Spending(None, None)
    average = sum((Decimal(row.arpu) for row in history), Decimal(0)) / len(history)
    return Spending(history[-1], average.quantize(Decimal("0.01")))


def monthly_total(offer: Offer, current_cost: Decimal) -> Decimal:
    """The customer's monthly bill with the offer."""
    if offer.monthly_price is None:
        return current_cost
    if offer.type in PLAN_TYPES:
        return Decimal(offer.monthly_price)
    return current_cost + Decimal(offer.monthly_price)


def _rules(offer: Offer) -> SuitabilityRules:
    return parse_suitability(offer.suitability, f"offer {offer.code} suitability")


def fits_usage(offer: Offer, latest: MonthlyUsage | None) -> bool:
    """False when the customer's latest month is outside one of the offer's usage bands."""
    if latest is None:
        return True
    return all(band.contains(float(getattr(latest, measure))) for measure, band in _rules(offer).usage.items())


def within_budget(offer: Offer, reason: str | None, spending: Spending) -> bool:
    ceiling = COST_CEILING.get(reason or "")
    if ceiling is None or spending.monthly_cost is None:
        return True
    return monthly_total(offer, spending.monthly_cost) <= spending.monthly_cost * ceiling


def suitable_offers(
    session: Session,
    customer: Customer,
    spending: Spending,
    *,
    reason: str | None,
    need: str | None,
    today: date,
    exclude: Collection[str] = (),
) -> list[Offer]:
    """The offers to propose, best first; `exclude`: codes already proposed in this conversation."""
    preferred = PREFERRED_TYPES.get(reason or "", ())
    offers = [
        ranked.offer
        for ranked in recommend_offers(session, customer, today=today, reason=reason, need=need, limit=CANDIDATES)
        if ranked.offer.code not in exclude
        and (reason is None or reason in _rules(ranked.offer).reasons)
        and (ranked.offer.type != KEEP_NUMBER_TYPE or KEEP_NUMBER_TYPE in preferred)
        and fits_usage(ranked.offer, spending.latest)
        and within_budget(ranked.offer, reason, spending)
    ]
    # A stable sort: within a kind, recommend_offers' order (best fit, then cheaper) stays.
    return sorted(offers, key=lambda offer: _rank(offer.type, preferred))


def _rank(offer_type: str, preferred: Sequence[str]) -> int:
    return preferred.index(offer_type) if offer_type in preferred else len(preferred)


def keep_number_offers(
    session: Session, customer: Customer, *, reason: str | None, today: date, exclude: Collection[str] = ()
) -> list[Offer]:
    """The 保号套餐 the customer may have, best fit first, then cheapest.

    Eligibility only, no positive score needed: when nothing else is left, keeping the number is worth
    suggesting whatever the reason (seed 002: 如果客户坚持离网，则尽量挽留客户保号留网).
    """
    history = usage_history(session, customer.id)
    signals = warning_signals(customer, history, today)
    latest = history[-1] if history else None
    offers = session.execute(select(Offer).where(Offer.type == KEEP_NUMBER_TYPE, Offer.active.is_(True))).scalars()
    eligible = [o for o in offers if o.code not in exclude and not ineligibility_reasons(o, customer, today)]
    return sorted(
        eligible,
        key=lambda o: (
            -suitability_score(o, reason=reason, signals=signals, latest_usage=latest),
            o.monthly_price or 0,
            o.code,
        ),
    )


def settle_proposal(
    session: Session, conversation: Conversation, customer: Customer, code: str, outcome: str
) -> OfferHistory | None:
    """Mark the pending proposal of offer `code` in this conversation accepted or rejected.

    A proposal not on record here (the conversation row changed in between) is recorded now, so an accepted
    offer is never lost; None for a code the catalogue does not have.
    """
    offer = session.execute(select(Offer).where(Offer.code == code)).scalar_one_or_none()
    if offer is None:
        return None
    entry = session.execute(
        select(OfferHistory)
        .where(
            OfferHistory.conversation_id == conversation.id,
            OfferHistory.customer_id == customer.id,
            OfferHistory.offer_id == offer.id,
            OfferHistory.outcome == "pending",
        )
        .order_by(OfferHistory.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if entry is None:
        entry = record_offer_proposal(
            session, customer_id=customer.id, offer_id=offer.id, conversation_id=conversation.id
        )
    return record_offer_outcome(session, entry, outcome)
