"""Accounts of the people who use practice mode and the supervisor desk (docs/ACCOUNTS.md).

Customers never have an account: they are known by their phone number (`Customer`). Only bot.auth writes
these rows, so the lock-out and session rules live in one place.
"""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, Column, Integer, String

from bot.db.models.base import AwareDateTime, Base, one_of, timestamp_column
from bot.db.models.vocabulary import USER_ROLES


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        one_of("role", USER_ROLES),
        CheckConstraint("failed_logins >= 0", name="failed_logins_not_negative"),
    )

    id = Column(Integer, primary_key=True)
    username = Column(String(32), nullable=False, unique=True)  # the login name, lower case
    display_name = Column(String(64), nullable=False)  # how pages name the person, e.g. 张伟
    role = Column(String(10), nullable=False)
    password_hash = Column(String(255), nullable=False)  # argon2id PHC string: parameters and salt included
    active = Column(Boolean, nullable=False, default=True)  # false = disabled: no login, no session
    failed_logins = Column(Integer, nullable=False, default=0)  # since the last success or lock-out
    locked_until = Column(AwareDateTime(), nullable=True)  # logins refused until then
    # Sessions signed before this moment are void: set by logout, a new password and disabling, because a
    # signed cookie cannot be taken back from the browser that holds it.
    sessions_revoked_at = Column(AwareDateTime(), nullable=True)
    created_at = timestamp_column()
    last_login_at = Column(AwareDateTime(), nullable=True)

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}{'' if self.active else ' disabled'}>"
