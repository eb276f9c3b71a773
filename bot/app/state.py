"""What the app loads once at start-up, and the dependencies that hand it to the routes.

A router that needs the dialogue declares `service: DialogueService = Depends(get_dialogue)`; it gets a 503
with the reason while the model is missing or failed to load, so no route has to check for None itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import Depends, HTTPException, Request, status

from bot.dialogue.service import DialogueService
from bot.dialogue.workers import DialogueWorkers
from bot.nlu.parser import NluParser


@dataclass
class AppState:
    """Loaded models by role and the customer dialogue; what failed is recorded with the reason instead."""

    parsers: dict[str, NluParser] = field(default_factory=dict)
    load_errors: dict[str, str] = field(default_factory=dict)
    # The customer dialogue (Rasa agent + actions + stores), in this process or in worker processes; None with
    # `dialogue_error` saying why.
    dialogue: DialogueService | DialogueWorkers | None = None
    dialogue_error: str | None = None
    # False when this instance is not meant to hold conversations (parse-only model or create_app option).
    dialogue_enabled: bool = True
    # The app database (DATABASE_URL) as migrated at start-up; `database_error` when that failed.
    database_url: str | None = None
    database_error: str | None = None


def get_app_state(request: Request) -> AppState:
    return request.app.state.retention


def require_parser(state: AppState, role: str) -> NluParser:
    """The parser for `role`, or a 503 that says why it is not loaded."""
    parser = state.parsers.get(role)
    if parser is None:
        reason = state.load_errors.get(role, "the model is still loading")
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=f"{role} model unavailable: {reason}")
    return parser


def get_dialogue(state: AppState = Depends(get_app_state)) -> DialogueService | DialogueWorkers:
    """The customer dialogue for a route, or a 503 that says why it is not available."""
    if state.dialogue is None:
        reason = state.dialogue_error or "the model is still loading"
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=f"dialogue unavailable: {reason}")
    return state.dialogue
