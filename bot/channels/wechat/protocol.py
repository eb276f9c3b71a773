"""The Official Account message protocol: signatures, plain and safe (AES) mode, the messages and the replies.

wechatpy does the cryptography and the XML; this module turns its results and exceptions into three outcomes
the router maps to HTTP: a verified `Incoming` message, `SignatureError` (403: not from WeChat, or not for
this account) and `MalformedMessage` (400). Nothing is parsed before the signature is checked, and only the
fields the channel uses leave this module, already converted, so a field that fails to convert is a 400 here
rather than an error later.
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

# Message types a person sends that the bot cannot read; they get a request to write instead.
MEDIA_TYPES = frozenset({"image", "voice", "video", "shortvideo", "location", "link"})
SUBSCRIBE_EVENTS = frozenset({"subscribe", "subscribe_scan"})
# Characters XML 1.0 forbids; one in a reply would make WeChat drop the whole reply.
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class NotConfigured(RuntimeError):
    """The account's token (or, for safe mode, the AppID and EncodingAESKey) is not set."""


class SignatureError(Exception):
    """The request is not signed with this account's token, or was encrypted for another AppID."""


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
    any two messages: the MsgId, or for events (which have none) the sender and the creation time.
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
        text = message.content if message.type == "text" else ""
    except MalformedMessage:
        raise
    except (ExpatError, KeyError, TypeError, ValueError, AttributeError) as exc:
        # not XML, no <xml> root or MsgType, or a number field that is not a number
        raise MalformedMessage(f"not a WeChat message: {type(exc).__name__}") from exc
    dedupe_key = f"msg:{msg_id}" if msg_id else f"event:{openid}:{created}"
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
