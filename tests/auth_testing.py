"""Fixtures and helpers of the account tests (tests/test_auth_*.py), imported by them like tests/actions do.

Accounts live in the real app database, SQLite and then PostgreSQL (`migrated_url` of conftest.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher, profiles
from fastapi.testclient import TestClient
from httpx import Response

from bot.auth import passwords
from bot.auth.accounts import NewAccount, create_user
from bot.db.session import session_scope

PASSWORD = "correct horse battery"
MAX_FAILURES = 3
LOCKOUT_MINUTES = 15
_ACCOUNT_ENV = ("SESSION_SECRET", "SESSION_COOKIE_SECURE", "SESSION_HOURS", "PASSWORD_MIN_LENGTH")


@pytest.fixture
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id at its cheapest cost: the rules under test do not depend on the cost, the run time does."""
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher.from_parameters(profiles.CHEAPEST))
    passwords._unknown_user_hash.cache_clear()


@pytest.fixture
def accounts_url(
    migrated_url: str, tmp_path, monkeypatch: pytest.MonkeyPatch, cheap_hashing: None  # type: ignore[no-untyped-def]
) -> str:
    """The migrated, empty test database as DATABASE_URL, a fresh var directory (the generated session secret)
    and a lock-out after MAX_FAILURES failures for LOCKOUT_MINUTES minutes; other account settings default."""
    for name in _ACCOUNT_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", migrated_url)
    monkeypatch.setenv("RETENTION_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("LOGIN_MAX_FAILURES", str(MAX_FAILURES))
    monkeypatch.setenv("LOGIN_LOCKOUT_MINUTES", str(LOCKOUT_MINUTES))
    return migrated_url


def add_user(url: str, username: str, role: str, password: str = PASSWORD) -> int:
    with session_scope(url) as session:
        return create_user(session, NewAccount(username=username, role=role), password).id


@pytest.fixture
def client(accounts_url: str) -> Iterator[TestClient]:
    """The app without models (the account routes need none), as a browser with its own cookie jar."""
    from bot.app.main import create_app

    with TestClient(create_app(roles=(), dialogue=False)) as test_client:
        yield test_client


def form_token(page: str) -> str:
    """The CSRF token of the first form on an HTML page."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "the page has no CSRF field"
    return match.group(1)


def sign_in(client: TestClient, username: str, password: str = PASSWORD, next_path: str = "") -> Response:
    """Open the login page and submit its form, as a browser does; the answer is not followed."""
    token = form_token(client.get("/login").text)
    form = {"username": username, "password": password, "csrf_token": token, "next": next_path}
    return client.post("/login", data=form, follow_redirects=False)
