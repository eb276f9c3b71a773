"""`POST /model/parse`: Rasa's own request shape, the project's label contract in the answer."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field, StrictStr, validator

from bot.app.request_checks import JsonRoute
from bot.app.state import AppState, get_app_state, require_parser

router = APIRouter(tags=["nlu"], route_class=JsonRoute)


class ParseRequest(BaseModel):
    text: StrictStr = Field(..., description="the message to parse", max_length=2000)
    role: Literal["customer", "agent"] = Field("customer", description="whose message it is")

    @validator("text")
    def text_not_blank(cls, value: str) -> str:  # noqa: N805 - pydantic validator signature
        if not value.strip():
            raise ValueError("text must not be empty")
        return value


@router.post("/model/parse")
async def parse(body: ParseRequest, state: AppState = Depends(get_app_state)) -> dict[str, Any]:
    return await require_parser(state, body.role).parse(body.text)
