"""The meaning of an offer's `eligibility` and `suitability` JSON, and their evaluation for one customer.

Eligibility is a hard gate (the customer may not get the offer otherwise: tenure, credit, broadband, contract);
suitability only ranks the eligible offers by how well they answer the customer's leave reason, need, warning
signals and usage (seed 000: 不推荐客户不适合的产品和服务). Both are plain JSON so the catalogue changes without a
release; `parse_eligibility` / `parse_suitability` refuse unknown keys and wrong types, so a typo in the data
fails loudly when the catalogue is loaded instead of silently making an offer available to everyone. A rule
on something the operator's export did not carry (an unknown plan fee or contract) cannot be satisfied: the
offer is withheld with that reason rather than granted on a guess.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal
from typing import Any

from bot import taxonomy
from bot.db.models import Customer, MonthlyUsage, Offer
from bot.db.models.vocabulary import CREDIT_LEVELS, CUSTOMER_STATUSES, NETWORK_TYPES, WARNING_SIGNALS

# Usage figures a suitability band may look at (columns of MonthlyUsage, latest month).
USAGE_MEASURES: tuple[str, ...] = ("mou", "dou_mb", "arpu", "roaming_minutes")

# How much each kind of match adds to an offer's suitability score; the leave reason weighs most because it is
# what the customer said.
REASON_WEIGHT = 3.0
NEED_WEIGHT = 1.0
SIGNAL_WEIGHT = 1.0
USAGE_WEIGHT = 1.0


class RuleError(ValueError):
    """An offer's rules are not valid data."""


@dataclass(frozen=True)
class Range:
    """A closed interval; either end may be open (None)."""

    min: float | None = None
    max: float | None = None

    def contains(self, value: float) -> bool:
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)

    def __str__(self) -> str:
        return f"{'' if self.min is None else f'{self.min:g}'}–{'' if self.max is None else f'{self.max:g}'}"


@dataclass(frozen=True)
class Ineligibility:
    """One rule a customer fails: `detail` for agents, trainees and the desk (the rule and the figures),
    `plain` for the customer (what it means for them, never a ratio or a band of the catalogue's rules)."""

    detail: str
    plain: str


def _day(value: date | None) -> str:
    return "" if value is None else f"{value.year}年{value.month}月{value.day}日"


def _band_words(band: Range) -> str:
    if band.min is not None and band.max is not None:
        return f"{band.min:g}到{band.max:g}元"
    return f"{band.min:g}元及以上" if band.min is not None else f"{band.max:g}元及以下"


@dataclass(frozen=True)
class EligibilityRules:
    min_tenure_months: int | None = None  # 网龄 at least
    credit_levels: tuple[int, ...] | None = None  # 星级 allowed
    requires_broadband: bool | None = None  # True: broadband users only; False: non-broadband users only
    network_types: tuple[str, ...] | None = None  # 终端制式 allowed
    min_device_months: int | None = None  # 终端使用时间 at least (device replacement)
    statuses: tuple[str, ...] | None = None  # 号码状态 allowed
    out_of_contract: bool | None = None  # True: only when no contract is running (e.g. 协议期内不可降档)
    # True: when the offer costs less a month than the current plan (it is a downgrade for this customer), only
    # when no contract is running; a fused plan is an upgrade for one customer and a downgrade for another.
    downgrade_out_of_contract: bool | None = None
    plan_fee: Range | None = None  # the customer's current monthly fee
    min_plan_fee_ratio: float | None = None  # offer.monthly_price >= ratio × current plan_fee (an upgrade)
    max_plan_fee_ratio: float | None = None  # offer.monthly_price <= ratio × current plan_fee (affordable)


@dataclass(frozen=True)
class SuitabilityRules:
    reasons: tuple[str, ...] = ()  # taxonomy reason_* intents the offer answers
    needs: tuple[str, ...] = ()  # taxonomy needs it answers (话费补偿 answers a rational need)
    signals: tuple[str, ...] = ()  # WARNING_SIGNALS it answers
    usage: Mapping[str, Range] = field(default_factory=dict)  # latest-month bands, keys from USAGE_MEASURES
    # True: deliverable only where the customer already is (宽带移机 within their city's network); a customer
    # moving to another city is told it must be checked there, never promised the offer's terms.
    local_only: bool = False


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RuleError(f"{where}: expected a number, got {value!r}")
    return float(value)


def _integer(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise RuleError(f"{where}: expected a non-negative integer, got {value!r}")
    return value


def _boolean(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise RuleError(f"{where}: expected true or false, got {value!r}")
    return value


def _choices(value: Any, allowed: tuple[Any, ...], where: str) -> tuple[Any, ...]:
    if not isinstance(value, list) or not value:
        raise RuleError(f"{where}: expected a non-empty list, got {value!r}")
    unknown = [item for item in value if item not in allowed or isinstance(item, bool)]
    if unknown:
        raise RuleError(f"{where}: unknown value(s) {unknown}; allowed: {list(allowed)}")
    return tuple(value)


def _range(value: Any, where: str) -> Range:
    if not isinstance(value, dict) or not value or set(value) - {"min", "max"}:
        raise RuleError(f"{where}: expected {{min: …, max: …}} (either may be left out), got {value!r}")
    bounds = Range(
        min=None if value.get("min") is None else _number(value["min"], f"{where}.min"),
        max=None if value.get("max") is None else _number(value["max"], f"{where}.max"),
    )
    if bounds.min is not None and bounds.max is not None and bounds.min > bounds.max:
        raise RuleError(f"{where}: min {bounds.min} is above max {bounds.max}")
    return bounds


def _check_keys(data: Any, cls: type, where: str) -> dict[str, Any]:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise RuleError(f"{where}: expected a mapping, got {type(data).__name__}")
    unknown = set(data) - {f.name for f in fields(cls)}
    if unknown:
        raise RuleError(f"{where}: unknown key(s) {sorted(unknown)}")
    return data


def parse_eligibility(data: Any, where: str = "eligibility") -> EligibilityRules:
    data = _check_keys(data, EligibilityRules, where)
    parsers = {
        "min_tenure_months": _integer,
        "min_device_months": _integer,
        "credit_levels": lambda v, w: _choices(v, CREDIT_LEVELS, w),
        "network_types": lambda v, w: _choices(v, NETWORK_TYPES, w),
        "statuses": lambda v, w: _choices(v, CUSTOMER_STATUSES, w),
        "requires_broadband": _boolean,
        "out_of_contract": _boolean,
        "downgrade_out_of_contract": _boolean,
        "plan_fee": _range,
        "min_plan_fee_ratio": _number,
        "max_plan_fee_ratio": _number,
    }
    return EligibilityRules(**{key: parsers[key](value, f"{where}.{key}") for key, value in data.items()})


def parse_suitability(data: Any, where: str = "suitability") -> SuitabilityRules:
    data = _check_keys(data, SuitabilityRules, where)
    parsed: dict[str, Any] = {}
    if "reasons" in data:
        parsed["reasons"] = _choices(data["reasons"], tuple(taxonomy.reason_intents()), f"{where}.reasons")
    if "needs" in data:
        parsed["needs"] = _choices(data["needs"], tuple(taxonomy.needs()), f"{where}.needs")
    if "signals" in data:
        parsed["signals"] = _choices(data["signals"], WARNING_SIGNALS, f"{where}.signals")
    if "local_only" in data:
        parsed["local_only"] = _boolean(data["local_only"], f"{where}.local_only")
    if "usage" in data:
        usage = data["usage"]
        if not isinstance(usage, dict) or set(usage) - set(USAGE_MEASURES):
            raise RuleError(f"{where}.usage: expected a mapping with keys from {list(USAGE_MEASURES)}, got {usage!r}")
        parsed["usage"] = {name: _range(band, f"{where}.usage.{name}") for name, band in usage.items()}
    return SuitabilityRules(**parsed)


def _listing(values: tuple[object, ...]) -> str:
    return "/".join(str(value) for value in values)


def contract_running(customer: Customer, today: date) -> bool:
    """A contract known to run on `today` (an unknown contract has no end date, so it is not known to)."""
    return customer.contract_end_date is not None and customer.contract_end_date > today


def _plan_fee_reasons(rules: EligibilityRules, offer: Offer, customer: Customer) -> list[Ineligibility]:
    """The plan-fee rules `customer` fails; an unknown fee (not in the export) satisfies none of them."""
    fee = None if customer.plan_fee is None else Decimal(customer.plan_fee)
    unknown_fee = "需要先核实您现在的套餐月费"
    problems = []
    if rules.plan_fee is not None:
        if fee is None:
            problems.append(Ineligibility(f"当前套餐月费未知，无法确认是否在 {rules.plan_fee} 元之间", unknown_fee))
        elif not rules.plan_fee.contains(float(fee)):
            problems.append(Ineligibility(
                f"当前套餐 {fee} 元，需在 {rules.plan_fee} 元之间",
                f"这个方案面向月租{_band_words(rules.plan_fee)}的套餐用户",
            ))
    if offer.monthly_price is None or (rules.min_plan_fee_ratio is None and rules.max_plan_fee_ratio is None):
        return problems
    price = Decimal(offer.monthly_price)
    if fee is None:
        return [*problems, Ineligibility(f"当前套餐月费未知，无法确认 {price} 元与当前月费相比是否合适", unknown_fee)]
    if rules.min_plan_fee_ratio is not None and price < fee * Decimal(str(rules.min_plan_fee_ratio)):
        problems.append(Ineligibility(
            f"{price} 元不到当前 {fee} 元的 {rules.min_plan_fee_ratio} 倍，不算升级",
            "它比您现在的套餐还便宜，不是升级套餐，按规定不能这样改" if price < fee
            else "它和您现在的套餐价位差不多，算不上升级，按规定不能这样改",
        ))
    if rules.max_plan_fee_ratio is not None and price > fee * Decimal(str(rules.max_plan_fee_ratio)):
        problems.append(Ineligibility(
            f"{price} 元超过当前 {fee} 元的 {rules.max_plan_fee_ratio} 倍",
            "它比您现在的套餐贵出太多，不适合直接换过去" if price > fee
            else "它和您现在的套餐价位差不多，换过去省不了钱",
        ))
    return problems


def ineligibility_reasons(offer: Offer, customer: Customer, today: date) -> list[Ineligibility]:
    """Why `customer` may not get `offer` (empty: eligible), for agents and for the customer."""
    rules = parse_eligibility(offer.eligibility, f"offer {offer.code} eligibility")
    problems: list[Ineligibility] = []
    if not offer.active:
        problems.append(Ineligibility("优惠已下架", "这个优惠已经下架了"))
    if rules.min_tenure_months is not None and customer.tenure_months < rules.min_tenure_months:
        problems.append(Ineligibility(
            f"网龄 {customer.tenure_months} 个月，需满 {rules.min_tenure_months} 个月",
            f"需要在网满{rules.min_tenure_months}个月才能办理（您目前在网{customer.tenure_months}个月）",
        ))
    if rules.credit_levels is not None and customer.credit_level not in rules.credit_levels:
        problems.append(Ineligibility(
            f"信用等级 {customer.credit_level} 星，需为 {_listing(rules.credit_levels)} 星",
            "您号码目前的信用星级还达不到这个优惠的办理条件",
        ))
    if rules.requires_broadband is not None and customer.has_broadband != rules.requires_broadband:
        problems.append(
            Ineligibility("仅限宽带用户", "它只面向已经办了宽带的用户")
            if rules.requires_broadband
            else Ineligibility("仅限未办宽带的用户", "它只面向还没有办宽带的用户，您已经有宽带了")
        )
    if rules.network_types is not None and customer.network_type not in rules.network_types:
        problems.append(Ineligibility(
            f"终端制式 {customer.network_type}，需为 {_listing(rules.network_types)}",
            f"需要{_listing(rules.network_types)}手机才能用",
        ))
    if rules.min_device_months is not None and customer.device_months < rules.min_device_months:
        problems.append(Ineligibility(
            f"终端使用 {customer.device_months} 个月，需满 {rules.min_device_months} 个月",
            f"手机用满{rules.min_device_months}个月才能办（您这部用了{customer.device_months}个月）",
        ))
    if rules.statuses is not None and customer.status not in rules.statuses:
        problems.append(Ineligibility(
            f"号码状态 {customer.status}，需为 {_listing(rules.statuses)}",
            f"号码现在是「{customer.status}」状态，恢复正常后才能办理",
        ))
    downgrade = (
        rules.downgrade_out_of_contract
        and offer.monthly_price is not None
        and customer.plan_fee is not None
        and offer.monthly_price < customer.plan_fee
    )
    end = customer.contract_end_date
    if (rules.out_of_contract or downgrade) and not customer.contract_known:
        problems.append(Ineligibility(
            "协议情况未知（导出数据没有协议到期日期），无法确认不在协议期内", "需要先核实您的协议情况"
        ))
    elif rules.out_of_contract and contract_running(customer, today):
        problems.append(Ineligibility(f"协议期内（{end} 到期）不可办理", f"协议期内（{_day(end)}到期）不能办理"))
    elif downgrade and contract_running(customer, today):
        problems.append(Ineligibility(
            f"比现在的套餐便宜，属于降档：协议期内（{end} 到期）不可办理",
            f"它比您现在的套餐便宜，属于降档，协议期内（{_day(end)}到期）不能办理",
        ))
    return problems + _plan_fee_reasons(rules, offer, customer)


def suitability_score(
    offer: Offer,
    *,
    reason: str | None = None,
    need: str | None = None,
    signals: frozenset[str] = frozenset(),
    latest_usage: MonthlyUsage | None = None,
) -> float:
    """How well `offer` fits what is known about the customer; higher is better, 0 is "nothing speaks for it".

    A usage band the customer is outside of counts against the offer (a 流量包 for someone who uses no data).
    """
    rules = parse_suitability(offer.suitability, f"offer {offer.code} suitability")
    score = 0.0
    if reason is not None and reason in rules.reasons:
        score += REASON_WEIGHT
    if need is not None and need in rules.needs:
        score += NEED_WEIGHT
    score += SIGNAL_WEIGHT * len(signals.intersection(rules.signals))
    if latest_usage is not None:
        for measure, band in rules.usage.items():
            score += USAGE_WEIGHT if band.contains(float(getattr(latest_usage, measure))) else -USAGE_WEIGHT
    return score
