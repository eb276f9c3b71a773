"""Verified identity: the one-time codes sent by SMS, and what the development SMS sender "sent".

Both live in the app database rather than in a process: a code sent by one instance is checked by whichever
instance gets the customer's next message, and the rate limits count every instance's codes.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, Index, Integer, String

from bot.db.models.base import AwareDateTime, Base, timestamp_column

SENDER_MAX_CHARS = 128  # conversations.sender_id
_ELEVEN_DIGITS = "length(phone) = 11 AND trim(phone, '0123456789') = ''"


class VerificationCode(Base):
    """A one-time code sent to `phone` because `sender_id` claimed that number.

    Only the code's hash is kept (bot/identity/codes.py says why that is no more than keeping it out of sight).
    The code verifies that sender only, until `expires_at` and for `max attempts` wrong tries; a newer code for
    the same number and sender replaces it. Rows are kept for the rate limits (codes per number and per sender
    in the last hour); rows older than a day can be deleted at any time.
    """

    __tablename__ = "verification_codes"
    __table_args__ = (
        CheckConstraint(_ELEVEN_DIGITS, name="phone_11_digits"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        # the rate limits and the check look up by number and by sender, newest first
        Index(None, "phone", "created_at"),
        Index(None, "sender_id", "created_at"),
    )

    id = Column(Integer, primary_key=True)
    phone = Column(String(11), nullable=False)
    sender_id = Column(String(SENDER_MAX_CHARS), nullable=False)
    code_sha256 = Column(String(64), nullable=False)
    created_at = timestamp_column()
    expires_at = Column(AwareDateTime(), nullable=False)
    attempts = Column(Integer, nullable=False, default=0)  # wrong tries so far
    verified_at = Column(AwareDateTime(), nullable=True)

    def __repr__(self) -> str:
        return f"<VerificationCode {self.id} {'verified' if self.verified_at else f'{self.attempts} wrong'}>"


class SmsOutbox(Base):
    """A text message the development SMS sender recorded instead of sending (SMS_SENDER=development).

    Tests, the demo and `retention-bot sms last PHONE` read the code from here; a real gateway never writes
    to this table.
    """

    __tablename__ = "sms_outbox"
    __table_args__ = (
        CheckConstraint(_ELEVEN_DIGITS, name="phone_11_digits"),
        Index(None, "phone", "id"),
    )

    id = Column(Integer, primary_key=True)
    phone = Column(String(11), nullable=False)
    code = Column(String(6), nullable=False)
    text = Column(String(200), nullable=False)
    created_at = timestamp_column()

    def __repr__(self) -> str:
        return f"<SmsOutbox {self.id}>"
