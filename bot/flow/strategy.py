"""Each leave reason's retention strategy, read from strategies.yml (the one place that holds it).

The flow never spells out a reason's behaviour in code: which ticket a fault calls for, which kinds of offer
answer it and what they may cost, whether a keep-number plan is an answer and how to probe the reason are all
read from here, so a trainer changes a strategy in one file and both the bot and practice mode follow.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, Extra, validator

from bot import taxonomy
from bot.db.models.vocabulary import CHURN_BANDS, OFFER_TYPES, TICKET_KINDS

STRATEGIES_FILE = Path(__file__).resolve().with_name("strategies.yml")


class _Strict(BaseModel):
    class Config:
        extra = Extra.forbid
        allow_mutation = False


class ReasonStrategy(_Strict):
    topic: str
    fix: str | None
    follow_up: str | None = None
    offer_types: tuple[str, ...]
    cost_ceiling: Decimal
    must_lower_cost: bool
    no_term_first: bool
    keep_number: bool
    probe: str

    @validator("fix", "follow_up")
    def _known_ticket_kind(cls, value: str | None) -> str | None:  # noqa: N805 - pydantic validator
        if value is not None and value not in TICKET_KINDS:
            raise ValueError(f"unknown ticket kind {value!r}; allowed: {list(TICKET_KINDS)}")
        return value

    @validator("offer_types", each_item=True)
    def _known_offer_type(cls, value: str) -> str:  # noqa: N805
        if value not in OFFER_TYPES:
            raise ValueError(f"unknown offer type {value!r}; allowed: {list(OFFER_TYPES)}")
        return value


class LightUser(_Strict):
    max_mou: int
    max_dou_mb: int


class Generosity(_Strict):
    churn_bands: tuple[str, ...]
    min_arpu: Decimal
    min_tenure_months: int

    @validator("churn_bands", each_item=True)
    def _known_band(cls, value: str) -> str:  # noqa: N805
        if value not in CHURN_BANDS:
            raise ValueError(f"unknown churn band {value!r}")
        return value


class GeneralFact(_Strict):
    words: str  # a regular expression over the normalised question
    fact: str

    @validator("words")
    def _valid_pattern(cls, value: str) -> str:  # noqa: N805
        re.compile(value)
        return value


class Strategies(_Strict):
    reasons: dict[str, ReasonStrategy]
    light_user: LightUser
    generous_when: Generosity
    min_saving: Decimal
    max_phone_asks: int
    general_facts: tuple[GeneralFact, ...] = ()

    def general_fact(self, text: str) -> str | None:
        return next((item.fact for item in self.general_facts if re.search(item.words, text)), None)

    @validator("reasons")
    def _every_reason_once(cls, value: dict[str, ReasonStrategy]) -> dict[str, ReasonStrategy]:  # noqa: N805
        expected = set(taxonomy.reason_intents())
        if set(value) != expected:
            raise ValueError(
                f"strategies must cover exactly the taxonomy's reasons; missing {sorted(expected - set(value))}, "
                f"unknown {sorted(set(value) - expected)}"
            )
        return value

    def of(self, reason: str | None) -> ReasonStrategy | None:
        return self.reasons.get(reason or "")


def load_strategies(path: Path = STRATEGIES_FILE) -> Strategies:
    """The strategies of `path`; pydantic's ValidationError names the reason and key of every problem."""
    return Strategies.parse_obj(yaml.safe_load(path.read_text(encoding="utf-8")))


@lru_cache(maxsize=1)
def strategies() -> Strategies:
    """The project's strategies, read once per process."""
    return load_strategies()
