"""`GET /webhooks/wechat` (server URL verification) and `POST /webhooks/wechat` (pushed messages, passive reply).

Configure the account's server URL as https://<host>/webhooks/wechat with WECHAT_TOKEN, and for safe mode
WECHAT_APPID and WECHAT_AES_KEY (docs/CHANNELS.md). Answers:

- 403 for a request WeChat did not sign for this account just now — checked before anything is parsed or
  stored: a bad signature, a timestamp more than WECHAT_TIMESTAMP_WINDOW_SECONDS away, a signature already
  used for another body, or a plain-mode message while safe mode is configured;
- 400 for a body that is not a WeChat message (or names an openid over 128 characters), 413 for one far
  larger than any WeChat sends (the app's body cap);
- 503 while the channel is not configured or the dialogue is not loaded (WeChat retries, then tells the
  customer the account cannot answer right now);
- otherwise 200: the reply XML (encrypted in safe mode), or `success` when there is nothing to say in time.
"""

from __future__ import annotations

import time

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import PlainTextResponse, Response

from bot.app.state import AppState, get_app_state, get_dialogue
from bot.channels.wechat.conversation import WechatConversations
from bot.channels.wechat.protocol import (
    Credentials,
    MalformedMessage,
    NotConfigured,
    SignatureError,
    check_fresh,
    open_request,
    render_reply,
    verify_url,
)
from bot.config import get_settings

router = APIRouter(prefix="/webhooks/wechat", tags=["wechat channel"])


def _not_configured(exc: NotConfigured) -> HTTPException:
    return HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=f"WeChat channel not configured: {exc}")


def _forbidden(exc: SignatureError) -> HTTPException:
    return HTTPException(status.HTTP_403_FORBIDDEN, detail=str(exc))


def _credentials() -> Credentials:
    try:
        return Credentials.from_settings(get_settings())
    except NotConfigured as exc:
        raise _not_configured(exc) from None


def _conversations(request: Request) -> WechatConversations:
    """The app's one WechatConversations (it holds the bot turns still running), made on first use."""
    conversations = getattr(request.app.state, "wechat_conversations", None)
    if conversations is None:
        conversations = request.app.state.wechat_conversations = WechatConversations()
    return conversations


async def _first_use(request: Request, signed_over: bytes) -> None:
    """403 unless the request's timestamp is recent and its (timestamp, nonce) signed no other body before.

    A retry may come with the same signature and the same body: it passes, and dedupe answers it.
    """
    window = get_settings().wechat_timestamp_window_seconds
    now = time.time()
    try:
        signed = check_fresh(request.query_params, now, window)
    except SignatureError as exc:
        raise _forbidden(exc) from None
    if not await _conversations(request).signature_unused(signed, signed_over, oldest=int(now) - window):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="this signature was already used for another request")


@router.get("", response_class=PlainTextResponse)
async def verify_server(
    request: Request, signature: str = "", timestamp: str = "", nonce: str = "", echostr: str = ""
) -> str:
    """The 公众平台's check of the server URL: echo `echostr` when the request is signed with our token."""
    try:
        verify_url(_credentials(), signature, timestamp, nonce)
    except SignatureError as exc:
        raise _forbidden(exc) from None
    await _first_use(request, echostr.encode())  # the same formula signs plain messages: spend it here
    return echostr


@router.post("", response_class=Response)
async def receive(request: Request, state: AppState = Depends(get_app_state)) -> Response:
    """One pushed message or event → its passive reply (docstring of bot.channels.wechat.conversation)."""
    received_at = time.monotonic()
    credentials = _credentials()
    body = await request.body()  # at most MAX_REQUEST_BYTES (bot/app/request_checks.py)
    try:
        incoming, envelope = open_request(credentials, body, request.query_params)
    except SignatureError as exc:
        raise _forbidden(exc) from None
    except MalformedMessage as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, detail=str(exc)) from None
    except NotConfigured as exc:
        raise _not_configured(exc) from None
    await _first_use(request, body)
    text = await _conversations(request).answer(get_dialogue(state), incoming, received_at)
    if not text:
        return PlainTextResponse("success")
    return Response(render_reply(incoming, envelope, text, credentials), media_type="application/xml")
