"""The five 流失倾向 warning signals of the training material, read off a customer's stored data.

协议到期 comes from the contract end date and 业务量突降 from comparing the latest month with the months before;
the other three are counts of the latest month. The thresholds are named here once so the bot, the offer rules
and the docs agree on what "多日零通话" means. A figure the operator's export did not carry (an unknown contract,
a NULL count) is unknown, and an unknown signal is not one that holds: nothing is claimed from missing data.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from bot.db.models import Customer, MonthlyUsage

CONTRACT_EXPIRING_AHEAD = timedelta(days=60)  # ends within the next two months ...
CONTRACT_EXPIRED_BEHIND = timedelta(days=30)  # ... or ended in the last month without renewal
USAGE_DROP_RATIO = 0.5  # latest MOU or DOU below half the average of the earlier months
USAGE_DROP_MIN_MOU = 30  # earlier months too small to speak of a drop below these
USAGE_DROP_MIN_DOU_MB = 500
ZERO_CALL_DAYS = 10  # 多日零通话: days without a call in the latest month


def _dropped(latest: float, earlier: Sequence[float], floor: float) -> bool:
    average = sum(earlier) / len(earlier)
    return average >= floor and latest < USAGE_DROP_RATIO * average


def _known_at_least(count: int | None, threshold: int) -> bool:
    """None is a count the export did not carry: not known to reach anything."""
    return count is not None and count >= threshold


def warning_signals(customer: Customer, usage: Sequence[MonthlyUsage], today: date) -> frozenset[str]:
    """The signals known to hold for `customer` given its usage months (any order) on `today`."""
    signals: set[str] = set()
    end = customer.contract_end_date  # None also when the contract is unknown
    if end is not None and today - CONTRACT_EXPIRED_BEHIND <= end <= today + CONTRACT_EXPIRING_AHEAD:
        signals.add("contract_expiring")
    if not usage:
        return frozenset(signals)
    months = sorted(usage, key=lambda row: row.month)
    latest, earlier = months[-1], months[:-1]
    if earlier and (
        _dropped(latest.mou, [row.mou for row in earlier], USAGE_DROP_MIN_MOU)
        or _dropped(latest.dou_mb, [row.dou_mb for row in earlier], USAGE_DROP_MIN_DOU_MB)
    ):
        signals.add("usage_drop")
    if _known_at_least(latest.competitor_marketing_contacts, 1):
        signals.add("competitor_marketing")
    if _known_at_least(latest.zero_call_days, ZERO_CALL_DAYS):
        signals.add("zero_calls")
    if _known_at_least(latest.competitor_hotline_calls, 1):
        signals.add("competitor_hotline")
    return frozenset(signals)
