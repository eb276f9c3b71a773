"""The FastAPI application factory.

Models load in the lifespan, in a worker thread (loading compiles the TensorFlow graph for 7-20 s), never at
import time; a missing model leaves the app up and says why on /health and with 503 on the routes that need it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from bot import __version__
from bot.app.routers import health, nlu
from bot.app.state import AppState
from bot.logging_setup import configure_rasa_structlog
from bot.nlu.parser import NluParser

logger = logging.getLogger(__name__)


async def _load_parsers(state: AppState, roles: Iterable[str], model_paths: Mapping[str, Path]) -> None:
    loop = asyncio.get_running_loop()
    for role in roles:
        try:
            state.parsers[role] = await loop.run_in_executor(None, NluParser.load, role, model_paths.get(role))
        except Exception as exc:  # noqa: BLE001 - the app must come up and report it
            logger.error("The %s model could not be loaded: %s", role, exc)
            state.load_errors[role] = str(exc)


def create_app(roles: Iterable[str] = ("customer", "agent"), model_paths: Mapping[str, Path] | None = None) -> FastAPI:
    """The app; `model_paths` overrides the trained model of a role (tests use small fixture models)."""
    roles = tuple(roles)
    model_paths = dict(model_paths or {})
    configure_rasa_structlog()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.retention = AppState()
        await _load_parsers(app.state.retention, roles, model_paths)
        yield

    app = FastAPI(title="Retention bot", version=__version__, lifespan=lifespan)
    app.include_router(health.router)
    app.include_router(nlu.router)
    return app
