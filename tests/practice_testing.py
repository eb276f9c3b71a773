"""Shared pieces of the practice tests (tests/test_practice_*.py), imported by them like auth_testing.py.

The trained agent-act and customer models are loaded once per test process (never trained here; missing models
skip the tests on a developer machine and fail them under CI), the read-back cache lives in a temporary
directory (the verdicts are recomputed, not taken from var/), and calls are played on the session's seeded demo
database (conftest `dialogue_database_url`: 500 customers, seed 7, as `make run` seeds it).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import pytest

from bot.db.session import session_scope
from bot.practice.call import CallState, PracticeEngine, Report, TurnResult
from bot.practice.scenario import ScenarioSpec

# A fixed day: the same customers fit the same reasons in every run (contract ends are dated).
PRACTICE_DAY = date.today()
PAIRS_DIR = Path(__file__).resolve().parent / "practice_pairs"


def _model(role: str) -> Path:
    from bot.nlu.training import ModelNotFoundError, find_model

    try:
        return find_model(role)
    except ModelNotFoundError as exc:
        if os.environ.get("CI"):
            pytest.fail(str(exc))
        pytest.skip(str(exc))


@lru_cache(maxsize=1)
def _loaded_engine(agent: Path, customer: Path) -> PracticeEngine:
    from bot.logging_setup import configure_rasa_structlog
    from bot.nlu.parser import NluParser

    configure_rasa_structlog()
    cache = Path(tempfile.mkdtemp(prefix="practice-readback-"))
    return PracticeEngine(NluParser.load("agent", agent), NluParser.load("customer", customer), cache_dir=cache)


def practice_engine() -> PracticeEngine:
    """The engine on the trained models, loaded once for all practice tests of this process."""
    return _loaded_engine(_model("agent"), _model("customer"))


@dataclass
class PlayedCall:
    state: CallState
    turns: list[TurnResult]
    report: Report


async def play_async(engine: PracticeEngine, url: str, spec: ScenarioSpec, replies: Sequence[str]) -> PlayedCall:
    """Start a call and send `replies` until the call ends; the report of the call as it stands."""
    with session_scope(url) as session:
        state = engine.prepare(session, spec, PRACTICE_DAY)[0]
        facts = engine.facts(session, state)
    await engine.open(state, facts)
    turns = []
    for text in replies:
        if state.ended:
            break
        turns.append(await engine.reply(state, facts, text))
    return PlayedCall(state, turns, engine.report(state))


def play(engine: PracticeEngine, url: str, spec: ScenarioSpec, replies: Sequence[str]) -> PlayedCall:
    return asyncio.run(play_async(engine, url, spec, replies))
