"""`GET /health` for a load balancer, `GET /health/details` for an operator signed in as admin.

200 when the instance can hold customer conversations: the customer model and dialogue loaded, the app
database reachable and migrated, every custom action of the domain registered, the tracker and lock stores
answering. 503 otherwise. The agent (practice) model is reported but does not fail the check. A customer model
without dialogue policies (a parse-only deployment) is reported as `dialogue.enabled: false` and is not a
failure either.

`/health` is public and says only `{"status": "ok" | "degraded"}`; the report that says which part failed and
why — database location, model versions, store servers, action names — is `/health/details`, for admins
(401 signed out, 403 another role), with the same status code.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from bot.app.state import AppState, get_app_state
from bot.auth.dependencies import require_role
from bot.db.models import User
from bot.dialogue.service import HEALTH_THREADS

router = APIRouter(tags=["health"])

CHECK_TIMEOUT_SECONDS = 5.0


class ModelHealth(BaseModel):
    loaded: bool
    version: str | None = None
    error: str | None = None


class DialogueHealth(BaseModel):
    enabled: bool  # meant to hold conversations on this instance
    loaded: bool
    model: str | None = None
    fingerprint: str | None = None
    load_seconds: float | None = None
    processes: int | None = None  # the app process itself (1) or its dialogue workers
    error: str | None = None


class DatabaseHealth(BaseModel):
    url: str
    reachable: bool
    revision: str | None = None
    head: str | None = None
    error: str | None = None


class ActionsHealth(BaseModel):
    ok: bool
    mode: str
    target: str
    expected: int
    registered: int
    missing: list[str]
    error: str | None = None


class StoreHealth(BaseModel):
    kind: str
    url: str | None = None
    reachable: bool
    error: str | None = None


class HealthStatus(BaseModel):
    status: str  # "ok" or "degraded"


class HealthReport(HealthStatus):
    models: dict[str, ModelHealth]
    dialogue: DialogueHealth
    database: DatabaseHealth | None = None
    actions: ActionsHealth | None = None
    tracker_store: StoreHealth | None = None
    lock_store: StoreHealth | None = None


@functools.lru_cache(maxsize=1)
def _head_revision() -> str | None:
    from bot.db.migrate import head_revision

    return head_revision()


def _check_database(url: str) -> DatabaseHealth:
    from bot.db.errors import DATABASE_ERRORS, describe_database_error, safe_url
    from bot.db.migrate import current_revision

    head = _head_revision()
    try:
        revision = current_revision(url)
    except DATABASE_ERRORS as exc:
        return DatabaseHealth(url=safe_url(url), reachable=False, head=head, error=describe_database_error(exc, url))
    error = None if revision == head else f"database at revision {revision}, expected {head}: run `retention-bot db init`"
    return DatabaseHealth(url=safe_url(url), reachable=True, revision=revision, head=head, error=error)


async def _database_health(state: AppState) -> DatabaseHealth:
    """The database the dialogue writes to now (DATABASE_URL is read per call, like the actions do)."""
    from bot.config import get_settings
    from bot.db.errors import safe_url

    url = get_settings().effective_database_url
    try:
        check = asyncio.get_running_loop().run_in_executor(HEALTH_THREADS, _check_database, url)
        return await asyncio.wait_for(check, CHECK_TIMEOUT_SECONDS)
    except asyncio.TimeoutError:
        return DatabaseHealth(url=safe_url(url), reachable=False, error=f"no answer within {CHECK_TIMEOUT_SECONDS:g} s")


def _models(state: AppState) -> dict[str, ModelHealth]:
    models = {role: ModelHealth(loaded=True, version=parser.model_version) for role, parser in state.parsers.items()}
    models.update({role: ModelHealth(loaded=False, error=error) for role, error in state.load_errors.items()})
    return models


async def build_report(state: AppState) -> HealthReport:
    models = _models(state)
    service = state.dialogue
    ok = "customer" in state.parsers
    if service is None:
        ok = ok and not state.dialogue_enabled
        return HealthReport(
            status="ok" if ok else "degraded",
            models=models,
            dialogue=DialogueHealth(
                enabled=state.dialogue_enabled, loaded=False, error=state.dialogue_error or "not loaded"
            ),
        )
    database, actions, stores = await asyncio.gather(
        _database_health(state), service.action_status(), service.store_status()
    )
    report = HealthReport(
        status="ok",
        models=models,
        dialogue=DialogueHealth(
            enabled=True,
            loaded=True,
            model=service.model_version,
            fingerprint=service.model_fingerprint,
            load_seconds=round(service.load_seconds, 1),
            processes=service.processes,
        ),
        database=database,
        actions=ActionsHealth(
            ok=actions.ok,
            mode=actions.mode,
            target=actions.target,
            expected=len(actions.expected),
            registered=len(actions.registered),
            missing=actions.missing,
            error=actions.error,
        ),
        tracker_store=StoreHealth(**vars(stores["tracker_store"])),
        lock_store=StoreHealth(**vars(stores["lock_store"])),
    )
    healthy = (
        ok
        and database.reachable
        and database.error is None
        and actions.ok
        and all(store.reachable for store in stores.values())
    )
    report.status = "ok" if healthy else "degraded"
    return report


def _status_code(report: HealthReport) -> int:
    return 200 if report.status == "ok" else 503


@router.get(
    "/health",
    response_model=HealthStatus,
    responses={503: {"model": HealthStatus, "description": "a part is missing or failing (details for admins)"}},
)
async def health(state: AppState = Depends(get_app_state)) -> Any:
    report = await build_report(state)
    return JSONResponse({"status": report.status}, status_code=_status_code(report))


@router.get(
    "/health/details",
    response_model=HealthReport,
    response_model_exclude_none=True,
    responses={
        401: {"description": "not signed in"},
        403: {"description": "signed in without the admin role"},
        503: {"model": HealthReport, "description": "a part is missing or failing; the body says which"},
    },
)
async def health_details(
    state: AppState = Depends(get_app_state), _admin: User = Depends(require_role("admin"))
) -> Any:
    report = await build_report(state)
    return JSONResponse(report.dict(exclude_none=True), status_code=_status_code(report))
