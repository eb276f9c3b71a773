"""What the app loads once at start-up, and the dependencies that hand it to the routes."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import HTTPException, Request, status

from bot.nlu.parser import NluParser


@dataclass
class AppState:
    """Loaded models by role; a missing one is recorded with the reason instead of failing the start-up."""

    parsers: dict[str, NluParser] = field(default_factory=dict)
    load_errors: dict[str, str] = field(default_factory=dict)


def get_app_state(request: Request) -> AppState:
    return request.app.state.retention


def require_parser(state: AppState, role: str) -> NluParser:
    """The parser for `role`, or a 503 that says why it is not loaded."""
    parser = state.parsers.get(role)
    if parser is None:
        reason = state.load_errors.get(role, "the model is still loading")
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=f"{role} model unavailable: {reason}")
    return parser
