"""What the flow knows about one customer and the catalogue, read from the database once per message.

`decide` never touches the database: it gets these frozen snapshots, so practice mode can ask the same
questions about a simulated customer, and a unit test can build them by hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import Customer, Offer, Ticket
from bot.db.models.vocabulary import OPEN_TICKET_STATUSES
from bot.db.offer_rules import SuitabilityRules, contract_running, ineligibility_reasons, parse_suitability
from bot.db.queries import usage_history
from bot.flow.promises import due_phrase
from bot.flow.state import TicketPromise

COST_MONTHS = 3  # "近三个月平均每月实际花费"
# Offers that replace the customer's plan: their monthly price is the new bill. Other monthly prices (提速,
# 流量包, 会员) come on top of it; one-off offers (补偿, 终端补贴) leave it as it is.
PLAN_TYPES = frozenset({"套餐升级", "套餐降档", "融合业务", "保号套餐"})
# A penalty fact that binds the customer (a renewal or an agreement to sign), as the catalogue words it.
BINDING = re.compile(r"(?<!不)需要(续约|签)")


@dataclass(frozen=True)
class OfferFacts:
    """A catalogue offer as the flow sees it, with whether this customer may have it."""

    code: str
    name: str
    type: str
    monthly_price: Decimal | None
    one_off_value: Decimal | None
    term_months: int | None
    description: str
    facts: dict[str, str]
    rules: SuitabilityRules
    eligible: bool
    why_not: tuple[str, ...] = ()  # why this customer may not have it, in words an agent can repeat
    why_not_plain: tuple[str, ...] = ()  # the same, in words for the customer (no rule figures)

    @property
    def binds(self) -> bool:
        """True when taking the offer signs the customer up for a term (a re-contract)."""
        return bool(BINDING.search(self.facts.get("penalty", "")))

    def monthly_total(self, current_cost: Decimal) -> Decimal:
        """The customer's monthly bill with the offer."""
        if self.monthly_price is None:
            return current_cost
        if self.type in PLAN_TYPES:
            return Decimal(self.monthly_price)
        return current_cost + Decimal(self.monthly_price)


@dataclass(frozen=True)
class CustomerFacts:
    """One identified customer: profile, recent usage, churn band and the catalogue judged for them."""

    customer_id: int
    name: str
    phone: str
    has_broadband: bool
    plan_fee: Decimal | None  # None: unknown (the operator's export did not carry it)
    tenure_months: int
    contract_running: bool
    contract_end: date | None
    contract_known: bool  # False: the export had no contract column, so 「no end date」 means 「unknown」
    monthly_cost: Decimal | None  # average ARPU of the last COST_MONTHS months; None without usage on record
    mou: int | None  # minutes a month, averaged over the cost months
    dou_mb: int | None  # data a month (MB), averaged likewise
    churn_band: str | None
    offers: tuple[OfferFacts, ...] = field(default_factory=tuple)
    # Tickets still open from earlier conversations, by kind: the same problem told again is that ticket.
    open_tickets: dict[str, TicketPromise] = field(default_factory=dict)
    plan_name: str | None = None  # the plan the customer is on (「孝心卡39元套餐」)
    status: str = "正常"  # 号码状态 (bot/db/models/vocabulary.py CUSTOMER_STATUSES)
    city: str | None = None  # where the customer's line and broadband are
    services: tuple[str, ...] = ()  # what else is billed on the line (宽带, 咪咕视频会员 …), for a bill explained

    def offer(self, code: str | None) -> OfferFacts | None:
        return next((offer for offer in self.offers if offer.code == code), None)

    def own_plan_offer(self) -> OfferFacts | None:
        """The catalogue entry of the plan the customer is on (「改签孝心卡39元套餐」 for 「孝心卡39元套餐」): what
        their plan includes is its description's first clause."""
        if not self.plan_name:
            return None
        return next((o for o in self.offers if self.plan_name in o.name), None)

    def usage(self) -> dict[str, float]:
        """The usage, in the measures suitability bands use (monthly averages over the cost months)."""
        values: dict[str, Any] = {"mou": self.mou, "dou_mb": self.dou_mb, "arpu": self.monthly_cost}
        return {name: float(value) for name, value in values.items() if value is not None}


def offer_facts(offer: Offer, customer: Customer, today: date) -> OfferFacts:
    why_not = ineligibility_reasons(offer, customer, today)
    return OfferFacts(
        code=offer.code,
        name=offer.name,
        type=offer.type,
        monthly_price=offer.monthly_price,
        one_off_value=offer.one_off_value,
        term_months=offer.term_months,
        description=offer.description,
        facts=dict(offer.facts or {}),
        rules=parse_suitability(offer.suitability, f"offer {offer.code} suitability"),
        eligible=not why_not,
        why_not=tuple(problem.detail for problem in why_not),
        why_not_plain=tuple(problem.plain for problem in why_not),
    )


def load_customer_facts(session: Session, customer: Customer, today: date, churn_band: str | None) -> CustomerFacts:
    """The customer's snapshot with the active catalogue (a few dozen rows: read whole, judged in Python)."""
    history = usage_history(session, customer.id, months=COST_MONTHS)
    cost = (
        (sum((Decimal(row.arpu) for row in history), Decimal(0)) / len(history)).quantize(Decimal("0.01"))
        if history
        else None
    )
    offers = session.execute(select(Offer).where(Offer.active.is_(True)).order_by(Offer.code)).scalars()
    return CustomerFacts(
        customer_id=customer.id,
        name=customer.name,
        phone=customer.phone,
        has_broadband=customer.has_broadband,
        plan_fee=None if customer.plan_fee is None else Decimal(customer.plan_fee),
        tenure_months=customer.tenure_months,
        contract_running=contract_running(customer, today),
        contract_end=customer.contract_end_date,
        contract_known=customer.contract_known is not False,
        monthly_cost=cost,
        # usage over the same months as the cost: one quiet month does not make a 420-minute caller a 200-minute one
        mou=round(sum(row.mou for row in history) / len(history)) if history else None,
        dou_mb=round(sum(row.dou_mb for row in history) / len(history)) if history else None,
        churn_band=churn_band,
        offers=tuple(offer_facts(offer, customer, today) for offer in offers),
        open_tickets=_open_tickets(session, customer.id),
        plan_name=customer.plan_name,
        status=customer.status,
        city=customer.city,
        services=tuple(
            name
            for name, held in (("宽带", customer.has_broadband), ("咪咕视频会员", customer.migu_video),
                               ("咪咕阅读会员", customer.migu_read))
            if held
        ),
    )


def _open_tickets(session: Session, customer_id: int) -> dict[str, TicketPromise]:
    """The latest open ticket of each kind, quoted with the due time the customer was given."""
    tickets = session.execute(
        select(Ticket)
        .where(Ticket.customer_id == customer_id, Ticket.status.in_(OPEN_TICKET_STATUSES))
        .order_by(Ticket.id)
    ).scalars()
    return {ticket.kind: TicketPromise(id=str(ticket.id), due=due_phrase(ticket.due_at)) for ticket in tickets}
