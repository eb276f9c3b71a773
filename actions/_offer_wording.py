"""The phrases an offer is presented with ({offer_price}, {offer_reason}, {current_cost}; docs/SCRIPTS_CORPUS.md).

Prices are said the way the customer pays them: a plan as its monthly fee, an add-on as what it adds to the
bill, a one-off as its value without a monthly fee; comparisons in whole 元 per month (实事求是, no rounding
in our favour beyond the 元).
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from actions._offer_choice import PLAN_TYPES, monthly_total
from bot.db.models import Offer


def yuan(amount: Decimal) -> str:
    """59 → 「59」, 12.5 → 「12.5」."""
    return f"{Decimal(amount):.2f}".rstrip("0").rstrip(".")


def price_phrase(offer: Offer) -> str:
    """{offer_price}: e.g. 「每月59元」, 「每月加20元」, 「免费（价值90元）」, 「价值100元，不增加月费」."""
    monthly, one_off = offer.monthly_price, offer.one_off_value
    if monthly is None:
        return f"价值{yuan(one_off)}元，不增加月费" if one_off else "不增加月费"
    if offer.type in PLAN_TYPES:
        return f"每月{yuan(monthly)}元"
    if monthly == 0:
        return f"免费（价值{yuan(one_off)}元）" if one_off else "免费"
    return f"每月加{yuan(monthly)}元"


def reason_sentence(offer: Offer) -> str:
    """{offer_reason}: the offer's description (what the bot may say), without the price said just before it."""
    text = offer.description.strip()
    if offer.monthly_price is not None:
        text = re.sub(rf"^每月{re.escape(yuan(offer.monthly_price))}元[，,]", "", text)
    return text if text.endswith(("。", "！", "？")) else f"{text}。"


def _whole_yuan(amount: Decimal) -> str:
    return str(Decimal(amount).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def cost_phrase(monthly_cost: Decimal) -> str:
    """{current_cost}: 「约128元」."""
    return f"约{_whole_yuan(monthly_cost)}元"


def total_phrase(offer: Offer, monthly_cost: Decimal) -> str:
    """{offer_price} of the cost comparison: the whole monthly bill with the offer."""
    if offer.type in PLAN_TYPES and offer.monthly_price is not None:
        return f"每月{yuan(offer.monthly_price)}元"
    return f"每月约{_whole_yuan(monthly_total(offer, monthly_cost))}元"
