"""The account rules on SQLite and PostgreSQL: creation, sign-in, lock-out, disabling, revocation, roles."""

from __future__ import annotations

from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from auth_testing import LOCKOUT_MINUTES, MAX_FAILURES, PASSWORD, accounts_url, add_user, cheap_hashing  # noqa: F401
from pydantic import ValidationError
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from bot.auth import passwords
from bot.auth.accounts import (
    AccountError,
    LoginOutcome,
    NewAccount,
    authenticate,
    create_user,
    get_user,
    list_users,
    set_active,
    set_password,
)
from bot.auth.roles import ROLE_LABELS, may_see_sessions_of
from bot.db.models import User
from bot.db.models.base import utcnow
from bot.db.models.vocabulary import USER_ROLES
from bot.db.session import session_scope


def _login(url: str, username: str, password: str = PASSWORD) -> LoginOutcome:
    with session_scope(url) as session:
        return authenticate(session, username, password).outcome


def _user(url: str, username: str) -> User:
    with session_scope(url) as session:
        return get_user(session, username)


def test_create_normalises_the_username_and_refuses_duplicates(accounts_url: str) -> None:
    with session_scope(accounts_url) as session:
        user = create_user(session, NewAccount(username=" Zhang.Wei ", role="trainee", display_name=" 张伟 "), PASSWORD)
        assert (user.username, user.display_name, user.role, user.active) == ("zhang.wei", "张伟", "trainee", True)
        assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
    with pytest.raises(AccountError, match="已存在"), session_scope(accounts_url) as session:
        create_user(session, NewAccount(username="ZHANG.WEI", role="admin"), PASSWORD)
    with session_scope(accounts_url) as session:
        assert [user.username for user in list_users(session)] == ["zhang.wei"]
    assert _login(accounts_url, "Zhang.Wei") is LoginOutcome.OK  # the username is not case-sensitive


@pytest.mark.parametrize(
    "fields",
    [
        {"username": "x", "role": "trainee"},  # too short
        {"username": "a" * 33, "role": "trainee"},
        {"username": "张伟", "role": "trainee"},
        {"username": "zhang wei", "role": "trainee"},
        {"username": ".zhang", "role": "trainee"},
        {"username": "zhang", "role": "root"},
        {"username": "zhang", "role": "trainee", "display_name": "名" * 65},
    ],
)
def test_new_account_is_validated(fields: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        NewAccount(**fields)


def test_display_name_defaults_to_the_username() -> None:
    assert NewAccount(username="li.na", role="trainee", display_name="  ").display_name == "li.na"


def test_password_length_is_enforced(accounts_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PASSWORD_MIN_LENGTH", "12")
    with pytest.raises(AccountError, match="至少需要 12"), session_scope(accounts_url) as session:
        create_user(session, NewAccount(username="li.na", role="trainee"), "x" * 11)
    with pytest.raises(AccountError, match="最多"), session_scope(accounts_url) as session:
        create_user(session, NewAccount(username="li.na", role="trainee"), "x" * 1025)


def test_the_database_refuses_an_unknown_role(accounts_url: str) -> None:
    row = {"username": "root", "display_name": "root", "role": "root", "password_hash": "x", "active": True}
    with pytest.raises(IntegrityError), session_scope(accounts_url) as session:
        session.execute(insert(User), [{**row, "failed_logins": 0}])


def test_sign_in_records_the_time_and_clears_failures(accounts_url: str) -> None:
    add_user(accounts_url, "li.na", "trainee")
    assert _login(accounts_url, "li.na", "wrong password") is LoginOutcome.INVALID
    assert _user(accounts_url, "li.na").failed_logins == 1
    before = utcnow()
    assert _login(accounts_url, "li.na") is LoginOutcome.OK
    user = _user(accounts_url, "li.na")
    assert user.failed_logins == 0 and user.last_login_at is not None and user.last_login_at >= before


def test_unknown_user_and_wrong_password_get_the_same_answer(accounts_url: str) -> None:
    add_user(accounts_url, "li.na", "trainee")
    assert _login(accounts_url, "nobody") is LoginOutcome.INVALID
    assert _login(accounts_url, "li.na", "wrong password") is LoginOutcome.INVALID
    assert _login(accounts_url, "li.na", "x" * 5000) is LoginOutcome.INVALID  # too long to hash: refused as such


def test_lock_out_after_repeated_failures_then_expiry(accounts_url: str) -> None:
    add_user(accounts_url, "li.na", "trainee")
    for _ in range(MAX_FAILURES - 1):
        assert _login(accounts_url, "li.na", "wrong password") is LoginOutcome.INVALID
    with session_scope(accounts_url) as session:
        result = authenticate(session, "li.na", "wrong password")
    assert result.outcome is LoginOutcome.LOCKED
    expected = utcnow() + timedelta(minutes=LOCKOUT_MINUTES)
    assert result.locked_until is not None and abs(result.locked_until - expected) < timedelta(seconds=30)

    # locked: even the right password is refused, and not counted
    assert _login(accounts_url, "li.na") is LoginOutcome.LOCKED
    assert _user(accounts_url, "li.na").failed_logins == 0

    with session_scope(accounts_url) as session:
        get_user(session, "li.na").locked_until = utcnow() - timedelta(seconds=1)
    assert _login(accounts_url, "li.na") is LoginOutcome.OK
    assert _user(accounts_url, "li.na").locked_until is None


def test_lock_out_settings_are_read_from_the_environment(accounts_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGIN_MAX_FAILURES", "1")
    monkeypatch.setenv("LOGIN_LOCKOUT_MINUTES", "2")
    add_user(accounts_url, "li.na", "trainee")
    with session_scope(accounts_url) as session:
        result = authenticate(session, "li.na", "wrong password")
    assert result.outcome is LoginOutcome.LOCKED
    assert result.locked_until is not None and result.locked_until - utcnow() <= timedelta(minutes=2)


def test_a_disabled_user_cannot_sign_in_and_enabling_lifts_a_lock(accounts_url: str) -> None:
    add_user(accounts_url, "li.na", "trainee")
    with session_scope(accounts_url) as session:
        set_active(get_user(session, "li.na"), False)
    assert _user(accounts_url, "li.na").sessions_revoked_at is not None
    assert _login(accounts_url, "li.na") is LoginOutcome.DISABLED
    assert _login(accounts_url, "li.na", "wrong password") is LoginOutcome.INVALID  # no hint without the password

    with session_scope(accounts_url) as session:
        user = get_user(session, "li.na")
        user.locked_until = utcnow() + timedelta(minutes=5)
        set_active(user, True)
    assert _login(accounts_url, "li.na") is LoginOutcome.OK


def test_a_new_password_replaces_the_old_ends_sessions_and_lifts_a_lock(accounts_url: str) -> None:
    add_user(accounts_url, "li.na", "trainee")
    with session_scope(accounts_url) as session:
        user = get_user(session, "li.na")
        user.locked_until = utcnow() + timedelta(minutes=5)
        set_password(user, "a brand new passphrase")
    assert _user(accounts_url, "li.na").sessions_revoked_at is not None
    assert _login(accounts_url, "li.na") is LoginOutcome.INVALID
    assert _login(accounts_url, "li.na", "a brand new passphrase") is LoginOutcome.OK


def test_sign_in_upgrades_a_hash_made_with_other_parameters(accounts_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    add_user(accounts_url, "li.na", "trainee")  # hashed at the cheapest cost (cheap_hashing)
    old_hash = _user(accounts_url, "li.na").password_hash
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=2, memory_cost=16, parallelism=1))
    assert _login(accounts_url, "li.na") is LoginOutcome.OK
    new_hash = _user(accounts_url, "li.na").password_hash
    assert new_hash != old_hash and "t=2" in new_hash
    assert passwords.verify_password(new_hash, PASSWORD)


def test_every_role_has_a_label() -> None:
    assert set(ROLE_LABELS) == set(USER_ROLES)


@pytest.mark.parametrize(
    ("role", "own", "other"), [("trainee", True, False), ("supervisor", True, True), ("admin", True, True)]
)
def test_a_trainee_sees_only_their_own_sessions(role: str, own: bool, other: bool) -> None:
    viewer = User(id=7, role=role)
    assert may_see_sessions_of(viewer, 7) is own
    assert may_see_sessions_of(viewer, 8) is other
