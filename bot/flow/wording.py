"""How an offer is put into words ({offer_price}, {offer_term}, {current_cost} …): 实事求是, no rounding in our
favour beyond the 元. A plan is said as its monthly fee, an add-on as what it adds to the bill, a one-off as
its value without a monthly fee.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from bot.flow.facts import PLAN_TYPES, OfferFacts


def yuan(amount: Decimal | float) -> str:
    """59 → 「59」, 12.5 → 「12.5」."""
    return f"{Decimal(str(amount)):.2f}".rstrip("0").rstrip(".")


def whole_yuan(amount: Decimal) -> str:
    return str(Decimal(amount).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def price_phrase(offer: OfferFacts) -> str:
    """「每月59元」, 「每月加20元」, 「免费（价值90元）」, 「价值100元，不增加月费」."""
    monthly, one_off = offer.monthly_price, offer.one_off_value
    if monthly is None:
        return f"价值{yuan(one_off)}元，不增加月费" if one_off else "不增加月费"
    if offer.type in PLAN_TYPES:
        return f"每月{yuan(monthly)}元"
    if monthly == 0:
        return f"免费（价值{yuan(one_off)}元）" if one_off else "免费"
    return f"每月加{yuan(monthly)}元"


def term_phrase(offer: OfferFacts) -> str:
    """「需续约12个月」, 「有效期6个月，不用签协议」 or 「不绑定合约期」: a binding term is never hidden."""
    if offer.binds:
        return f"需续约{offer.term_months}个月" if offer.term_months else "需要签订协议"
    return f"有效期{offer.term_months}个月，不用签协议" if offer.term_months else "不绑定合约期"


def reason_sentence(offer: OfferFacts) -> str:
    """The offer's description (what the bot may say), without the price said just before it."""
    text = offer.description.strip()
    if offer.monthly_price is not None:
        text = re.sub(rf"^每月{re.escape(yuan(offer.monthly_price))}元[，,]", "", text)
    return text if text.endswith(("。", "！", "？")) else f"{text}。"


def offer_params(offer: OfferFacts, current_cost: Decimal | None) -> dict[str, str]:
    """Every placeholder an offer line may use."""
    params = {
        "offer_name": offer.name,
        "offer_price": price_phrase(offer),
        "offer_term": term_phrase(offer),
        "offer_reason": reason_sentence(offer),
    }
    if current_cost is not None:
        total = offer.monthly_total(current_cost)
        params |= {
            "current_cost": f"约{whole_yuan(current_cost)}元",
            "offer_total": f"每月{yuan(total)}元" if offer.type in PLAN_TYPES else f"每月约{whole_yuan(total)}元",
            "saving": f"{whole_yuan(current_cost - total)}元",
        }
    return params
