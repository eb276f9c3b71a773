"""The simulated customer: a real customer of the app database who fits the scenario's reason.

The profile fits the reason (issue #12): a relocating customer gets a destination city, a competitor offer names
a competitor of the gazetteer and a price below what the customer pays, a price complaint comes from someone who
pays enough to complain, a light user says they use little, an expiring contract is one that does expire; and a
reason that an offer answers gets a customer for whom the catalogue holds one (the flow's own rules say which),
so a well-run call can retain them. Which customer, competitor and city is drawn from the scenario's seed.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.churn import UnknownCustomer, score_customer
from bot.db.models import Customer
from bot.flow.facts import CustomerFacts, load_customer_facts
from bot.flow.offer_policy import keep_number_plan, suitable_offers
from bot.flow.strategy import Strategies
from bot.practice.scenario import ScenarioSpec

COMPETITORS: dict[str, str] = {"中国移动": "移动", "中国联通": "联通", "中国广电": "广电"}
# What a competitor offers: the first of these at most COMPETITOR_SHARE of the customer's monthly cost.
COMPETITOR_PRICES: tuple[int, ...] = (129, 99, 88, 79, 69, 59, 58, 49, 39, 29, 19)
COMPETITOR_SHARE = Decimal("0.7")
DESTINATIONS: tuple[str, ...] = ("成都", "深圳", "杭州", "武汉", "西安", "南京", "重庆", "长沙", "苏州", "郑州")
OVERCHARGES: tuple[int, ...] = (15, 20, 28, 30, 38, 50, 66, 80)
MIN_COST_COMPLAINT = Decimal(60)  # 元/月: who pays less rarely calls to say it is too dear
MIN_COST_COMPETITOR = Decimal(50)
LIGHT_MOU, LIGHT_DOU_MB = 150, 5000  # a customer who says they use little does
HEAVY_MOU, HEAVY_DOU_MB = 500, 20000
CONTRACT_WINDOW = (-60, 30)  # days from today: a contract that has just ended or ends within a month
MAX_TRIES = 60  # customers looked at before the fit rules are relaxed to "any customer with usage"


class NoCustomer(RuntimeError):
    """The database holds no customer to play (not seeded): the message says how to make some."""


class Profile(BaseModel):
    """Who the simulated customer is, as the trainee's screen shows it and the customer's words use it."""

    class Config:
        allow_mutation = False

    customer_id: int
    phone: str
    name: str
    city: str
    plan_name: str
    plan_fee: Decimal
    monthly_cost: Decimal | None
    mou: int | None
    dou_mb: int | None
    has_broadband: bool
    bandwidth_mbps: int | None
    tenure_months: int
    contract_end: date | None
    device_model: str
    churn_band: str | None
    competitor: str | None = None  # 「中国联通」
    competitor_price: int | None = None  # what the competitor asks a month
    destination: str | None = None  # where a relocating customer moves
    overcharge: int | None = None  # what a wrong bill took too much

    @property
    def competitor_short(self) -> str | None:
        return COMPETITORS.get(self.competitor or "")

    @property
    def light(self) -> bool:
        return (self.mou or 0) <= LIGHT_MOU and (self.dou_mb or 0) <= LIGHT_DOU_MB

    @property
    def heavy(self) -> bool:
        return (self.mou or 0) >= HEAVY_MOU or (self.dou_mb or 0) >= HEAVY_DOU_MB

    def summary(self) -> dict[str, str]:
        """The customer as a retention agent's screen shows it (Chinese labels, in order)."""
        cost = f"{self.monthly_cost:.0f}元" if self.monthly_cost is not None else "无记录"
        rows = {
            "客户": f"{self.name}（{self.phone}）",
            "城市": self.city,
            "套餐": f"{self.plan_name}（月费{self.plan_fee:.0f}元）",
            "近三月月均消费": cost,
            "上月用量": f"通话{self.mou or 0}分钟，流量{(self.dou_mb or 0) / 1024:.1f}GB",
            "宽带": f"{self.bandwidth_mbps}M" if self.has_broadband else "无",
            "网龄": f"{self.tenure_months // 12}年{self.tenure_months % 12}个月",
            "合约": f"{self.contract_end:%Y-%m-%d}到期" if self.contract_end else "无合约",
            "终端": self.device_model,
            "流失风险": self.churn_band or "未知",
        }
        return rows


def _has_answer(spec: ScenarioSpec, facts: CustomerFacts, strategies: Strategies) -> bool:
    """A reason an offer answers has a suitable offer (or keep-number plan) for this customer."""
    strategy = strategies.of(spec.reason)
    if strategy is None or strategy.fix or not strategy.offer_types:
        return True
    if suitable_offers(facts, strategies, spec.reason):
        return True
    return strategy.keep_number and keep_number_plan(facts, strategies) is not None


def _contract_ends_now(facts: CustomerFacts, today: date) -> bool:
    end = facts.contract_end
    return end is not None and today + timedelta(days=CONTRACT_WINDOW[0]) <= end <= today + timedelta(
        days=CONTRACT_WINDOW[1]
    )


def _cost_at_least(minimum: Decimal) -> Callable[[CustomerFacts, date], bool]:
    return lambda facts, _today: facts.monthly_cost is not None and facts.monthly_cost >= minimum


# What makes a customer believable for each reason, beyond having usage on record and a suitable answer.
REASON_FITS: dict[str, Callable[[CustomerFacts, date], bool]] = {
    "reason_competitor_offer": _cost_at_least(MIN_COST_COMPETITOR),
    "reason_price_high": _cost_at_least(MIN_COST_COMPLAINT),
    "reason_low_usage": lambda facts, _today: (facts.mou or 0) <= LIGHT_MOU and (facts.dou_mb or 0) <= LIGHT_DOU_MB,
    "reason_contract_end": _contract_ends_now,
}


def _candidates(session: Session, spec: ScenarioSpec, today: date) -> list[Customer]:
    query = select(Customer).where(Customer.status == "正常").order_by(Customer.id)
    if spec.reason == "reason_contract_end":
        query = query.where(
            Customer.contract_end_date.between(
                today + timedelta(days=CONTRACT_WINDOW[0]), today + timedelta(days=CONTRACT_WINDOW[1])
            )
        )
    customers = list(session.execute(query).scalars())
    random.Random(spec.seed).shuffle(customers)  # nosec B311 - reproducible scenarios, not security
    return customers


def _churn_band(session: Session, phone: str) -> str | None:
    try:
        return score_customer(session, phone).band
    except UnknownCustomer:
        return None


def choose_customer(
    session: Session, spec: ScenarioSpec, today: date, strategies: Strategies
) -> tuple[Customer, CustomerFacts]:
    """The first customer, in the seed's order, who fits the reason; NoCustomer on an empty database."""
    fits = REASON_FITS.get(spec.reason, lambda _facts, _today: True)
    fallback: tuple[Customer, CustomerFacts] | None = None
    for tries, customer in enumerate(_candidates(session, spec, today)):
        facts = load_customer_facts(session, customer, today, None)
        if facts.monthly_cost is None:
            continue
        fallback = fallback or (customer, facts)
        if fits(facts, today) and _has_answer(spec, facts, strategies):
            break
        if tries >= MAX_TRIES:
            customer, facts = fallback
            break
    else:
        if fallback is None:
            raise NoCustomer("the app database holds no customer with usage; run `retention-bot db seed` first")
        customer, facts = fallback
    band = _churn_band(session, customer.phone)
    return customer, load_customer_facts(session, customer, today, band)


def build_profile(customer: Customer, facts: CustomerFacts, spec: ScenarioSpec) -> Profile:
    """The profile with the values the customer's words will use, drawn from the seed."""
    rng = random.Random(spec.seed ^ 0x5EED)  # nosec B311 - reproducible scenarios, not security
    reasons = {spec.reason, spec.polite_reason}
    competitor = price = destination = overcharge = None
    if "reason_competitor_offer" in reasons:
        competitor = rng.choice(sorted(COMPETITORS))
        cost = facts.monthly_cost or Decimal(customer.plan_fee)
        price = next((p for p in COMPETITOR_PRICES if p <= cost * COMPETITOR_SHARE), COMPETITOR_PRICES[-1])
    if "reason_relocation" in reasons:
        destination = rng.choice([city for city in DESTINATIONS if city != customer.city])
    if "reason_billing_error" in reasons:
        overcharge = rng.choice(OVERCHARGES)
    return Profile(
        customer_id=customer.id,
        phone=customer.phone,
        name=customer.name,
        city=customer.city,
        plan_name=customer.plan_name,
        plan_fee=Decimal(customer.plan_fee),
        monthly_cost=facts.monthly_cost,
        mou=facts.mou,
        dou_mb=facts.dou_mb,
        has_broadband=customer.has_broadband,
        bandwidth_mbps=customer.bandwidth_mbps,
        tenure_months=customer.tenure_months,
        contract_end=customer.contract_end_date,
        device_model=customer.device_model,
        churn_band=facts.churn_band,
        competitor=competitor,
        competitor_price=price,
        destination=destination,
        overcharge=overcharge,
    )
