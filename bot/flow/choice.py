"""Which product a customer means when they say yes: 「第二个」「8元那个」「最便宜那个」「保号吧」「就辦停機保號」.

Language is learned, business is decided: the NLU only says the message accepts something; this module finds
*what*, by rules over the offers proposed in this conversation and then the catalogue, and says when the
message commits to nothing at all (waiting, thanks, 「那就这样」), which must never enrol anyone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from bot.flow.facts import OfferFacts
from bot.nlu.chinese_numbers import chinese_to_int
from bot.nlu.text_normalization import normalize_text

# Words that put a decision off or close the talk: never an acceptance, whatever the NLU read.
NOT_A_COMMITMENT = re.compile(
    r"等(你们|您|人|消息|通知|回复|结果|着|师傅|上门|回电|电话)|考虑|想想|再说|回头|商量|看看再|再看看|以后再|那就这样|就这样吧|先这样"
    r"|再见|拜拜"
    r"|告诉我|通知我|联系我|回复我|再联系"
)
_ORDINALS: tuple[tuple[str, int], ...] = (
    ("第一", 0), ("头一", 0), ("前面", 0), ("上一个", 0), ("第二", 1), ("后面", -1), ("刚才", -1),
    ("第三", 2), ("最后", -1),
)
_CHEAPEST = re.compile(r"最便宜|便宜的那|便宜那|最省钱|最低")
_DEAREST = re.compile(r"最贵|贵的那|贵那")
# A price that names a plan: 「8元那个」「59的」「29块的」「三十九元套餐」, not an amount such as 「多出来的59块」.
_NUMBER = re.compile(r"(\d+(?:\.\d+)?|[一二两三四五六七八九十百]+)\s*(?:元|块)?\s*(?:的|那|套餐|保号)")
# Type words a customer uses for a kind of offer.
TYPE_WORDS: tuple[tuple[str, str], ...] = (
    ("保号", "保号套餐"), ("停机", "保号套餐"), ("提速", "宽带提速"), ("千兆", "宽带提速"), ("组网", "宽带提速"),
    ("降档", "套餐降档"), ("降套餐", "套餐降档"), ("融合", "融合业务"), ("移机", "融合业务"), ("副卡", "融合业务"),
    ("流量包", "流量包"), ("换机", "终端更换"), ("新机", "终端更换"), ("以旧换新", "终端更换"), ("升级", "套餐升级"),
    ("会员", "增值业务"),
)
# Characters too common in offer names to identify one (a name fragment needs two others).
_COMMON = set("套餐元办理每月个的（）()「」，,0123456789加送免费包")
# Two-character words every other offer name has: they name a kind (TYPE_WORDS), not an offer.
_GENERIC = frozenset(
    {"宽带", "流量", "提速", "手机", "通话", "畅享", "天翼", "升级", "改签", "融合", "保号", "补贴", "会员", "号码", "全国",
     "话费", "服务", "家庭", "视频"}
)


@dataclass(frozen=True)
class Choice:
    """The offer a message picks; `named`: the customer said which (by price, order, type or name)."""

    code: str | None
    named: bool


def is_non_commitment(text: str) -> bool:
    return bool(NOT_A_COMMITMENT.search(normalize_text(text)))


def _amounts(text: str) -> list[Decimal]:
    found = []
    for match in _NUMBER.finditer(text):
        raw = match.group(1)
        value = Decimal(raw) if raw[0].isdigit() else chinese_to_int(raw)
        if value is not None:
            found.append(Decimal(value))
    return found


def _fragments(name: str) -> set[str]:
    """Pieces of an offer's name a customer may use for it: 「停机保号」「千兆」「以旧换新」 (not 「宽带」)."""
    core = re.sub(r"（.*?）|\(.*?\)", "", normalize_text(name))
    threes = {core[i : i + 3] for i in range(len(core) - 2) if sum(ch not in _COMMON for ch in core[i : i + 3]) >= 2}
    twos = {
        core[i : i + 2]
        for i in range(len(core) - 1)
        if not set(core[i : i + 2]) & _COMMON and core[i : i + 2] not in _GENERIC
    }
    return threes | twos


def _by_order(text: str, offers: Sequence[OfferFacts]) -> OfferFacts | None:
    """「第二个」「最便宜那个」: only among the offers put to the customer, in the order they were put."""
    for word, index in _ORDINALS:
        if word in text and -len(offers) <= index < len(offers):
            return offers[index]
    if offers and _CHEAPEST.search(text):
        return min(offers, key=lambda o: o.monthly_price or Decimal(0))
    if offers and _DEAREST.search(text):
        return max(offers, key=lambda o: o.monthly_price or Decimal(0))
    return None


def _by_price(text: str, offers: Sequence[OfferFacts]) -> OfferFacts | None:
    amounts = _amounts(text)
    priced = [o for o in offers if o.monthly_price is not None and Decimal(o.monthly_price) in amounts]
    return priced[-1] if priced else None


def _by_name(text: str, offers: Sequence[OfferFacts]) -> OfferFacts | None:
    named = [o for o in offers if any(fragment in text for fragment in _fragments(o.name))]
    return named[-1] if named else None


def _by_type(text: str, offers: Sequence[OfferFacts]) -> OfferFacts | None:
    types = [kind for word, kind in TYPE_WORDS if word in text]
    typed = [o for o in offers if o.type in types]
    return typed[-1] if typed else None


def resolve_choice(
    text: str,
    proposed: Sequence[OfferFacts],
    catalogue: Sequence[OfferFacts],
    *,
    eligible_only: bool = True,
    own_fee: Decimal | None = None,
) -> Choice:
    """The offer `text` picks: among those proposed (latest last) first, then anywhere in the catalogue
    (only offers the customer may have, unless `eligible_only` is False: then the caller says why not).

    Nothing named: the latest proposal (「好，就办这个」), `named` False. A message that commits to nothing
    picks nothing. A price equal to the customer's own plan fee (`own_fee`) is their plan (「我这个39的有多少
    分钟」「129的继续用划算吗」), not a catalogue product of that price, unless such a product was put to them.
    """
    normalized = normalize_text(text)
    if NOT_A_COMMITMENT.search(normalized):
        return Choice(None, False)
    # Eligible offers last, so that among equally named ones `[-1]` picks one the customer may have.
    candidates = sorted(
        (o for o in catalogue if o.eligible or not eligible_only), key=lambda o: (o.eligible, -(o.monthly_price or 0))
    )
    picked = _by_order(normalized, proposed)
    not_own_plan = [o for o in candidates if own_fee is None or o.monthly_price != own_fee]
    for rule in (_by_price, _by_name, _by_type):
        if picked is None:
            picked = rule(normalized, proposed) or rule(normalized, not_own_plan if rule is _by_price else candidates)
    if picked is not None:
        return Choice(picked.code, True)
    if any(word in normalized for word, _ in _ORDINALS):
        return Choice(None, True)  # 「第三个」 of two, named no other way: ask which, never guess
    return Choice(proposed[-1].code if proposed else None, False)
