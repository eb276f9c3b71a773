"""One-time codes: issued to a claimed number for one sender, checked a limited number of times, rate-limited.

Every helper takes a Session and flushes; the caller commits (the custom action does, with the rest of the
turn). Limits, all from bot/config.py:

- a code is good for `ttl_seconds` and `max_attempts` wrong tries, for the sender that claimed the number only
  (a code read off someone else's screen does not identify another chat), and once;
- a number gets a new code at most every `resend_seconds` and `per_number_per_hour` times an hour (nobody can
  flood a customer's phone through the bot);
- a sender gets `per_sender_per_hour` codes an hour, whatever the numbers (nobody can walk through numbers).

Two instances issuing at the very same moment could each pass a limit once; the limits are about floods, which
that does not open. Only a hash of the code is stored. With a million possible codes that is no protection
against someone who reads the table — the attempt limit and the expiry are — but it keeps live codes out of
query results, exports and the desk.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.db.models import VerificationCode

CODE_DIGITS = 6


@dataclass(frozen=True)
class CodePolicy:
    ttl_seconds: int = 300
    max_attempts: int = 5
    resend_seconds: int = 60
    per_number_per_hour: int = 5
    per_sender_per_hour: int = 5

    @classmethod
    def from_settings(cls, settings: Settings) -> CodePolicy:
        return cls(
            ttl_seconds=settings.sms_code_ttl_seconds,
            max_attempts=settings.sms_code_max_attempts,
            resend_seconds=settings.sms_resend_seconds,
            per_number_per_hour=settings.sms_codes_per_number_per_hour,
            per_sender_per_hour=settings.sms_codes_per_sender_per_hour,
        )


class CodeRefused(Exception):
    """No code now: a rate limit is reached (the message says which, for the log)."""


class CodeCheck(enum.Enum):
    VERIFIED = "verified"
    WRONG = "wrong"  # tries are left
    USED_UP = "used_up"  # expired, out of tries, already used, or never sent: a new code is needed


def _digest(phone: str, sender_id: str, code: str) -> str:
    return hashlib.sha256(f"{phone}|{sender_id}|{code}".encode()).hexdigest()


def _count_since(session: Session, column: object, value: str, since: datetime) -> int:
    return session.execute(
        select(func.count()).select_from(VerificationCode).where(column == value, VerificationCode.created_at >= since)
    ).scalar_one()


def issue_code(session: Session, phone: str, sender_id: str, *, now: datetime, policy: CodePolicy) -> str:
    """A new code for `phone`, claimed by `sender_id`, recorded (hashed); raises CodeRefused over a limit.

    The new code replaces the sender's earlier ones for that number: only the latest is checked.
    """
    hour_ago = now - timedelta(hours=1)
    last = session.execute(
        select(func.max(VerificationCode.created_at)).where(VerificationCode.phone == phone)
    ).scalar_one()
    if last is not None and last > now - timedelta(seconds=policy.resend_seconds):
        raise CodeRefused(f"a code went to this number less than {policy.resend_seconds} s ago")
    if _count_since(session, VerificationCode.phone, phone, hour_ago) >= policy.per_number_per_hour:
        raise CodeRefused(f"{policy.per_number_per_hour} codes went to this number in the last hour")
    if _count_since(session, VerificationCode.sender_id, sender_id, hour_ago) >= policy.per_sender_per_hour:
        raise CodeRefused(f"this sender had {policy.per_sender_per_hour} codes in the last hour")
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    session.add(
        VerificationCode(
            phone=phone,
            sender_id=sender_id,
            code_sha256=_digest(phone, sender_id, code),
            created_at=now,
            expires_at=now + timedelta(seconds=policy.ttl_seconds),
            attempts=0,
        )
    )
    session.flush()
    return code


def check_code(
    session: Session, phone: str, sender_id: str, code: str, *, now: datetime, policy: CodePolicy
) -> CodeCheck:
    """Whether `code` is the live code `sender_id` was sent for `phone`; a wrong one uses up a try."""
    latest = session.execute(
        select(VerificationCode)
        .where(VerificationCode.phone == phone, VerificationCode.sender_id == sender_id)
        .order_by(VerificationCode.created_at.desc(), VerificationCode.id.desc())
        .limit(1)
        .with_for_update()
    ).scalar_one_or_none()
    if (
        latest is None
        or latest.verified_at is not None
        or latest.expires_at <= now
        or latest.attempts >= policy.max_attempts
    ):
        return CodeCheck.USED_UP
    if hmac.compare_digest(latest.code_sha256, _digest(phone, sender_id, code)):
        latest.verified_at = now
        session.flush()
        return CodeCheck.VERIFIED
    latest.attempts += 1
    session.flush()
    return CodeCheck.WRONG if latest.attempts < policy.max_attempts else CodeCheck.USED_UP
