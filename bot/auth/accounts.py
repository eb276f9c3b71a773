"""Creating and changing accounts, and signing in with the lock-out, on the caller's SQLAlchemy session.

The caller owns the transaction (`session_scope()`), so the count of a failed login is committed like any
other change. AccountError messages are meant for the person at the keyboard, so they are in Chinese.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from pydantic import BaseModel, StrictStr, validator
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.auth.passwords import hash_password, needs_rehash, spend_verification_time, verify_password
from bot.config import get_settings
from bot.db.models import User
from bot.db.models.base import utcnow
from bot.db.models.vocabulary import USER_ROLES

USERNAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9_.-]{1,31}")  # fits users.username (32)
MAX_DISPLAY_NAME_CHARS = 64  # users.display_name
MAX_PASSWORD_CHARS = 1024  # argon2 takes any length; this bounds what one login attempt costs


class AccountError(ValueError):
    """A change or a sign-in the account rules refuse; the message says why."""


def normalise_username(username: str) -> str:
    """Usernames are compared in lower case: `Zhang.Wei` and `zhang.wei` are one account."""
    return username.strip().lower()


class NewAccount(BaseModel):
    """An account to create, as the CLI (and later an admin page) hands it over."""

    username: StrictStr
    role: StrictStr
    display_name: StrictStr | None = None  # None or blank: the username

    @validator("username")
    def username_is_usable(cls, value: str) -> str:  # noqa: N805 - pydantic validator signature
        value = normalise_username(value)
        if not USERNAME_PATTERN.fullmatch(value):
            raise ValueError("用户名须为 2-32 个小写字母、数字或 . _ -，并以字母或数字开头")
        return value

    @validator("role")
    def role_is_known(cls, value: str) -> str:  # noqa: N805
        if value not in USER_ROLES:
            raise ValueError(f"角色须为 {'、'.join(USER_ROLES)} 之一")
        return value

    @validator("display_name", always=True)
    def display_name_or_username(cls, value: str | None, values: dict[str, Any]) -> str:  # noqa: N805
        value = (value or "").strip() or values.get("username", "")
        if len(value) > MAX_DISPLAY_NAME_CHARS:
            raise ValueError(f"显示名最多 {MAX_DISPLAY_NAME_CHARS} 个字符")
        return value


def check_new_password(password: str) -> None:
    """Length is the rule that matters (NIST SP 800-63B); no composition rules that push people to `Abc123!`."""
    minimum = get_settings().password_min_length
    if len(password) < minimum:
        raise AccountError(f"密码至少需要 {minimum} 个字符")
    if len(password) > MAX_PASSWORD_CHARS:
        raise AccountError(f"密码最多 {MAX_PASSWORD_CHARS} 个字符")


def find_user(session: Session, username: str) -> User | None:
    return session.execute(select(User).where(User.username == normalise_username(username))).scalar_one_or_none()


def get_user(session: Session, username: str) -> User:
    user = find_user(session, username)
    if user is None:
        raise AccountError(f"没有用户 {normalise_username(username)}")
    return user


def list_users(session: Session) -> list[User]:
    return list(session.execute(select(User).order_by(User.username)).scalars())


def create_user(session: Session, account: NewAccount, password: str) -> User:
    check_new_password(password)
    if find_user(session, account.username) is not None:
        raise AccountError(f"用户名 {account.username} 已存在")
    user = User(
        username=account.username,
        display_name=account.display_name,
        role=account.role,
        password_hash=hash_password(password),
        active=True,
        failed_logins=0,
    )
    session.add(user)
    session.flush()
    return user


def revoke_sessions(session: Session, user_id: int) -> None:
    """Void every session of the user signed until now (logout, new password, disabling)."""
    session.execute(update(User).where(User.id == user_id).values(sessions_revoked_at=utcnow()))


def set_password(user: User, password: str) -> None:
    """A new password ends the user's sessions and any lock-out (it is how an admin lets someone back in)."""
    check_new_password(password)
    user.password_hash = hash_password(password)
    user.failed_logins, user.locked_until = 0, None
    user.sessions_revoked_at = utcnow()


def set_active(user: User, active: bool) -> None:
    """Disabling ends the user's sessions; enabling also lifts a lock-out."""
    user.active = active
    if active:
        user.failed_logins, user.locked_until = 0, None
    else:
        user.sessions_revoked_at = utcnow()


class LoginOutcome(str, Enum):
    OK = "ok"
    INVALID = "invalid"  # unknown username or wrong password: the same answer for both
    LOCKED = "locked"  # too many failures; refused without looking at the password until `locked_until`
    DISABLED = "disabled"  # right password, disabled account


@dataclass(frozen=True)
class LoginResult:
    outcome: LoginOutcome
    user: User | None = None  # with OK
    locked_until: datetime | None = None  # with LOCKED


def _record_failure(session: Session, user: User, now: datetime) -> None:
    """Count the failure and lock the account at the limit, in two UPDATEs that read the row in the database,
    so concurrent attempts cannot each see a count below the limit (no read-modify-write in Python)."""
    settings = get_settings()
    session.execute(
        update(User).where(User.id == user.id).values(failed_logins=User.failed_logins + 1),
        execution_options={"synchronize_session": False},
    )
    session.execute(
        update(User)
        .where(User.id == user.id, User.failed_logins >= settings.login_max_failures)
        .values(failed_logins=0, locked_until=now + timedelta(minutes=settings.login_lockout_minutes)),
        execution_options={"synchronize_session": False},
    )
    session.refresh(user)


def authenticate(session: Session, username: str, password: str) -> LoginResult:
    """Check a sign-in. A locked account is refused before its password is looked at (otherwise the lock-out
    would not slow guessing down); a disabled one is named only to someone who knows its password."""
    now = utcnow()
    user = find_user(session, username) if len(password) <= MAX_PASSWORD_CHARS else None
    if user is None:
        spend_verification_time(password[:MAX_PASSWORD_CHARS])
        return LoginResult(LoginOutcome.INVALID)
    if user.locked_until is not None and user.locked_until > now:
        return LoginResult(LoginOutcome.LOCKED, locked_until=user.locked_until)
    if not verify_password(user.password_hash, password):
        _record_failure(session, user, now)
        if user.locked_until is not None and user.locked_until > now:
            return LoginResult(LoginOutcome.LOCKED, locked_until=user.locked_until)
        return LoginResult(LoginOutcome.INVALID)
    if not user.active:
        return LoginResult(LoginOutcome.DISABLED)
    user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return LoginResult(LoginOutcome.OK, user=user)
