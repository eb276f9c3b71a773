"""The whole app with the customer dialogue, started for tests with an environment of their choosing."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

# The variables that decide where the dialogue keeps and runs things; a developer's own values must not leak in.
DIALOGUE_ENV = (
    "DATABASE_URL", "TRACKER_STORE_URL", "LOCK_STORE_URL", "ACTION_ENDPOINT_URL", "ACTIONS_PACKAGE", "DIALOGUE_WORKERS",
)


@contextmanager
def started_dialogue_app(model: Path, environment: dict[str, str]) -> Iterator[TestClient]:
    """`create_app` for customers on `model`, started with `environment` as the only DIALOGUE_ENV variables.

    The environment is only changed while the app starts (dialogue workers keep the one they started with), so
    the rest of the session does not see it.
    """
    from bot.app.main import create_app

    saved = {name: os.environ.get(name) for name in DIALOGUE_ENV}
    for name in DIALOGUE_ENV:
        os.environ.pop(name, None)
    os.environ.update(environment)
    try:
        client = TestClient(create_app(roles=("customer",), model_paths={"customer": model}))
        client.__enter__()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    try:
        yield client
    finally:
        client.__exit__(None, None, None)


def use_database(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    """This test's environment with DATABASE_URL at `url` and none of the other DIALOGUE_ENV variables (the
    actions, the transcripts and /health read DATABASE_URL per call)."""
    for name in DIALOGUE_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", url)
