"""Choosing offers for a customer and recording what was proposed and how it was answered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import Customer, Offer, OfferHistory
from bot.db.models.base import utcnow
from bot.db.models.vocabulary import OFFER_OUTCOMES
from bot.db.offer_rules import ineligibility_reasons, suitability_score
from bot.db.queries.customers import usage_history
from bot.db.signals import warning_signals


@dataclass(frozen=True)
class RankedOffer:
    offer: Offer
    score: float


def offer_by_code(session: Session, code: str) -> Offer | None:
    return session.execute(select(Offer).where(Offer.code == code)).scalar_one_or_none()


def recommend_offers(
    session: Session,
    customer: Customer,
    *,
    today: date,
    reason: str | None = None,
    need: str | None = None,
    limit: int = 3,
) -> list[RankedOffer]:
    """The best-fitting offers the customer may have, best first.

    Only offers that are eligible, fit at least somewhat (score > 0: 不推荐客户不适合的产品) and that the
    customer has not already turned down. Ties go to the cheaper monthly price, then to the code.
    """
    history = usage_history(session, customer.id)
    signals = warning_signals(customer, history, today)
    latest = history[-1] if history else None
    rejected = set(
        session.execute(
            select(OfferHistory.offer_id).where(
                OfferHistory.customer_id == customer.id, OfferHistory.outcome == "rejected"
            )
        ).scalars()
    )
    ranked = []
    for offer in session.execute(select(Offer).where(Offer.active.is_(True))).scalars():
        if offer.id in rejected or ineligibility_reasons(offer, customer, today):
            continue
        score = suitability_score(offer, reason=reason, need=need, signals=signals, latest_usage=latest)
        if score > 0:
            ranked.append(RankedOffer(offer, score))
    ranked.sort(key=lambda r: (-r.score, r.offer.monthly_price or 0, r.offer.code))
    return ranked[:limit]


def record_offer_proposal(
    session: Session, *, customer_id: int, offer_id: int, conversation_id: int | None = None
) -> OfferHistory:
    entry = OfferHistory(customer_id=customer_id, offer_id=offer_id, conversation_id=conversation_id)
    session.add(entry)
    session.flush()
    return entry


def record_offer_outcome(
    session: Session, entry: OfferHistory, outcome: str, *, at: datetime | None = None
) -> OfferHistory:
    """Mark a proposal accepted or rejected (or back to pending)."""
    if outcome not in OFFER_OUTCOMES:
        raise ValueError(f"unknown offer outcome {outcome!r}; expected one of {list(OFFER_OUTCOMES)}")
    entry.outcome = outcome
    entry.decided_at = None if outcome == "pending" else (at or utcnow())
    session.flush()
    return entry
