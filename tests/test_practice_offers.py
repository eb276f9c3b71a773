"""Which offer a trainee's reply puts to the customer (bot/practice/offers.py)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from bot.flow.strategy import strategies
from bot.practice.offers import mentioned_offer
from test_flow_rules import _customer


def test_the_customers_own_plan_described_by_its_price_is_no_offer() -> None:
    """Practice trial of 7 December: 「您现在的129元融合套餐…」 was scored as proposing the 129元 catalogue plan."""
    facts = replace(_customer(200, 3000, 59), plan_fee=Decimal("59"), plan_name="天翼畅享59元套餐")
    about_theirs = mentioned_offer(
        "您现在的59元套餐，用下来主要是觉得价格不合适吗？", facts, strategies(), "reason_price_high",
        exclude=(), first=True,
    )
    assert about_theirs is None or about_theirs.code != "DWN-59"
    offered = mentioned_offer(
        "给您改签天翼畅享59元套餐，每月59元。", facts, strategies(), "reason_price_high", exclude=(), first=True
    )
    assert offered is not None and offered.code == "DWN-59"


def test_hurrying_a_ticket_along_is_no_upgrade_offer() -> None:
    """Practice trial of 7 December: 「给您升级成加急处理」 was scored as proposing 「升级5G畅享199元套餐」."""
    facts = _customer(300, 9000, 99)
    for text in ("我这边给您升级成加急处理，今天下午6点前回复您。", "已经给您的工单升级为优先处理了"):
        assert mentioned_offer(text, facts, strategies(), "reason_network_quality", exclude=(), first=True) is None
    upgrade = mentioned_offer("给您升级到79元的套餐", facts, strategies(), "reason_contract_end", exclude=(), first=True)
    assert upgrade is not None and upgrade.code == "UPG-79"
