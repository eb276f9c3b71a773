"""A deterministic synthetic customer base: customer rows and their monthly usage, as plain dicts.

Everything is drawn from one `random.Random(seed)` in a fixed order and anchored at `as_of` (the latest usage
month), never at the clock, so the same seed and month give the same rows on any machine. The data is built
to be plausible to the bot and learnable for the churn model:

- usage is drawn relative to the plan's allowance, and ARPU is the plan fee plus standalone broadband,
  咪咕 subscriptions and charges beyond the allowance, so MOU, DOU and ARPU agree with the plan;
- the device is one that was on sale when it was bought (as_of minus 终端使用时间), and 终端制式 is the device's;
- a minority of customers "lean to leave": they show the seed's warning signals more often (协议到期, 业务量突降,
  竞争对手营销, 多日零通话, 拨打竞争对手客服电话), and 是否流失 is drawn from a logistic function of the signals,
  so the label depends on the data with realistic noise.
"""

from __future__ import annotations

import math
import random
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

from bot.db.seed.catalogue import (
    CITIES,
    DEVICES,
    EXTRA_GB_FEE,
    EXTRA_MINUTE_FEE,
    MIGU_READ_FEE,
    MIGU_VIDEO_FEE,
    PHONE_PREFIXES,
    PLANS,
    SENIOR_PLAN,
    STANDALONE_BROADBAND_FEES,
    SURNAMES,
    TITLES,
    YOUTH_PLAN,
    Device,
    Plan,
)

USAGE_MONTHS = 6  # months of history per customer (fewer for newer customers)
CHINA_TIME = timezone(timedelta(hours=8))
CENT = Decimal("0.01")


@dataclass(frozen=True)
class SyntheticBase:
    customers: list[dict[str, Any]]  # Customer columns, without id
    usage: list[dict[str, Any]]  # MonthlyUsage columns, with `phone` in place of customer_id


def add_months(month: date, count: int) -> date:
    """The first day of the month `count` months after (or before) `month`."""
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def _money(value: float) -> Decimal:
    return Decimal(str(value)).quantize(CENT)


def _sigmoid(value: float) -> float:
    return 1.0 / (1.0 + math.exp(-value))


class _Generator:
    def __init__(self, seed: int, as_of: date) -> None:
        self.rng = random.Random(seed)  # nosec B311 - reproducible synthetic demo data, not for security
        self.as_of = as_of.replace(day=1)
        self.phones: set[str] = set()
        self.plan_weights = [plan.weight for plan in PLANS]
        self.city_names = [name for name, _ in CITIES]
        self.city_weights = [weight for _, weight in CITIES]

    # --- customer attributes ----------------------------------------------------------------------------

    def phone(self) -> str:
        while True:
            number = self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if number not in self.phones:
                self.phones.add(number)
                return number

    def tenure_months(self, plan: Plan) -> int:
        roll = self.rng.random()
        if plan.name == YOUTH_PLAN:
            return self.rng.randint(1, 48)
        if roll < 0.25:
            return self.rng.randint(1, 12)
        if roll < 0.65:
            return self.rng.randint(13, 60)
        return self.rng.randint(61, 240)

    def device(self, device_months: int, senior: bool) -> Device:
        """A device that was on sale, and not yet old, when it was bought `device_months` ago."""
        bought = add_months(self.as_of, -device_months)
        on_sale = [
            d for d in DEVICES if d.released <= bought and (d.feature_phone or (bought - d.released).days < 4 * 365)
        ]
        if not on_sale:
            return min(DEVICES, key=lambda d: d.released)
        weights = [(6.0 if senior else 0.1) if d.feature_phone else 1.0 for d in on_sale]
        return self.rng.choices(on_sale, weights=weights)[0]

    def device_months(self) -> int:
        roll = self.rng.random()
        if roll < 0.7:
            return self.rng.randint(1, 36)
        if roll < 0.92:
            return self.rng.randint(37, 72)
        return self.rng.randint(73, 150)

    def credit_level(self, tenure_months: int, fee: int) -> int:
        score = 1.5 + tenure_months / 40 + fee / 120 + self.rng.gauss(0, 0.9)
        return max(1, min(7, round(score)))

    def contract_end(self, leaning: bool) -> date | None:
        if self.rng.random() < 0.45:
            return None
        if leaning and self.rng.random() < 0.5:
            offset = self.rng.randint(-30, 60)  # 协议到期 now
        else:
            offset = self.rng.randint(-120, 730)
        month_end = date(self.as_of.year, self.as_of.month, monthrange(self.as_of.year, self.as_of.month)[1])
        return month_end + timedelta(days=offset)

    # --- usage --------------------------------------------------------------------------------------------

    def usage_months(
        self, customer: dict[str, Any], plan: Plan, leaning: bool, broadband_fee: int
    ) -> list[dict[str, Any]]:
        rng = self.rng
        count = min(USAGE_MONTHS, customer["tenure_months"])
        call_level = plan.minutes * rng.lognormvariate(math.log(0.6), 0.5)
        data_level = plan.data_mb * rng.lognormvariate(math.log(0.6), 0.55)
        traveller = rng.random() < 0.15
        drop_months = 0
        if count >= 3 and rng.random() < (0.5 if leaning else 0.06):
            drop_months = rng.choice((1, 1, 2))
        drop_factor = rng.uniform(0.05, 0.4)
        arrears_prone = customer["credit_level"] <= 2 or leaning
        vas_fee = MIGU_VIDEO_FEE * customer["migu_video"] + MIGU_READ_FEE * customer["migu_read"]
        rows = []
        for index in range(count):
            month = add_months(self.as_of, index - count + 1)
            days = monthrange(month.year, month.month)[1]
            recent = index >= count - 2
            factor = drop_factor if index >= count - drop_months else 1.0
            mou = round(call_level * rng.uniform(0.85, 1.15) * factor)
            dou_mb = round(data_level * rng.uniform(0.8, 1.2) * factor)
            zero_days = round(days * math.exp(-mou / 90) + rng.uniform(-2, 2))
            suspend_count = 0
            if rng.random() < (0.1 if arrears_prone else 0.02):
                suspend_count = rng.choice((1, 1, 2))
            suspend_days = min(days, sum(rng.randint(1, 6) for _ in range(suspend_count)))
            roaming = round(mou * rng.uniform(0.1, 0.4)) if traveller else 0
            contacts = 0
            if rng.random() < (0.55 if leaning and recent else 0.06):
                contacts = rng.randint(1, 4)
            hotline = 0
            if rng.random() < (0.3 if leaning and recent else 0.01):
                hotline = rng.randint(1, 2)
            extra_minutes = max(0, mou - plan.minutes)
            extra_gb = math.ceil(max(0, dou_mb - plan.data_mb) / 1024)
            arpu = plan.fee + broadband_fee + vas_fee + extra_minutes * EXTRA_MINUTE_FEE + extra_gb * EXTRA_GB_FEE
            rows.append(
                {
                    "phone": customer["phone"],
                    "month": month,
                    "arpu": _money(arpu),
                    "mou": mou,
                    "dou_mb": dou_mb,
                    "suspend_days": suspend_days,
                    "suspend_count": suspend_count,
                    "roaming_minutes": roaming,
                    "competitor_marketing_contacts": contacts,
                    "zero_call_days": max(0, min(days, zero_days)),
                    "competitor_hotline_calls": hotline,
                }
            )
        return rows

    def churned(self, customer: dict[str, Any], usage: list[dict[str, Any]], leaning: bool) -> bool | None:
        """是否流失: known for nine customers in ten, drawn from the signals the bot can see."""
        latest = usage[-1]
        earlier = usage[:-1]
        dropped = bool(earlier) and latest["mou"] + latest["dou_mb"] / 100 < 0.5 * (
            sum(row["mou"] + row["dou_mb"] / 100 for row in earlier) / len(earlier)
        )
        end = customer["contract_end_date"]
        expiring = end is not None and -30 <= (end - self.as_of).days <= 90
        logit = (
            -3.0
            + 1.3 * expiring
            + 1.5 * dropped
            + 0.5 * min(latest["competitor_marketing_contacts"], 3)
            + 1.0 * (latest["zero_call_days"] >= 10)
            + 1.6 * (latest["competitor_hotline_calls"] > 0)
            + 0.6 * (latest["suspend_days"] > 0)
            - 0.6 * customer["has_broadband"]
            - 0.006 * min(customer["tenure_months"], 120)
            + 0.8 * leaning
        )
        label = self.rng.random() < _sigmoid(logit)
        return None if self.rng.random() < 0.1 else label

    # --- one customer -------------------------------------------------------------------------------------

    def customer(self) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        rng = self.rng
        plan = rng.choices(PLANS, weights=self.plan_weights)[0]
        senior = plan.name == SENIOR_PLAN or rng.random() < 0.04
        leaning = rng.random() < 0.2
        tenure = self.tenure_months(plan)
        device_months = self.device_months()
        device = self.device(device_months, senior)
        if plan.broadband_mbps is not None:
            bandwidth, broadband_fee = plan.broadband_mbps, 0
        elif rng.random() < 0.18:
            bandwidth = rng.choice(tuple(STANDALONE_BROADBAND_FEES))
            broadband_fee = STANDALONE_BROADBAND_FEES[bandwidth]
        else:
            bandwidth, broadband_fee = None, 0
        joined = add_months(self.as_of, -tenure + 1)
        customer: dict[str, Any] = {
            "phone": self.phone(),
            "name": rng.choice(SURNAMES) + rng.choice(TITLES),
            "city": rng.choices(self.city_names, weights=self.city_weights)[0],
            "status": "正常",
            "brand": plan.brand,
            "plan_name": plan.name,
            "plan_fee": Decimal(plan.fee).quantize(CENT),
            "credit_level": self.credit_level(tenure, plan.fee),
            "tenure_months": tenure,
            "network_type": device.network_type,
            "device_model": device.model,
            "device_months": device_months,
            "has_broadband": bandwidth is not None,
            "bandwidth_mbps": bandwidth,
            "migu_video": rng.random() < (0.25 if plan.data_mb >= 60 * 1024 else 0.08),
            "migu_read": rng.random() < 0.06,
            "contract_end_date": self.contract_end(leaning),
            "created_at": datetime.combine(joined, time(9, 0), CHINA_TIME),
            "updated_at": datetime.combine(add_months(self.as_of, 1), time(0, 0), CHINA_TIME),
        }
        usage = self.usage_months(customer, plan, leaning, broadband_fee)
        customer["churned"] = self.churned(customer, usage, leaning)
        customer["status"] = self.status(customer, usage[-1])
        return customer, usage

    def status(self, customer: dict[str, Any], latest: dict[str, Any]) -> str:
        if customer["churned"] and self.rng.random() < 0.3:
            return "预销户"
        if latest["suspend_days"] > 0:
            return self.rng.choices(("欠费停机", "主动停机", "正常"), weights=(5, 1, 4))[0]
        return "正常"


def generate_customer_base(count: int, seed: int, as_of: date) -> SyntheticBase:
    """`count` customers with up to USAGE_MONTHS months of usage ending with the month of `as_of`."""
    if count < 0:
        raise ValueError(f"customer count must be >= 0, got {count}")
    generator = _Generator(seed, as_of)
    customers: list[dict[str, Any]] = []
    usage: list[dict[str, Any]] = []
    for _ in range(count):
        customer, months = generator.customer()
        customers.append(customer)
        usage.extend(months)
    return SyntheticBase(customers=customers, usage=usage)
