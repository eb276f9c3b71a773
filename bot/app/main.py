"""The FastAPI application factory.

Models load in the lifespan, in a worker thread (loading compiles the TensorFlow graph for 7-20 s), never at
import time; a missing model leaves the app up and says why on /health and with 503 on the routes that need it.

The customer model is loaded once, as the dialogue (`DialogueService`: Rasa agent with the custom actions
in-process, the tracker and lock stores, transcripts); `/model/parse` for customers uses the same agent. With
DIALOGUE_WORKERS=N > 1 the dialogue runs in N worker processes instead (`DialogueWorkers`) and this process
loads a customer parser of its own. The
app database is migrated at start-up, before the first message can reach an action.

Adding an area: write `bot/app/routers/<area>.py` with a `router`, and add one `app.include_router` line below.
A router with JSON bodies uses `route_class=JsonRoute` (bot/app/request_checks.py); every route gets the body
cap and the one error shape (bot/app/errors.py) from here.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from bot import __version__
from bot.app.api_docs import install_api_docs, openapi_url
from bot.app.errors import install_error_handlers
from bot.app.request_checks import BodySizeLimit
from bot.app.routers import auth, desk, desk_api, health, nlu, practice, rest, webchat, wechat
from bot.app.state import AppState
from bot.config import get_settings
from bot.dialogue.service import freeze_loaded_objects
from bot.logging_setup import configure_rasa_structlog
from bot.nlu.parser import NluParser

logger = logging.getLogger(__name__)

NLU_ONLY = "the customer model has no dialogue policies (NLU only): parsing only"
# At shutdown, transcript turns still waiting for the database get this long to be written.
SHUTDOWN_TRANSCRIPT_SECONDS = 10.0


async def _load_parser(state: AppState, role: str, path: Path | None) -> None:
    try:
        state.parsers[role] = await asyncio.to_thread(NluParser.load, role, path)
    except Exception as exc:  # noqa: BLE001 - the app must come up and report it
        logger.error("The %s model could not be loaded: %s", role, exc)
        state.load_errors[role] = str(exc)


async def _migrate_database(state: AppState) -> None:
    from bot.config import get_settings
    from bot.db.errors import describe_database_error
    from bot.db.migrate import upgrade

    url = get_settings().effective_database_url
    state.database_url = url
    try:
        await asyncio.to_thread(upgrade, url)
    except Exception as exc:  # noqa: BLE001 - reported on /health; the dialogue still answers
        state.database_error = describe_database_error(exc, url)
        logger.error("The app database could not be migrated: %s", state.database_error)


async def _load_dialogue(state: AppState, path: Path | None) -> None:
    """The dialogue; when it cannot load (stores, model), customer parsing is still tried on its own."""
    from bot.dialogue.service import DialogueService

    workers = get_settings().dialogue_workers
    if workers > 1:
        await _start_dialogue_workers(state, path, workers)
        return
    try:
        service = await asyncio.to_thread(DialogueService.load, path)
    except Exception as exc:  # noqa: BLE001 - the app must come up and report it
        logger.error("The customer dialogue could not be loaded: %s", exc)
        state.dialogue_error = f"{type(exc).__name__}: {exc}"
        await _load_parser(state, "customer", path)
        return
    state.parsers["customer"] = NluParser(service.agent, "customer", service.model_path)
    if not service.has_dialogue:
        state.dialogue_enabled, state.dialogue_error = False, NLU_ONLY
        return
    await _migrate_database(state)
    state.dialogue = service


async def _start_dialogue_workers(state: AppState, path: Path | None, count: int) -> None:
    """The dialogue in `count` worker processes (bot/dialogue/workers.py); this process keeps a customer parser
    of its own for `/model/parse`, practice mode and the desk's take-over, loaded while the workers load."""
    from bot.dialogue.workers import DialogueWorkers
    from bot.nlu.training import find_model

    try:
        path = Path(path or find_model("customer")).resolve()
    except Exception as exc:  # noqa: BLE001 - the app must come up and report it
        state.dialogue_error = state.load_errors["customer"] = str(exc)
        return
    await _migrate_database(state)
    started, _ = await asyncio.gather(
        DialogueWorkers.start(count, path), _load_parser(state, "customer", path), return_exceptions=True
    )
    if isinstance(started, BaseException):
        logger.error("The dialogue workers could not be started: %s", started)
        state.dialogue_error = f"{type(started).__name__}: {started}"
    elif not started.has_dialogue:
        await started.close(0)
        state.dialogue_enabled, state.dialogue_error = False, NLU_ONLY
    else:
        state.dialogue = started


def create_app(
    roles: Iterable[str] = ("customer", "agent"),
    model_paths: Mapping[str, Path] | None = None,
    *,
    dialogue: bool = True,
) -> FastAPI:
    """The app; `model_paths` overrides the trained model of a role (tests use small fixture models).

    `dialogue=False` loads the customer model for parsing only (no stores, actions or database).
    """
    roles = tuple(roles)
    model_paths = dict(model_paths or {})
    configure_rasa_structlog()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = app.state.retention = AppState()
        if not dialogue or "customer" not in roles:
            state.dialogue_enabled, state.dialogue_error = False, "the dialogue is not enabled on this instance"
        for role in roles:
            if role == "customer" and dialogue:
                await _load_dialogue(state, model_paths.get(role))
            else:
                await _load_parser(state, role, model_paths.get(role))
        practice.enable(app, state.parsers)
        # The first report imports and reads what later ones reuse (migration scripts, Alembic's runtime): seconds
        # under load, which a load balancer's first check would otherwise wait for.
        await health.build_report(state)
        freeze_loaded_objects()
        yield
        gc.unfreeze()  # a process that starts another app (tests) can collect this one
        if state.dialogue is not None:
            await state.dialogue.close(SHUTDOWN_TRANSCRIPT_SECONDS)

    settings = get_settings()
    app = FastAPI(
        title="Retention bot",
        version=__version__,
        lifespan=lifespan,
        openapi_url=openapi_url(settings.api_docs),
        docs_url=None,  # FastAPI's pages load from a CDN: bot/app/api_docs.py serves them locally
        redoc_url=None,
    )
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_bytes)
    install_error_handlers(app)
    install_api_docs(app, settings.api_docs)
    app.include_router(health.router)
    app.include_router(nlu.router)
    app.include_router(rest.router)
    app.include_router(wechat.router)
    app.include_router(webchat.router)
    app.include_router(auth.router)
    app.include_router(desk.router)
    app.include_router(desk_api.router)
    app.include_router(practice.router)
    return app
