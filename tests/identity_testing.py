"""Verified identity in tests: the channel secret, signed `metadata.phone`, and the codes the development SMS
sender recorded (what `retention-bot sms last PHONE` prints)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from bot.db.session import session_scope
from bot.identity.signing import signed_metadata
from bot.identity.sms import last_recorded_code

SECRET = "test-channel-identity-secret"


def use_identity_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    """The app's environment with CHANNEL_IDENTITY_SECRET = SECRET and the development SMS sender."""
    monkeypatch.setenv("CHANNEL_IDENTITY_SECRET", SECRET)
    monkeypatch.delenv("SMS_SENDER", raising=False)


def signed(phone: str, **extra: Any) -> dict[str, Any]:
    """`metadata` as the operator's logged-in site sends it for `phone` (valid for ten minutes)."""
    return {**signed_metadata(phone, SECRET, now=time.time()), **extra}


def last_code(url: str, phone: str) -> str | None:
    with session_scope(url) as session:
        return last_recorded_code(session, phone)
