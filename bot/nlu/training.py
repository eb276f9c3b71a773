"""Training the two NLU models, skipped when nothing they are built from has changed.

Two models come from one pipeline (`config.yml`):
- `customer`: customer intents + need + entities, together with the dialogue policies (domain, stories);
- `agent`: agent acts of trainees and agents (NLU only), for practice-mode scoring.
A model file is named by the fingerprint of everything it is built from (config, data, domain, stories, the
custom component code and the dependency lock), so "train if the data changed" is a file lookup, and tests
and `make run` reuse the same cached model.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.config import Settings, get_settings

logger = logging.getLogger(__name__)

ROLES = ("customer", "agent")


class ModelNotFoundError(RuntimeError):
    """No trained model exists for a role; the message says how to make one."""


@dataclass(frozen=True)
class ModelSpec:
    """What one model is trained from."""

    role: str
    training_files: tuple[Path, ...]
    fingerprint_inputs: tuple[Path, ...]
    nlu_only: bool


def model_spec(role: str, settings: Settings | None = None) -> ModelSpec:
    settings = settings or get_settings()
    root = settings.project_root
    shared_inputs = (
        settings.config_file,
        settings.nlu_data_dir / "gazetteer.yml",
        settings.nlu_data_dir / "need_cues.yml",
        settings.nlu_data_dir / "jieba",
        root / "bot" / "nlu",
        root / "requirements.lock",
    )
    if role == "customer":
        files = (settings.nlu_data_dir / "customer", settings.stories_dir)
        return ModelSpec(role, files, (*shared_inputs, *files, settings.domain_file), nlu_only=False)
    if role == "agent":
        files = (settings.nlu_data_dir / "agent",)
        return ModelSpec(role, files, (*shared_inputs, *files), nlu_only=True)
    raise ValueError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")


def _files_under(paths: Iterable[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
        elif path.is_file():
            yield path


def fingerprint(paths: Iterable[Path], root: Path) -> str:
    """A short hash of the relative names and contents of every file under `paths`."""
    digest = hashlib.sha256()
    for file in _files_under(paths):
        digest.update(str(file.relative_to(root)).encode())
        digest.update(b"\0")
        digest.update(file.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def model_path(role: str, settings: Settings | None = None) -> Path:
    """Where the model for the current data and config lives (it may not exist yet)."""
    settings = settings or get_settings()
    spec = model_spec(role, settings)
    return settings.models_dir / f"{role}-{fingerprint(spec.fingerprint_inputs, settings.project_root)}.tar.gz"


def find_model(role: str, settings: Settings | None = None) -> Path:
    """The up-to-date model for `role`, else the newest older one (with a warning)."""
    settings = settings or get_settings()
    current = model_path(role, settings)
    if current.exists():
        return current
    older = sorted(settings.models_dir.glob(f"{role}-*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if older:
        logger.warning("The %s model is older than its data (run `retention-bot train`); using %s", role, older[-1])
        return older[-1]
    raise ModelNotFoundError(f"no trained {role} model in {settings.models_dir}; run `retention-bot train` first")


@contextlib.contextmanager
def working_directory(path: Path) -> Iterator[None]:
    """Rasa resolves the relative paths in config.yml (user dictionary, gazetteer) against the working directory."""
    previous = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(previous)


def rasa_train(
    *,
    config: Path,
    training_files: Iterable[Path],
    output: Path,
    name: str,
    domain: Path | None,
    nlu_only: bool,
    cwd: Path,
) -> Path:
    """One Rasa training run; returns the model file. Used for the real models, the evaluation split and tests."""
    from rasa.model_training import train, train_nlu

    output.mkdir(parents=True, exist_ok=True)
    files = [str(path) for path in training_files]
    with working_directory(cwd):
        if nlu_only:
            result = train_nlu(str(config), files[0], str(output), fixed_model_name=name)
            path = result
        else:
            training = train(str(domain), str(config), files, str(output), fixed_model_name=name)
            path = training.model
    if not path:
        raise RuntimeError(f"Rasa did not produce a model for {name}; see the log above")
    return Path(path)


def train_role(role: str, *, force: bool = False, settings: Settings | None = None) -> tuple[Path, bool]:
    """Train the model for `role` unless an up-to-date one exists. Returns (path, trained_now)."""
    settings = settings or get_settings()
    target = model_path(role, settings)
    if target.exists() and not force:
        logger.info("The %s model is up to date: %s", role, target)
        return target, False
    os.environ.setdefault("RASA_CACHE_DIRECTORY", str(settings.var_dir / "rasa-cache"))
    spec = model_spec(role, settings)
    path = rasa_train(
        config=settings.config_file,
        training_files=spec.training_files,
        output=settings.models_dir,
        name=target.name.removesuffix(".tar.gz"),
        domain=None if spec.nlu_only else settings.domain_file,
        nlu_only=spec.nlu_only,
        cwd=settings.project_root,
    )
    logger.info("Trained the %s model: %s", role, path)
    return path, True
