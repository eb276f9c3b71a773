"""`retention-bot parse`: one JSON object per input line on stdout, errors as objects, logs on stderr."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.taxonomy import customer_intents, needs

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def run_parse(stdin: bytes, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "parse", *args],
        input=stdin,
        capture_output=True,
        cwd=PROJECT_ROOT,
        timeout=300,
    )


@pytest.fixture(scope="module")
def parsed(tiny_nlu_model: Path) -> tuple[list[dict], subprocess.CompletedProcess[bytes]]:
    lines = [
        "你們的資費太貴了，移動才58元".encode(),
        b"",
        "   ".encode(),
        b"\xff\xfe\xfa broken",
        "/greet".encode(),
        "信号差，我的号码13812345678，手机是华为Mate60".encode(),
        "\ufeff你好".encode(),
    ]
    result = run_parse(b"\n".join(lines) + b"\n", "--model", str(tiny_nlu_model))
    objects = [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]
    return objects, result


def test_one_json_object_per_input_line_and_nothing_else(parsed) -> None:
    objects, result = parsed
    assert result.returncode == 0, result.stderr.decode()
    assert len(objects) == 7
    assert result.stdout.decode("utf-8").count("\n") == 7


def test_parsed_lines_follow_the_contract(parsed) -> None:
    objects, _ = parsed
    good = [objects[i] for i in (0, 4, 5, 6)]
    for item in good:
        assert "error" not in item
        assert item["intent"]["name"] in customer_intents()
        assert 0.0 <= item["intent"]["confidence"] <= 1.0
        assert item["need"]["name"] in needs()
        assert 0.0 <= item["need"]["confidence"] <= 1.0
        for entity in item["entities"]:
            assert set(entity) == {"entity", "value", "start", "end"}
    assert objects[0]["text"] == "你們的資費太貴了，移動才58元"


def test_entities_point_into_the_original_text(parsed) -> None:
    objects, _ = parsed
    first = {e["entity"]: e for e in objects[0]["entities"]}
    assert first["competitor"]["value"] == "中国移动"
    assert objects[0]["text"][first["competitor"]["start"] : first["competitor"]["end"]] == "移動"
    assert first["amount"]["value"] == 58
    sixth = {e["entity"]: e for e in objects[5]["entities"]}
    assert sixth["phone_number"]["value"] == "13812345678"
    assert objects[5]["text"][sixth["device"]["start"] : sixth["device"]["end"]] == "华为Mate60"


def test_bad_lines_give_error_objects(parsed) -> None:
    objects, _ = parsed
    assert "empty" in objects[1]["error"]
    assert "empty" in objects[2]["error"]
    assert "UTF-8" in objects[3]["error"] and objects[3]["text"] is None


def test_typed_slash_is_not_an_intent_payload(parsed) -> None:
    objects, _ = parsed
    # A payload would come back with confidence exactly 1.0 and no need ranking from the model.
    assert objects[4]["intent"]["confidence"] < 1.0
    assert len(objects[4]["need_ranking"]) == 3


def test_missing_model_is_a_clear_error(tmp_path: Path) -> None:
    result = run_parse("你好\n".encode(), "--model", str(tmp_path / "nope.tar.gz"))
    assert result.returncode == 1
    assert result.stdout == b""
    assert b"nope.tar.gz" in result.stderr


def test_every_subcommand_has_help() -> None:
    from bot.cli.main import build_parser

    parser = build_parser()
    subcommands = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert {"train", "parse", "eval", "serve"} <= set(subcommands)
    for name, subparser in subcommands.items():
        assert subparser.format_help().strip(), name
        assert subparser.description, f"`{name}` has no description"
