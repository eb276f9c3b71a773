"""Who sends the one-time code: chosen by SMS_SENDER (bot/config.py).

- `http`: the operator's SMS gateway. `POST SMS_GATEWAY_URL` with JSON `{"phone": "1…", "text": "…"}` and
  `Authorization: Bearer SMS_GATEWAY_TOKEN`; any 2xx is sent, anything else (or no answer within the timeout)
  is not. Gateways with another request shape sit behind a small relay, or get an adapter of their own here.
- `development` (the default): nothing leaves the machine; the message is written to the app database's
  `sms_outbox`, where tests, the demo and `retention-bot sms last PHONE` read the code, from any process.

A sender is called inside the custom action's transaction, so the development sender writes with the action's
session (on SQLite a second connection would wait for the action's own lock).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.db.models import SmsOutbox
from bot.phone_numbers import mask_phones

logger = logging.getLogger(__name__)

GATEWAY_TIMEOUT_SECONDS = 5.0
CODE_TEXT = "【在线客服】您的验证码是{code}，{minutes}分钟内有效。客服不会向您索要验证码，请勿告诉他人。"


@dataclass(frozen=True)
class SmsMessage:
    phone: str
    code: str
    text: str


def code_message(phone: str, code: str, ttl_seconds: int) -> SmsMessage:
    return SmsMessage(phone, code, CODE_TEXT.format(code=code, minutes=max(1, ttl_seconds // 60)))


class SmsNotSent(Exception):
    """The gateway did not take the message (the reason, never the code, is in the message)."""


class SmsSender(Protocol):
    def send(self, session: Session, message: SmsMessage) -> None:
        """Send `message` or raise SmsNotSent."""


class DevelopmentSmsSender:
    """Records the message in `sms_outbox` instead of sending it."""

    def send(self, session: Session, message: SmsMessage) -> None:
        session.add(SmsOutbox(phone=message.phone, code=message.code, text=message.text))
        session.flush()
        logger.info("Development SMS sender: code for %s recorded in sms_outbox", mask_phones(message.phone))


class HttpSmsSender:
    """Posts the message to the operator's gateway (module docstring)."""

    def __init__(
        self, url: str, token: str, *, timeout: float = GATEWAY_TIMEOUT_SECONDS,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        """`token` may be empty: a gateway reached over a private network may want none."""
        self.url, self.token, self.timeout, self.transport = url, token, timeout, transport

    def send(self, session: Session, message: SmsMessage) -> None:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        try:
            with httpx.Client(timeout=self.timeout, transport=self.transport) as client:
                response = client.post(self.url, json={"phone": message.phone, "text": message.text}, headers=headers)
        except httpx.HTTPError as exc:
            raise SmsNotSent(f"SMS gateway unreachable: {type(exc).__name__}") from exc
        if not response.is_success:
            raise SmsNotSent(f"SMS gateway answered {response.status_code}")


def sms_sender(settings: Settings) -> SmsSender:
    """The sender SMS_SENDER names (Settings refuses `http` without SMS_GATEWAY_URL)."""
    if settings.sms_sender == "http":
        return HttpSmsSender(settings.sms_gateway_url, settings.sms_gateway_token)
    return DevelopmentSmsSender()


def last_recorded_code(session: Session, phone: str) -> str | None:
    """The last code the development sender recorded for `phone` (None: nothing recorded)."""
    return session.execute(
        select(SmsOutbox.code).where(SmsOutbox.phone == phone).order_by(SmsOutbox.id.desc()).limit(1)
    ).scalar_one_or_none()
