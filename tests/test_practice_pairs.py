"""The independent pairs of tests/practice_pairs/ (written from the seeds before the scorer existed, by someone who
had not seen it): for every leave reason × need the well-run call scores at least 70, the poor one at most 50,
and they are at least 25 points apart."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.practice.call import PracticeEngine
from bot.practice.scenario import spec_from_choice
from practice_testing import PAIRS_DIR, play, practice_engine

GOOD, POOR, GAP = 70, 50, 25


def pairs() -> list[tuple[str, dict]]:
    found = []
    for path in sorted(Path(PAIRS_DIR).glob("*.yml")):
        for pair in yaml.safe_load(path.read_text(encoding="utf-8")):
            scenario = pair["scenario"]
            found.append((f"{scenario['reason']}-{scenario['need']}", pair))
    return found


def test_the_pairs_cover_every_reason_and_need() -> None:
    from bot import taxonomy

    covered = {(pair["scenario"]["reason"], pair["scenario"]["need"]) for _, pair in pairs()}
    assert covered == {(r, n) for r in taxonomy.reason_intents() for n in ("emotional", "rational")}


@pytest.fixture(scope="module")
def engine() -> PracticeEngine:
    return practice_engine()


@pytest.mark.parametrize("pair", [pair for _, pair in pairs()], ids=[name for name, _ in pairs()])
def test_a_pair_is_told_apart(engine: PracticeEngine, dialogue_database_url: str, pair: dict) -> None:
    spec = spec_from_choice(**pair["scenario"])
    good = play(engine, dialogue_database_url, spec, pair["good"]).report.score.score
    poor = play(engine, dialogue_database_url, spec, pair["poor"]).report.score.score
    assert good >= GOOD, f"well-run call scored {good}"
    assert poor <= POOR, f"poor call scored {poor}"
    assert good - poor >= GAP
