"""The Official Account message protocol: signatures, plain and safe (AES) mode, the messages and the replies.

wechatpy does the cryptography and the XML; this module turns its results and exceptions into three outcomes
the router maps to HTTP: a verified `Incoming` message, `SignatureError` (403: not from WeChat, not for this
account, signed too long ago, or in plain mode while safe mode is configured) and `MalformedMessage` (400).
Nothing is parsed before the signature is checked, and only the fields the channel uses leave this module,
already converted, so a field that fails to convert is a 400 here rather than an error later.

Whether a signature was already used for another body needs the database: `bot/db/queries/wechat.py`.
"""

from __future__ import annotations

import re
import struct
import time
from collections.abc import Mapping
from dataclasses import dataclass
from xml.parsers.expat import ExpatError

from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.replies import TextReply
from wechatpy.utils import check_signature

from bot.config import Settings
from bot.db.models.wechat import DEDUPE_KEY_MAX_CHARS, NONCE_MAX_CHARS, OPENID_MAX_CHARS

# Message types a person sends that the bot cannot read; they get a request to write instead.
MEDIA_TYPES = frozenset({"image", "voice", "video", "shortvideo", "location", "link"})
SUBSCRIBE_EVENTS = frozenset({"subscribe", "subscribe_scan"})
# Characters XML 1.0 forbids; one in a reply would make WeChat drop the whole reply.
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class NotConfigured(RuntimeError):
    """The account's token (or, for safe mode, the AppID and EncodingAESKey) is not set."""


class SignatureError(Exception):
    """Not a request WeChat signed for this account now: a wrong signature or AppID, a timestamp outside the
    window, a nonce that signed another body, or a plain-mode message to an account configured for safe mode."""


class MalformedMessage(Exception):
    """The body is not a message of the protocol (bad XML, a field missing or of the wrong type)."""


@dataclass(frozen=True)
class Credentials:
    """The server configuration of the account (公众平台 → 设置与开发 → 基本配置 → 服务器配置)."""

    token: str
    app_id: str
    aes_key: str

    @classmethod
    def from_settings(cls, settings: Settings) -> Credentials:
        # An empty token would make every signature computable by anyone: refuse to serve rather than accept.
        if not settings.wechat_token:
            raise NotConfigured("WECHAT_TOKEN is not set")
        return cls(settings.wechat_token, settings.wechat_appid, settings.wechat_aes_key)

    @property
    def safe_mode(self) -> bool:
        """Configured for safe mode: then every message must come encrypted and signed over its body."""
        return bool(self.app_id and self.aes_key)

    def crypto(self) -> WeChatCrypto:
        if not (self.app_id and self.aes_key):
            raise NotConfigured("safe mode needs WECHAT_APPID and WECHAT_AES_KEY")
        try:
            return WeChatCrypto(self.token, self.aes_key, self.app_id)
        except (AssertionError, ValueError) as exc:  # wechatpy asserts the decoded key is 32 bytes
            raise NotConfigured("WECHAT_AES_KEY is not a 43-character EncodingAESKey") from exc


@dataclass(frozen=True)
class Incoming:
    """A verified message, reduced to what the channel acts on.

    `kind` is "text", "media" (image, voice, video, location, link), "subscribe", or "other" (every other
    event and message type). `dedupe_key` is the same for WeChat's retries of one message and different for
    any two messages: the sender and the MsgId, or for events (which have none) the sender and the creation
    time. The sender is in both, so no message can claim another follower's reply by naming its MsgId.
    """

    kind: str
    openid: str
    account: str
    dedupe_key: str
    text: str = ""


@dataclass(frozen=True)
class Envelope:
    """How a request came (plain or safe mode), which decides how its reply is sent back."""

    encrypted: bool
    nonce: str


@dataclass(frozen=True)
class Signed:
    """When and with which nonce a request was signed, once the timestamp is known to be recent."""

    timestamp: int
    nonce: str


def check_fresh(query: Mapping[str, str], now: float, window_seconds: int) -> Signed:
    """The request's timestamp and nonce, refused when the timestamp is more than `window_seconds` from `now`.

    WeChat signs with its current time; a signature from further away is a replay (or a clock that needs NTP).
    """
    timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        raise SignatureError("timestamp missing or not a number")
    if not nonce or len(nonce) > NONCE_MAX_CHARS:
        raise SignatureError(f"nonce missing or longer than {NONCE_MAX_CHARS} characters")
    if abs(now - int(timestamp)) > window_seconds:
        raise SignatureError(f"timestamp more than {window_seconds} s away from the server's clock")
    return Signed(int(timestamp), nonce)


def verify_url(credentials: Credentials, signature: str, timestamp: str, nonce: str) -> None:
    """The check behind the server URL verification (GET with echostr) and every plain-mode message."""
    try:
        check_signature(credentials.token, signature, timestamp, nonce)
    except InvalidSignatureException as exc:
        raise SignatureError("bad signature") from exc


def open_request(credentials: Credentials, body: bytes, query: Mapping[str, str]) -> tuple[Incoming, Envelope]:
    """Verify, decrypt (safe mode: `encrypt_type=aes`, signed by `msg_signature`) and read a pushed message."""
    timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
    if query.get("encrypt_type", "raw") == "aes":
        xml = _decrypt(credentials, body, query.get("msg_signature", ""), timestamp, nonce)
        return read_message(xml), Envelope(encrypted=True, nonce=nonce)
    if credentials.safe_mode:
        # a plain signature does not cover the body: accepting one would undo what safe mode is for
        raise SignatureError("plain-mode message refused: this account is configured for safe mode")
    verify_url(credentials, query.get("signature", ""), timestamp, nonce)
    return read_message(body), Envelope(encrypted=False, nonce=nonce)


def _decrypt(credentials: Credentials, body: bytes, msg_signature: str, timestamp: str, nonce: str) -> str:
    crypto = credentials.crypto()
    try:
        return crypto.decrypt_message(body, msg_signature, timestamp, nonce)
    except InvalidSignatureException as exc:
        raise SignatureError("bad msg_signature") from exc
    except InvalidAppIdException as exc:
        raise SignatureError("message encrypted for another AppID") from exc
    except (ExpatError, KeyError, TypeError, ValueError, IndexError, struct.error) as exc:
        # an unparsable envelope, no <Encrypt>, or a payload that is not the protocol's base64/AES framing
        raise MalformedMessage(f"cannot decrypt: {type(exc).__name__}") from exc


def read_message(xml: bytes | str) -> Incoming:
    """The message in a (verified, decrypted) XML body."""
    try:
        message = parse_message(xml)
        if message is None:
            raise MalformedMessage("empty body")
        openid, account = message.source, message.target
        msg_id, created = message.id, message.time
        if not (isinstance(openid, str) and openid and isinstance(account, str) and account and created):
            raise MalformedMessage("FromUserName, ToUserName and CreateTime are required")
        if len(openid) > OPENID_MAX_CHARS:
            raise MalformedMessage(f"FromUserName is too long ({len(openid)} characters; at most {OPENID_MAX_CHARS})")
        text = message.content if message.type == "text" else ""
    except MalformedMessage:
        raise
    except (ExpatError, KeyError, TypeError, ValueError, AttributeError) as exc:
        # not XML, no <xml> root or MsgType, or a number field that is not a number
        raise MalformedMessage(f"not a WeChat message: {type(exc).__name__}") from exc
    dedupe_key = f"msg:{openid}:{msg_id}" if msg_id else f"event:{openid}:{created}"
    if len(dedupe_key) > DEDUPE_KEY_MAX_CHARS:  # WeChat's MsgId and CreateTime are 64-bit numbers
        raise MalformedMessage("MsgId or CreateTime is too long")
    return Incoming(kind=_kind(message), openid=openid, account=account, dedupe_key=dedupe_key, text=text or "")


def _kind(message: object) -> str:
    message_type = getattr(message, "type", "")
    if message_type == "text":
        return "text"
    if message_type in MEDIA_TYPES:
        return "media"
    if message_type == "event" and getattr(message, "event", "") in SUBSCRIBE_EVENTS:
        return "subscribe"
    return "other"


def render_reply(incoming: Incoming, envelope: Envelope, text: str, credentials: Credentials) -> str:
    """The passive reply XML for `text`, encrypted and signed when the request came in safe mode."""
    reply = TextReply(source=incoming.account, target=incoming.openid, content=_cdata_safe(text)).render()
    if envelope.encrypted:
        return credentials.crypto().encrypt_message(reply, envelope.nonce, str(int(time.time())))
    return reply


def _cdata_safe(text: str) -> str:
    """wechatpy writes the content into a CDATA section verbatim: drop what XML forbids, split any "]]>"."""
    return _XML_FORBIDDEN.sub("", text).replace("]]>", "]]]]><![CDATA[>")
