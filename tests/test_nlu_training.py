"""Training is skipped exactly when nothing a model is built from has changed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.config import Settings
from bot.nlu.training import ModelNotFoundError, find_model, fingerprint, model_path, model_spec

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def project(tmp_path: Path) -> Settings:
    """A throw-away copy of the files the models are built from."""
    for name in ("config.yml", "domain.yml", "requirements.lock"):
        shutil.copy(ROOT / name, tmp_path / name)
    for name in ("nlu_data", "stories", "bot/nlu"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    return Settings(project_root=tmp_path, models_dir=tmp_path / "models", var_dir=tmp_path / "var")


def test_fingerprint_is_stable_and_follows_content(project: Settings) -> None:
    before = model_path("customer", project)
    assert model_path("customer", project) == before
    (project.nlu_data_dir / "jieba" / "telecom_userdict.txt").write_text("新词 10 n\n", encoding="utf-8")
    assert model_path("customer", project) != before


def test_each_role_follows_its_own_data(project: Settings) -> None:
    customer, agent = model_path("customer", project), model_path("agent", project)
    (project.stories_dir / "extra.yml").write_text('version: "3.1"\n', encoding="utf-8")
    assert model_path("customer", project) != customer
    assert model_path("agent", project) == agent
    (project.config_file).write_text(project.config_file.read_text() + "\n# tuned\n", encoding="utf-8")
    assert model_path("agent", project) != agent


@pytest.mark.parametrize("data_file", ["gazetteer.yml", "need_cues.yml"])
def test_files_the_components_read_are_part_of_the_fingerprint(project: Settings, data_file: str) -> None:
    before = model_path("agent", project)
    path = project.nlu_data_dir / data_file
    path.write_text(path.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert model_path("agent", project) != before


def test_component_code_is_part_of_the_fingerprint(project: Settings) -> None:
    before = model_path("agent", project)
    code = project.project_root / "bot" / "nlu" / "need_classifier.py"
    code.write_text(code.read_text() + "\n# changed\n", encoding="utf-8")
    assert model_path("agent", project) != before


def test_find_model_prefers_the_current_one_and_falls_back_to_the_newest(project: Settings) -> None:
    with pytest.raises(ModelNotFoundError, match="retention-bot train"):
        find_model("customer", project)
    project.models_dir.mkdir()
    stale = project.models_dir / "customer-0000000000000000.tar.gz"
    stale.write_bytes(b"old")
    assert find_model("customer", project) == stale
    current = model_path("customer", project)
    current.write_bytes(b"new")
    assert find_model("customer", project) == current


def test_unknown_role_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown role"):
        model_spec("supervisor")


def test_fingerprint_ignores_bytecode(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    before = fingerprint([tmp_path], tmp_path)
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"\0")
    assert fingerprint([tmp_path], tmp_path) == before
