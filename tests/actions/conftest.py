"""Fixtures for the custom-action tests: the real app database on SQLite and PostgreSQL, and broken ones.

The helpers that build trackers and run actions are in action_testing.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.db.models import Offer
from bot.db.seed.offers import load_offer_catalogue
from bot.db.session import dispose_engines, session_scope
from tests.identity_testing import use_identity_secret


# --- databases ---------------------------------------------------------------------------------------------


@pytest.fixture
def app_db(migrated_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The migrated database (SQLite, then PostgreSQL) with the offer catalogue, as DATABASE_URL.

    bot.config reads the environment on every call (no settings cache), so the actions' session_scope()
    sees this URL. CHANNEL_IDENTITY_SECRET is set, so tests can pass a signed `metadata.phone`.
    """
    monkeypatch.setenv("DATABASE_URL", migrated_url)
    use_identity_secret(monkeypatch)
    with session_scope(migrated_url) as session:
        session.add_all(Offer(**row) for row in load_offer_catalogue())
    return migrated_url


@pytest.fixture(params=["tables_missing", "server_closed"])
def broken_db(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A DATABASE_URL the actions cannot use: an empty SQLite file (no tables), or a port nobody listens on."""
    if request.param == "tables_missing":
        url = f"sqlite:///{tmp_path / 'empty.db'}"
    else:
        url = "postgresql+psycopg2://postgres@127.0.0.1:1/retention"
    monkeypatch.setenv("DATABASE_URL", url)
    yield url
    dispose_engines()
