"""What a practice call is about: the real leave reason, the need, the temperament, the difficulty and a seed.

A trainee picks a scenario of the library (bot/practice/scenarios.yml: every reason × need at three
difficulties), sets one up by hand (`--reason R --need N ...`) or draws a random one; the customer who fits it is
chosen from the database when the call starts (bot/practice/profile.py).
"""

from __future__ import annotations

import random
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, Extra, validator

from bot import taxonomy

LIBRARY_FILE = Path(__file__).resolve().with_name("scenarios.yml")
NEEDS: tuple[str, ...] = ("emotional", "rational")
TEMPERAMENTS: tuple[str, ...] = ("calm", "impatient", "angry")
DIFFICULTIES: tuple[str, ...] = ("easy", "medium", "hard")
LABELS: dict[str, str] = {
    "emotional": "情感型",
    "rational": "理性型",
    "calm": "平和",
    "impatient": "急躁",
    "angry": "愤怒",
    "easy": "容易",
    "medium": "中等",
    "hard": "困难",
}
# How many questions it takes to hear the real reason after the polite one, by difficulty.
PROBES_TO_REAL: dict[str, int] = {"easy": 0, "medium": 1, "hard": 2}
MAX_SEED = 2**31 - 1


class ScenarioSpec(BaseModel):
    """A scenario as chosen; `polite_reason` is None for a customer who gives the real reason at once."""

    class Config:
        extra = Extra.forbid
        allow_mutation = False

    reason: str
    need: str
    temperament: str = "calm"
    difficulty: str = "medium"
    polite_reason: str | None = None
    seed: int = 0
    id: str | None = None
    title: str | None = None

    @validator("reason")
    def _known_reason(cls, value: str) -> str:  # noqa: N805 - pydantic validator
        if value not in taxonomy.reason_intents():
            raise ValueError(f"unknown leave reason {value!r}; expected one of {taxonomy.reason_intents()}")
        return value

    @validator("polite_reason")
    def _known_polite_reason(cls, value: str | None, values: dict[str, object]) -> str | None:  # noqa: N805
        if value is not None and value not in taxonomy.reason_intents():
            raise ValueError(f"unknown polite reason {value!r}")
        if value is not None and value == values.get("reason"):
            raise ValueError("the polite reason must differ from the real one")
        return value

    @validator("need")
    def _known_need(cls, value: str) -> str:  # noqa: N805
        return _one_of(value, NEEDS, "need")

    @validator("temperament")
    def _known_temperament(cls, value: str) -> str:  # noqa: N805
        return _one_of(value, TEMPERAMENTS, "temperament")

    @validator("difficulty")
    def _known_difficulty(cls, value: str) -> str:  # noqa: N805
        return _one_of(value, DIFFICULTIES, "difficulty")

    @validator("seed")
    def _seed_range(cls, value: int) -> int:  # noqa: N805
        if not 0 <= value <= MAX_SEED:
            raise ValueError(f"seed must be between 0 and {MAX_SEED}")
        return value

    @property
    def probes_to_real(self) -> int:
        """Questions after the polite reason before the real one comes (none without a polite reason)."""
        return PROBES_TO_REAL[self.difficulty] if self.polite_reason else 0

    def label(self) -> str:
        """「别家优惠·情感型·中等（急躁）」 for pages and reports."""
        topic = self.title or taxonomy.description(self.reason).split("（")[0]
        if self.title:
            return f"{topic}（{LABELS[self.temperament]}）"
        return f"{topic}·{LABELS[self.need]}·{LABELS[self.difficulty]}（{LABELS[self.temperament]}）"


def _one_of(value: str, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        raise ValueError(f"unknown {what} {value!r}; expected one of {list(allowed)}")
    return value


class Library(BaseModel):
    scenarios: tuple[ScenarioSpec, ...]

    @validator("scenarios")
    def _complete(cls, value: tuple[ScenarioSpec, ...]) -> tuple[ScenarioSpec, ...]:  # noqa: N805
        ids = [spec.id for spec in value]
        if None in ids or len(set(ids)) != len(ids):
            raise ValueError("every library scenario needs a unique id")
        covered = {(s.reason, s.need, s.difficulty) for s in value}
        wanted = {(r, n, d) for r in taxonomy.reason_intents() for n in NEEDS for d in DIFFICULTIES}
        if wanted - covered:
            raise ValueError(f"the library lacks {sorted(wanted - covered)}")
        return value

    def get(self, scenario_id: str) -> ScenarioSpec:
        for spec in self.scenarios:
            if spec.id == scenario_id:
                return spec
        raise KeyError(f"no scenario {scenario_id!r} in the library")

    def polite_reason_for(self, reason: str) -> str | None:
        """The polite reason the library gives a reason's medium calls (used for random scenarios)."""
        return next(
            (s.polite_reason for s in self.scenarios if s.reason == reason and s.difficulty == "medium"), None
        )


@lru_cache(maxsize=1)
def library(path: Path = LIBRARY_FILE) -> Library:
    return Library.parse_obj(yaml.safe_load(path.read_text(encoding="utf-8")))


def random_spec(seed: int) -> ScenarioSpec:
    """A scenario drawn from `seed`: any reason, need, difficulty and temperament."""
    rng = random.Random(seed)  # nosec B311 - reproducible scenarios, not security
    reason = rng.choice(taxonomy.reason_intents())
    difficulty = rng.choice(DIFFICULTIES)
    return ScenarioSpec(
        reason=reason,
        need=rng.choice(NEEDS),
        temperament=rng.choice(TEMPERAMENTS),
        difficulty=difficulty,
        polite_reason=None if difficulty == "easy" else library().polite_reason_for(reason),
        seed=rng.randrange(MAX_SEED),
    )


def spec_from_choice(
    *,
    reason: str,
    need: str,
    temperament: str | None = None,
    difficulty: str = "medium",
    seed: int = 0,
) -> ScenarioSpec:
    """A scenario set up by hand: the library's temperament and polite reason for that reason, need and
    difficulty unless a temperament is given."""
    base = next(
        (s for s in library().scenarios if (s.reason, s.need, s.difficulty) == (reason, need, difficulty)), None
    )
    return ScenarioSpec(
        reason=reason,
        need=need,
        temperament=temperament or (base.temperament if base else "calm"),
        difficulty=difficulty,
        polite_reason=base.polite_reason if base else None,
        seed=seed,
    )
