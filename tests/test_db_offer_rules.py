"""Offer rules as data (their validation and meaning) and the warning signals they refer to."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from bot.db.models import Customer, MonthlyUsage, Offer
from bot.db.offer_rules import (
    RuleError,
    ineligibility_reasons,
    parse_eligibility,
    parse_suitability,
    suitability_score,
)
from bot.db.signals import warning_signals

TODAY = date(2025, 6, 10)


def _customer(**overrides: Any) -> Customer:
    values: dict[str, Any] = {
        "phone": "18912345678",
        "status": "正常",
        "plan_fee": Decimal("79.00"),
        "credit_level": 4,
        "tenure_months": 36,
        "network_type": "4G",
        "device_months": 30,
        "has_broadband": False,
        "contract_end_date": None,
        "contract_known": True,
    }
    values.update(overrides)
    return Customer(**values)


def _offer(
    eligibility: dict[str, Any] | None = None, suitability: dict[str, Any] | None = None, **overrides: Any
) -> Offer:
    values: dict[str, Any] = {
        "code": "T-1",
        "type": "套餐升级",
        "monthly_price": Decimal("129.00"),
        "active": True,
        "eligibility": eligibility or {},
        "suitability": suitability or {},
    }
    values.update(overrides)
    return Offer(**values)


def _month(month: int, mou: int = 300, dou_mb: int = 20000, **counts: int | None) -> MonthlyUsage:
    values = {
        "competitor_marketing_contacts": 0,
        "zero_call_days": 0,
        "competitor_hotline_calls": 0,
        "roaming_minutes": 0,
        "arpu": Decimal("79.00"),
    }
    values.update(counts)
    return MonthlyUsage(month=date(2025, month, 1), mou=mou, dou_mb=dou_mb, **values)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"min_tenure": 3}, "unknown key"),
        ({"credit_levels": [0, 4]}, "unknown value"),
        ({"credit_levels": []}, "non-empty list"),
        ({"network_types": ["6G"]}, "unknown value"),
        ({"requires_broadband": "yes"}, "true or false"),
        ({"plan_fee": {"min": 100, "max": 50}}, "above max"),
        ({"plan_fee": {"low": 1}}, "min"),
        ({"max_plan_fee_ratio": "2"}, "number"),
        ({"min_tenure_months": -1}, "non-negative integer"),
        ([1, 2], "mapping"),
    ],
)
def test_bad_eligibility_is_refused(data: Any, message: str) -> None:
    with pytest.raises(RuleError, match=message):
        parse_eligibility(data)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"reasons": ["reason_too_expensive"]}, "unknown value"),
        ({"needs": ["happy"]}, "unknown value"),
        ({"signals": ["contract_end"]}, "unknown value"),
        ({"usage": {"sms": {"min": 1}}}, "keys from"),
        ({"weight": 3}, "unknown key"),
    ],
)
def test_bad_suitability_is_refused(data: Any, message: str) -> None:
    with pytest.raises(RuleError, match=message):
        parse_suitability(data)


def _details(offer: Offer, customer: Customer) -> list[str]:
    return [problem.detail for problem in ineligibility_reasons(offer, customer, TODAY)]


def test_each_eligibility_rule_can_exclude() -> None:
    customer = _customer()
    cases = {
        "min_tenure_months": ({"min_tenure_months": 48}, {"min_tenure_months": 36}),
        "credit_levels": ({"credit_levels": [5, 6, 7]}, {"credit_levels": [4]}),
        "requires_broadband": ({"requires_broadband": True}, {"requires_broadband": False}),
        "network_types": ({"network_types": ["5G"]}, {"network_types": ["4G", "5G"]}),
        "min_device_months": ({"min_device_months": 31}, {"min_device_months": 30}),
        "statuses": ({"statuses": ["预销户"]}, {"statuses": ["正常"]}),
        "plan_fee": ({"plan_fee": {"min": 99}}, {"plan_fee": {"max": 79}}),
        "min_plan_fee_ratio": ({"min_plan_fee_ratio": 1.7}, {"min_plan_fee_ratio": 1.6}),  # 129 vs 79 = 1.63
        "max_plan_fee_ratio": ({"max_plan_fee_ratio": 1.6}, {"max_plan_fee_ratio": 1.7}),
    }
    for name, (excluding, admitting) in cases.items():
        problems = ineligibility_reasons(_offer(excluding), customer, TODAY)
        assert problems, name
        # what the customer is told names no rule's figures: no ratio, no band, no bare 「需为」
        assert not any(re.search(r"倍|–|需为|需在", problem.plain) for problem in problems), name
        assert ineligibility_reasons(_offer(admitting), customer, TODAY) == [], name
    assert _details(_offer(active=False), customer) == ["优惠已下架"]


def test_out_of_contract_rule_follows_the_contract_end() -> None:
    offer = _offer({"out_of_contract": True})
    assert ineligibility_reasons(offer, _customer(contract_end_date=TODAY + timedelta(days=1)), TODAY)
    assert ineligibility_reasons(offer, _customer(contract_end_date=TODAY), TODAY) == []
    assert ineligibility_reasons(offer, _customer(contract_end_date=None), TODAY) == []
    unknown = _customer(contract_known=False)  # the export had no 协议到期日期
    assert _details(offer, unknown) == [
        "协议情况未知（导出数据没有协议到期日期），无法确认不在协议期内"
    ]
    assert ineligibility_reasons(_offer(), unknown, TODAY) == []  # only a rule on the contract needs it


def test_a_plan_cheaper_than_the_current_one_waits_for_the_contract_to_end() -> None:
    # The 199 family plan: a downgrade for a 299 customer in contract, an upgrade for a 129 one.
    offer = _offer({"downgrade_out_of_contract": True}, monthly_price=Decimal("199.00"))
    running = TODAY + timedelta(days=400)
    [why] = ineligibility_reasons(offer, _customer(plan_fee=Decimal("299.00"), contract_end_date=running), TODAY)
    assert "降档" in why.detail and "协议期内" in why.detail and "降档" in why.plain
    assert ineligibility_reasons(offer, _customer(plan_fee=Decimal("299.00"), contract_end_date=None), TODAY) == []
    assert ineligibility_reasons(offer, _customer(plan_fee=Decimal("129.00"), contract_end_date=running), TODAY) == []
    unknown = _customer(plan_fee=Decimal("299.00"), contract_known=False)
    assert _details(offer, unknown) == [
        "协议情况未知（导出数据没有协议到期日期），无法确认不在协议期内"
    ]


def test_an_unknown_plan_fee_satisfies_no_plan_fee_rule() -> None:
    unknown = _customer(plan_fee=None)
    assert _details(_offer({"plan_fee": {"min": 0}}), unknown) == [
        "当前套餐月费未知，无法确认是否在 0– 元之间"
    ]
    for ratio in ({"min_plan_fee_ratio": 0.0}, {"max_plan_fee_ratio": 100.0}):
        assert _details(_offer(ratio), unknown) == [
            "当前套餐月费未知，无法确认 129.00 元与当前月费相比是否合适"
        ]
    assert ineligibility_reasons(_offer(), unknown, TODAY) == []  # offers without a fee rule stay open
    assert ineligibility_reasons(_offer({"max_plan_fee_ratio": 2.0}, monthly_price=None), unknown, TODAY) == []


def test_suitability_score_weighs_reason_need_signals_and_usage() -> None:
    offer = _offer(
        suitability={
            "reasons": ["reason_price_high"],
            "needs": ["rational"],
            "signals": ["usage_drop", "zero_calls"],
            "usage": {"dou_mb": {"max": 10000}},
        }
    )
    light = _month(5, dou_mb=5000)
    heavy = _month(5, dou_mb=50000)
    assert suitability_score(offer) == 0
    assert suitability_score(offer, reason="reason_price_high") == 3
    assert suitability_score(offer, reason="reason_relocation") == 0
    assert suitability_score(offer, need="rational") == 1
    assert suitability_score(offer, signals=frozenset({"usage_drop", "zero_calls", "competitor_hotline"})) == 2
    assert suitability_score(offer, latest_usage=light) == 1
    assert suitability_score(offer, latest_usage=heavy) == -1  # a band the customer is outside counts against


def test_warning_signals() -> None:
    steady = [_month(3), _month(4), _month(5)]
    assert warning_signals(_customer(), steady, TODAY) == frozenset()
    assert warning_signals(_customer(), [], TODAY) == frozenset()

    expiring = _customer(contract_end_date=TODAY + timedelta(days=45))
    expired_long_ago = _customer(contract_end_date=TODAY - timedelta(days=90))
    far = _customer(contract_end_date=TODAY + timedelta(days=365))
    assert "contract_expiring" in warning_signals(expiring, steady, TODAY)
    assert "contract_expiring" not in warning_signals(expired_long_ago, steady, TODAY)
    assert "contract_expiring" not in warning_signals(far, steady, TODAY)

    dropped = [_month(3), _month(4), _month(5, mou=60, dou_mb=20000)]
    assert "usage_drop" in warning_signals(_customer(), dropped, TODAY)
    tiny = [_month(3, mou=10, dou_mb=100), _month(4, mou=10, dou_mb=100), _month(5, mou=0, dou_mb=0)]
    assert "usage_drop" not in warning_signals(_customer(), tiny, TODAY)  # too little to speak of a drop

    latest = _month(5, competitor_marketing_contacts=2, zero_call_days=12, competitor_hotline_calls=1)
    assert warning_signals(_customer(), [_month(4), latest], TODAY) == {
        "competitor_marketing",
        "zero_calls",
        "competitor_hotline",
    }
    unknown = _month(5, competitor_marketing_contacts=None, zero_call_days=None, competitor_hotline_calls=None)
    assert warning_signals(_customer(contract_known=False), [_month(4), unknown], TODAY) == frozenset()
    # order of the given months does not matter: the latest month is the latest by date
    shuffled = warning_signals(_customer(), [latest, _month(4)], TODAY)
    assert shuffled == warning_signals(_customer(), [_month(4), latest], TODAY)


def test_a_line_suspended_for_debt_can_change_nothing_until_the_debt_is_paid() -> None:
    from pathlib import Path

    import yaml

    seeded = yaml.safe_load(Path("bot/db/seed/offers.yml").read_text(encoding="utf-8"))["offers"]
    changes = [o for o in seeded if o["type"] in ("套餐升级", "套餐降档", "融合业务", "保号套餐", "流量包") and o.get("monthly_price")]
    in_debt = _customer(status="欠费停机")
    for data in changes:
        offer = _offer(data.get("eligibility") or {})
        assert any("欠费停机" in p.plain for p in ineligibility_reasons(offer, in_debt, TODAY)), data["code"]


@pytest.mark.parametrize(
    ("rule", "price", "fee", "words"),
    [
        ({"min_plan_fee_ratio": 1.1}, "79.00", "169.00", "还便宜"),
        ({"min_plan_fee_ratio": 1.1}, "99.00", "99.00", "价位差不多"),
        ({"max_plan_fee_ratio": 0.75}, "29.00", "29.00", "省不了钱"),
        ({"max_plan_fee_ratio": 2.0}, "399.00", "99.00", "贵出太多"),
    ],
)
def test_the_plain_words_of_a_price_rule_say_which_way_the_price_differs(rule: dict, price: str, fee: str, words: str) -> None:
    [why] = ineligibility_reasons(_offer(rule, monthly_price=Decimal(price)), _customer(plan_fee=Decimal(fee)), TODAY)
    assert words in why.plain
