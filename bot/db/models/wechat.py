"""WeChat Official Account state that must be shared by every app instance (docs/CHANNELS.md).

The WeChat server retries a message it got no answer to within 5 s, up to three times, and a retry may land on
another instance; so what was received, and what it was answered, lives in the database, not in memory.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)

from bot.db.models.base import AwareDateTime, Base, timestamp_column, utcnow

# An openid is 28 characters today; the columns leave room, and longer ones are refused at the door (400).
OPENID_MAX_CHARS = 128
# WeChat's nonces are about ten digits; anything much longer is not WeChat's.
NONCE_MAX_CHARS = 64
DEDUPE_KEY_MAX_CHARS = 200


class WechatMessage(Base):
    """One message or event pushed by the WeChat server, claimed once by its key, with the reply it got.

    The unique `dedupe_key` ("msg:<FromUserName>:<MsgId>", or "event:<FromUserName>:<CreateTime>" for events,
    which carry no MsgId) is what makes a retry never reach the bot twice; the openid is part of it, so a
    message that claims another follower's MsgId can never collect that follower's reply. `reply` is NULL
    while the bot is still working on it; `delivered` is false for a reply that was ready too late for the
    passive reply it belonged to, so it goes out with the next one to the same openid.
    """

    __tablename__ = "wechat_messages"
    __table_args__ = (
        # the late replies of an openid are looked up on every text message
        Index(None, "openid", "delivered"),
    )

    id = Column(Integer, primary_key=True)
    dedupe_key = Column(String(DEDUPE_KEY_MAX_CHARS), nullable=False, unique=True)
    openid = Column(String(OPENID_MAX_CHARS), nullable=False)
    received_at = timestamp_column()
    reply = Column(Text, nullable=True)  # "" = nothing to say ("success")
    answered_at = Column(AwareDateTime(), nullable=True)
    delivered = Column(Boolean, nullable=False, default=False)

    def __repr__(self) -> str:
        return f"<WechatMessage {self.dedupe_key} {'answered' if self.reply is not None else 'pending'}>"


class WechatUser(Base):
    """What the channel remembers about one follower (openid): the customer's phone and the last options.

    `phone` is bound once a conversation identified the customer, so the bot asks for the number only once per
    openid. `buttons` are the bot's last quick replies ([{title, payload}]), shown as numbered text options,
    so that "1" or the option's title can be mapped back to its payload.
    """

    __tablename__ = "wechat_users"
    __table_args__ = (
        CheckConstraint(
            "phone IS NULL OR (length(phone) = 11 AND trim(phone, '0123456789') = '')", name="phone_11_digits"
        ),
    )

    id = Column(Integer, primary_key=True)
    openid = Column(String(OPENID_MAX_CHARS), nullable=False, unique=True)
    phone = Column(String(11), nullable=True)
    buttons = Column(JSON, nullable=False, default=list)
    created_at = timestamp_column()
    updated_at = timestamp_column(onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<WechatUser {self.openid} {'bound' if self.phone else 'unbound'}>"


class WechatNonce(Base):
    """A signature WeChat has used, named by its timestamp and nonce, with the SHA-256 of the body it came with.

    A plain-mode signature covers the token, timestamp and nonce but not the body, so one leaked signature
    would let anyone post any message as any follower. The timestamp window (WECHAT_TIMESTAMP_WINDOW_SECONDS)
    limits that to a few minutes, and this table to the body it was first seen with: a delivery of the same
    body again (a retry) passes, anything else under that signature is refused. Rows older than the window
    can never match again and are deleted as new ones come in.
    """

    __tablename__ = "wechat_nonces"
    __table_args__ = (UniqueConstraint("timestamp", "nonce"),)

    id = Column(Integer, primary_key=True)
    timestamp = Column(BigInteger, nullable=False)  # seconds since the epoch, as WeChat sent it
    nonce = Column(String(NONCE_MAX_CHARS), nullable=False)
    body_sha256 = Column(String(64), nullable=False)

    def __repr__(self) -> str:
        return f"<WechatNonce {self.timestamp}:{self.nonce}>"
