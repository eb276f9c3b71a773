"""`retention-bot practice`: the library listing, and the non-interactive JSON run — one object per turn with the
contract's fields, a final object with the score, and the same output for the same seed and replies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.practice.call import PracticeEngine
from practice_testing import PRACTICE_DAY, practice_engine

TURN_FIELDS = {"turn", "customer", "trainee", "acts", "expected_act", "feedback", "recommended"}
REPLIES = [
    "您好，我是中国电信客服专员，请问您想销户是什么原因呢？",
    "除了这个，还有别的原因吗？",
    "非常理解您的心情，给您添麻烦了。",
    "我已经为您提交了处理单，明天下午6点前会有专人联系您。",
    "感谢您的耐心，祝您生活愉快，再见！",
]


@pytest.fixture
def cli_env(dialogue_database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The seeded demo database as DATABASE_URL, and the engine already loaded (the command would load it)."""
    engine = practice_engine()
    monkeypatch.setenv("DATABASE_URL", dialogue_database_url)
    monkeypatch.setattr(PracticeEngine, "load", classmethod(lambda cls: engine))
    replies = tmp_path / "replies.txt"
    replies.write_text("\n".join(REPLIES) + "\n", encoding="utf-8")
    return replies


def run_json(replies: Path, capsys: pytest.CaptureFixture[str]) -> list[dict]:
    args = ["practice", "--reason", "reason_billing_error", "--need", "emotional", "--difficulty", "medium",
            "--seed", "5", "--replies", str(replies), "--json", "--today", PRACTICE_DAY.isoformat()]
    assert main(args) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_the_json_run_prints_one_object_per_turn_and_a_report(
    cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = run_json(cli_env, capsys)
    *turns, final = first
    assert turns and all(set(turn) == TURN_FIELDS for turn in turns)
    assert [turn["trainee"] for turn in turns] == REPLIES[: len(turns)]
    assert {"score", "breakdown", "outcome"} <= set(final)
    assert 0 <= final["score"] <= 100
    assert [point["id"] for point in final["breakdown"]] == [
        "rapport", "probing", "need", "offer", "keep_number", "follow_up"
    ]
    assert run_json(cli_env, capsys) == first  # the same seed and replies give the same output


def test_the_library_is_listed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["practice", "--list"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 66


def test_a_half_chosen_scenario_is_refused(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["practice", "--reason", "reason_price_high", "--replies", str(cli_env)]) == 1
    assert "--need" in capsys.readouterr().err
