"""Rasa's REST channel on the FastAPI app: `POST /webhooks/rest/webhook` and `GET /webhooks/rest`.

Same request and answer as Rasa's RestInput, so any Rasa REST client (widgets, scripts, load tests) works:
`{"sender": "...", "message": "...", "metadata": {...}?}` → `[{"recipient_id", "text", "buttons"?, ...}]`.
Differences, all on the side of refusing what Rasa would process blindly: a missing sender, an empty or
over-long message, a non-object metadata and text that is not valid Unicode are answered 400 with a readable
`detail` (bot/app/errors.py), a body that is not declared JSON 415, one over MAX_REQUEST_BYTES 413.

The conversation channel is "web" when `metadata.source == "webchat"` (the chat page sends that), else "rest".
`metadata` (e.g. `{"phone": "13312345678"}`) goes with the message to the custom actions.

A web chat a supervisor has taken over from the desk (bot/review/takeover.py) does not reach the bot: the
webhook records the message and answers `[]`, and the page fetches the supervisor's replies from
`GET /webhooks/rest/agent`.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, StrictStr, validator

from bot.app.request_checks import JsonRoute
from bot.app.state import get_app_state, get_dialogue
from bot.db.session import session_scope
from bot.dialogue.service import MAX_MESSAGE_CHARS, DialogueUnavailable
from bot.review.takeover import LIVE_CHANNEL, LiveMessages, agent_messages, held_for_agent

MAX_SENDER_CHARS = 128  # conversations.sender_id
MAX_METADATA_BYTES = 8192  # metadata is stored with every message in the tracker
WEBCHAT_SOURCE = "webchat"

router = APIRouter(prefix="/webhooks/rest", tags=["rest channel"], route_class=JsonRoute)


class RestMessage(BaseModel):
    """What a Rasa REST client sends."""

    sender: StrictStr = Field(..., description="the conversation id of this user (unique across channels)")
    message: StrictStr = Field(..., description="the user's text, or a button payload such as /accept_offer")
    metadata: dict[str, Any] | None = Field(
        None, description='passed to the custom actions, e.g. {"phone": "13312345678", "source": "webchat"}'
    )

    @classmethod
    def validate(cls, value: Any) -> RestMessage:
        """Refuse anything but a JSON object: pydantic 1 would turn `[{"sender": .., "message": ..}]` into a dict."""
        if not isinstance(value, dict):
            raise TypeError("the body must be a JSON object with sender and message")
        return super().validate(value)

    @validator("sender")
    def sender_is_usable(cls, value: str) -> str:  # noqa: N805 - pydantic validator signature
        value = value.strip()
        if not value:
            raise ValueError("sender must not be empty")
        if len(value) > MAX_SENDER_CHARS:
            raise ValueError(f"sender is too long ({len(value)} characters; at most {MAX_SENDER_CHARS})")
        return value

    @validator("message")
    def message_is_usable(cls, value: str) -> str:  # noqa: N805
        if not value.strip():
            raise ValueError("message must not be empty")
        if len(value) > MAX_MESSAGE_CHARS:
            raise ValueError(
                f"message is too long ({len(value)} characters; at most {MAX_MESSAGE_CHARS} are accepted)"
            )
        return value

    @validator("metadata")
    def metadata_is_small(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:  # noqa: N805
        if value is not None and len(json.dumps(value, ensure_ascii=False).encode()) > MAX_METADATA_BYTES:
            raise ValueError(f"metadata is too large (at most {MAX_METADATA_BYTES} bytes of JSON)")
        return value

    @property
    def channel(self) -> str:
        return "web" if (self.metadata or {}).get("source") == WEBCHAT_SOURCE else "rest"


class BotMessage(BaseModel):
    """One message of the bot, as Rasa's CollectingOutputChannel produces it (absent keys are omitted)."""

    recipient_id: str
    text: str | None = None
    buttons: list[dict[str, Any]] | None = None
    image: str | None = None
    attachment: Any | None = None
    custom: Any | None = None

    class Config:
        extra = "allow"


@router.get("")
@router.get("/", include_in_schema=False)
async def rest_health() -> dict[str, str]:
    """Rasa's `GET /webhooks/rest/`: the channel is up."""
    return {"status": "ok"}


@router.post(
    "/webhook",
    response_class=JSONResponse,
    responses={
        200: {"model": list[BotMessage], "description": "the bot's messages, possibly none"},
        400: {"description": "malformed body, missing sender, empty or too long message"},
        503: {"description": "the dialogue is not loaded, or the lock store does not answer (the detail says which)"},
    },
)
async def webhook(body: RestMessage, request: Request) -> JSONResponse:
    """The bot's replies to one message, exactly as Rasa's REST channel returns them (maybe an empty list)."""
    state = get_app_state(request)
    if body.channel == LIVE_CHANNEL and await held_for_agent(body.sender, body.message, state.parsers.get("customer")):
        return JSONResponse([])  # a person answers this chat now; the page polls for the replies
    service = get_dialogue(state)
    try:
        messages = await service.handle(body.sender, body.message, channel=body.channel, metadata=body.metadata)
    except DialogueUnavailable as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=str(exc)) from None
    return JSONResponse(messages)


@router.get("/agent", response_model=LiveMessages)
def agent_replies(
    sender: str = Query(..., min_length=1, max_length=MAX_SENDER_CHARS), after: int = Query(0, ge=0)
) -> LiveMessages:
    """A supervisor's replies in this sender's open web chat after turn `after`, and whether one answers now.

    The sender id is the chat's only key here as in the webhook: whoever has it can already read and continue
    the conversation, and it is 128 random bits on the chat page."""
    with session_scope() as session:
        return agent_messages(session, sender, after)
