"""The simulated customer's words: customer NLU training examples of the intent and need the state calls for,
kept only when they fit the profile and filled with its values (bot/practice/lines.yml).

Training examples are what customers really write, already labelled with intent and need, so the simulator
never invents a phrasing the customer model was not built for; the challenge and holdout sets of tests/data/
are never used (they measure the model). Whether a filled line still means what the simulator meant is for the
customer model to say (bot/practice/readback.py). The order of the candidates is fixed by the seed.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path

import yaml

from bot.nlu.chinese_numbers import chinese_to_int
from bot.nlu.dataset import read_examples
from bot.nlu.text_normalization import normalize_text
from bot.practice.profile import Profile
from bot.taxonomy import REASON_PREFIX

RULES_FILE = Path(__file__).resolve().with_name("lines.yml")
GENERIC_COMPETITORS = "其他运营商"  # 别家, 隔壁 … stay as the customer said them
OUR_COMPANY = "中国电信"  # named as a competitor in some examples; here it is us, so it becomes the competitor
MAX_AMOUNTS = 2
DATA_SLACK_GB = 2
WISHED = re.compile(r"\s*(块钱|元|块)?\s*(以内|以下|之内|上下)")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
LEAVING = "request_cancel"
CJK = re.compile(r"[\u4e00-\u9fff]")
CHINESE_DIGITS = "零〇一二两三四五六七八九十"
# Words by which a customer points at the competitor they were just talking about.
COMPETITOR_POINTERS = ("那边", "对方", "他们", "人家")


@dataclass(frozen=True)
class LineRules:
    fit: dict[str, re.Pattern[str]]
    generic_answers: frozenset[str]
    chinese_only: frozenset[str]  # intents whose lines hold no Latin words
    cities: re.Pattern[str]
    money: tuple[re.Pattern[str], ...]
    plan_money: re.Pattern[str]
    data: re.Pattern[str]
    years: re.Pattern[str]
    competitors: re.Pattern[str]  # named competitors (and our own name) in the gazetteer
    other_competitors: re.Pattern[str]  # 别家, 隔壁 …
    phones: tuple[re.Pattern[str], ...]  # the gazetteer's device models that are phones


def _pattern(value: str | list[str]) -> str:
    return "|".join(map(re.escape, value)) if isinstance(value, list) else value


@lru_cache(maxsize=1)
def load_rules(path: Path = RULES_FILE) -> LineRules:
    from bot.config import get_settings

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    gazetteer = yaml.safe_load((get_settings().nlu_data_dir / "gazetteer.yml").read_text(encoding="utf-8"))
    phrases = gazetteer["competitor"]["phrases"]

    def alternation(words: set[str]) -> re.Pattern[str]:
        return re.compile("|".join(sorted(map(re.escape, words), key=len, reverse=True)), re.IGNORECASE)

    named = {str(p) for canonical, group in phrases.items() if canonical != GENERIC_COMPETITORS for p in group}
    named |= {canonical for canonical in phrases if canonical != GENERIC_COMPETITORS}
    return LineRules(
        fit={name: re.compile(_pattern(value)) for name, value in data["fit"].items()},
        generic_answers=frozenset(data["generic_answers"]),
        chinese_only=frozenset(data["chinese_only"]),
        cities=alternation(set(data["cities"])),
        money=tuple(re.compile(pattern, re.IGNORECASE) for pattern in data["money"]),
        plan_money=re.compile(data["plan_money"], re.IGNORECASE),
        data=re.compile(data["data"]),
        years=re.compile(data["years"]),
        competitors=alternation(named),
        other_competitors=alternation({str(p) for p in phrases[GENERIC_COMPETITORS]}),
        phones=tuple(re.compile(p, re.IGNORECASE) for p in gazetteer["device"]["regex"]),
    )


@lru_cache(maxsize=2)
def examples_by_label(directory: Path) -> dict[tuple[str, str], tuple[str, ...]]:
    """The training examples of every (intent, need), in file order; an example without a need is `none`."""
    grouped: dict[tuple[str, str], list[str]] = {}
    for example in read_examples([directory]):
        grouped.setdefault((example.intent, example.need or "none"), []).append(example.text)
    return {label: tuple(texts) for label, texts in grouped.items()}


def default_examples() -> dict[tuple[str, str], tuple[str, ...]]:
    from bot.config import get_settings

    return examples_by_label(get_settings().nlu_data_dir / "customer")


@lru_cache(maxsize=8192)
def _is_traditional(text: str) -> bool:
    """The trainee's screen is in simplified characters; a line typed in traditional ones is left out."""
    return any(CJK.match(ch) and normalize_text(ch) != ch for ch in text)


def _number(raw: str) -> Decimal | None:
    """The sum in digits or Chinese numerals; None for a bare 「百」 or 「千」 (「几百块」 is no sum to replace)."""
    if raw[0].isdigit():
        return Decimal(raw)
    value = chinese_to_int(raw) if raw[0] in CHINESE_DIGITS else None
    return Decimal(value) if value is not None else None


def _yuan(value: Decimal, vague: bool) -> str:
    """How the customer says a sum they pay: 「138」, or 「130多」 when they said it loosely."""
    whole = int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return f"{whole // 10 * 10}多" if vague and whole >= 20 else str(whole)


class LineBook:
    """The lines one simulated customer may say, fitted to their profile."""

    def __init__(
        self,
        profile: Profile,
        seed: int,
        *,
        examples: dict[tuple[str, str], tuple[str, ...]] | None = None,
        rules: LineRules | None = None,
    ) -> None:
        self.profile = profile
        self.seed = seed
        self.examples = examples if examples is not None else default_examples()
        self.rules = rules or load_rules()
        self._candidates: dict[tuple[str, str], list[str]] = {}

    def candidates(self, intent: str, need: str) -> list[str]:
        """Every example of (intent, need) that fits the profile, filled, in the seed's order (worked out once
        per book: a call keeps its book between replies)."""
        if (intent, need) not in self._candidates:
            filled = [self.fill(text, intent) for text in self.examples.get((intent, need), ())]
            lines = list(dict.fromkeys(line for line in filled if line))
            self._candidates[(intent, need)] = sorted(
                lines, key=lambda line: zlib.crc32(f"{self.seed}|{intent}|{need}|{line}".encode())
            )
        return self._candidates[(intent, need)]

    def fill(self, text: str, intent: str) -> str | None:
        """The example with the profile's values in it, or None when it contradicts the profile."""
        if _is_traditional(text) or not self._fits(text):
            return None
        if (intent.startswith(REASON_PREFIX) or intent == LEAVING) and self.rules.fit["question"].search(text):
            return None
        if intent in self.rules.generic_answers and (
            self.rules.fit["product"].search(text) or self.rules.fit["identity"].search(text)
        ):
            return None
        if intent in self.rules.chinese_only and LATIN_WORD.search(text):
            return None
        filled: str | None = text
        for step in (self._competitor, self._places, self._money, self._years, self._device):
            filled = step(filled, intent)
            if filled is None:
                return None
        return filled

    def _competitor(self, text: str, intent: str) -> str:
        short = self.profile.competitor_short
        return self.rules.competitors.sub(short, text) if intent == "reason_competitor_offer" and short else text

    def _device(self, text: str, intent: str) -> str:
        """A phone named is the profile's (「iPhone16买的时候顺便办的」 from a Xiaomi user); a competitor's gift
        phone is theirs."""
        if intent == "reason_competitor_offer":
            return text
        for pattern in self.rules.phones:
            text = pattern.sub(self.profile.device_model, text)
        return text

    def _fits(self, text: str) -> bool:
        fit, profile = self.rules.fit, self.profile
        if fit["broadband"].search(text) and not profile.has_broadband:
            return False
        if fit["light"].search(text) and profile.heavy or fit["heavy"].search(text) and profile.light:
            return False
        if fit["contract"].search(text) and profile.contract_end is None:
            return False
        return not (fit["abroad"].search(text) or fit["household"].search(text)) and self._data_fits(text)

    def _places(self, text: str, intent: str) -> str | None:
        """A relocating customer's city is the destination; anyone else's is the city on record."""
        named = set(self.rules.cities.findall(text))
        if len(named) > 1:
            return None
        place = self.profile.destination if intent == "reason_relocation" and self.profile.destination else None
        return self.rules.cities.sub(place or self.profile.city, text) if named else text

    def _money(self, text: str, intent: str) -> str | None:
        """Sums become the profile's: the competitor's price next to a competitor, the wrong charge of a billing
        error, the plan fee before 「套餐」, else what the customer pays a month."""
        profile = self.profile
        spans = [(m, "plan") for m in self.rules.plan_money.finditer(text)]
        for pattern in self.rules.money:
            spans += [
                (m, "money")
                for m in pattern.finditer(text)
                if not any(s.start("num") <= m.start("num") < s.end("num") for s, _ in spans)
            ]
        if len(spans) > MAX_AMOUNTS or (intent == "reason_billing_error" and len(spans) > 1):
            return None
        cost = profile.monthly_cost or profile.plan_fee
        pieces, last = [], 0
        for match, kind in sorted(spans, key=lambda item: item[0].start("num")):
            if _number(match.group("num")) is None or text[: match.start("num")].endswith("几"):
                return None
            if WISHED.match(text, match.end()):
                return None  # 「有没有79块以内的」: a sum wished for is no sum paid, and the profile holds none
            vague = bool(match.groupdict().get("vague"))
            if intent == "reason_competitor_offer" and profile.competitor_price and self._near_competitor(text, match):
                value = Decimal(profile.competitor_price)
            elif intent == "reason_billing_error" and profile.overcharge:
                value = Decimal(profile.overcharge)
            elif kind == "plan":
                value = profile.plan_fee
            else:
                value = cost
            end = match.end("vague") if vague else match.end("num")
            pieces += [text[last : match.start("num")], _yuan(value, vague)]
            last = end
        return "".join(pieces) + text[last:]

    def _data_fits(self, text: str) -> bool:
        """「流量一个月四十多G」 only from a customer who uses about that much (half to twice, or within 2 GB); the
        competitor's allowance (「联通19块就有30G」) is theirs to quote."""
        used = (self.profile.dou_mb or 0) / 1024
        for match in self.rules.data.finditer(text):
            raw = match.group("num")
            if raw in ("4", "5") and not (match.group("vague") or match.group("unit")):
                continue  # 4G / 5G: the network
            said = _number(raw)
            if said is None or self._near_competitor(text, match):
                continue
            amount = float(said)
            if not (used / 2 <= amount <= used * 2 or abs(amount - used) <= DATA_SLACK_GB):
                return False
        return True

    def _near_competitor(self, text: str, match: re.Match[str]) -> bool:
        """A sum said in the same clause as a competitor, after it, is the competitor's price."""
        start = max(text.rfind(mark, 0, match.start("num")) for mark in "，,。！？；;") + 1
        before = text[start : match.start("num")]
        short = self.profile.competitor_short or ""
        pointed = any(word in before for word in COMPETITOR_POINTERS)
        return bool(short and short in before) or pointed or bool(self.rules.other_competitors.search(before))

    def _years(self, text: str, _intent: str) -> str | None:
        """「用了十年」 is the customer's tenure; a customer of less than a year says no such thing."""
        if not self.rules.years.search(text):
            return text
        years = self.profile.tenure_months // 12
        if years < 1:
            return None
        return self.rules.years.sub(f"{years}年", text)
