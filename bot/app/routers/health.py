"""`GET /health`: what a load balancer and an operator need to know about this instance."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from bot.app.state import AppState, get_app_state

router = APIRouter(tags=["health"])


@router.get("/health")
async def health(state: AppState = Depends(get_app_state)) -> dict[str, Any]:
    models = {
        role: {"loaded": True, "version": parser.model_version} for role, parser in state.parsers.items()
    }
    models.update({role: {"loaded": False, "error": error} for role, error in state.load_errors.items()})
    ok = "customer" in state.parsers
    return {"status": "ok" if ok else "degraded", "models": models}
