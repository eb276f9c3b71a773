"""Custom actions without an action server: rasa_sdk's ActionExecutor called in-process.

Rasa runs a custom action through `RemoteAction.run`, which calls `action_endpoint.request(json=..., method="post")`
and reads the action server's answer. `InProcessActionEndpoint` is an `EndpointConfig` whose `request` answers
exactly what `rasa_sdk.endpoint`'s `/webhook` would, so nothing else in Rasa changes:

- 200: the executor's `{"events": [...], "responses": [...]}` (or None when the call names no action);
- 400 `{"error", "action_name"}` for `ActionExecutionRejection` — RemoteAction turns it back into Rasa's own
  ActionExecutionRejection, which forms and the policies rely on (another action is predicted instead);
- 404 `{"error", "action_name"}` for an unregistered action, 500 `{"error", "request_body"}` for any other
  exception — RemoteAction turns both into a RasaException, the processor logs it and the bot carries on.

The request and the answer go through JSON like they would over HTTP, so an action sees the same types and
cannot mutate Rasa's own tracker state, and an answer that would not serialise fails here too.

Set ACTION_ENDPOINT_URL to use an external action server instead (`rasa run actions`), e.g. to scale the
actions apart from the models; then a plain `EndpointConfig` is used.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import logging
from dataclasses import dataclass
from typing import Any

from rasa.utils.endpoints import ClientResponseError, EndpointConfig

from bot.config import Settings, get_settings
from bot.event_loop import work_on_the_loop

logger = logging.getLogger(__name__)

IN_PROCESS_URL_SCHEME = "in-process"


class ActionPackageError(RuntimeError):
    """The custom action package could not be imported (the message says which and why)."""


@dataclass(frozen=True)
class ActionRegistry:
    """What an executor knows: the registered action names, or why the package could not be loaded."""

    package: str
    actions: tuple[str, ...] = ()
    error: str | None = None


def _error_body(action_name: str | None, message: str) -> str:
    return json.dumps({"error": message, "action_name": action_name}, ensure_ascii=False)


def create_executor(package: str) -> Any:
    """A rasa_sdk ActionExecutor with every action of `package` registered.

    rasa_sdk's `register_package` calls `sys.exit(1)` when the package does not import (right for its own
    server, fatal for ours), so the package is imported first and an ImportError becomes ActionPackageError.
    """
    from rasa_sdk.executor import ActionExecutor

    try:
        importlib.import_module(package)
    except ImportError as exc:
        raise ActionPackageError(f"the custom action package {package!r} cannot be imported: {exc}") from exc
    executor = ActionExecutor()
    try:
        executor.register_package(package)
    except SystemExit as exc:  # a sub-module failed to import; rasa_sdk logged the traceback
        raise ActionPackageError(f"a module of the custom action package {package!r} failed to import") from exc
    # rasa_sdk registers every Action subclass imported anywhere in the process; keep this package's own.
    for name, run in list(executor.actions.items()):
        module = type(getattr(run, "__self__", run)).__module__
        if module != package and not module.startswith(f"{package}."):
            del executor.actions[name]
    return executor


class InProcessActionEndpoint(EndpointConfig):
    """An action endpoint that runs rasa_sdk's ActionExecutor in this process instead of calling HTTP.

    Each action call runs in a worker thread on its own event loop: the actions query the app database
    synchronously, and on the server's loop one slow query would stall every conversation of the process
    (a separate action server gives the same isolation). A dialogue worker runs it on its loop instead
    (bot/event_loop.py). An action package that fails to import leaves the
    endpoint usable — every custom action then answers 404, which Rasa logs — and `registry.error` says why,
    for /health.
    """

    def __init__(self, package: str = "actions", executor: Any | None = None, **kwargs: Any) -> None:
        super().__init__(url=f"{IN_PROCESS_URL_SCHEME}://{package}", **kwargs)
        self.package = package
        self._load_error: str | None = None
        if executor is None:
            try:
                executor = create_executor(package)
            except ActionPackageError as exc:
                logger.error("%s; custom actions will fail until it is fixed", exc)
                self._load_error = str(exc)
        self.executor = executor

    @property
    def registry(self) -> ActionRegistry:
        names = tuple(sorted(self.executor.actions)) if self.executor is not None else ()
        return ActionRegistry(self.package, names, self._load_error)

    def copy(self) -> InProcessActionEndpoint:
        return InProcessActionEndpoint(self.package, self.executor, **self.kwargs)

    async def request(
        self,
        method: str = "post",
        subpath: str | None = None,
        content_type: str | None = "application/json",
        compress: bool = False,
        **kwargs: Any,
    ) -> Any:
        """What the action server's POST /webhook answers; an error status raises ClientResponseError."""
        if method.lower() != "post" or subpath not in (None, "", "/", "/webhook", "webhook"):
            raise ClientResponseError(404, "Not Found", _error_body(None, f"no route {method.upper()} {subpath}"))
        # Through JSON both ways, as over HTTP: the action gets plain JSON types and its own copy.
        action_call = json.loads(json.dumps(kwargs.get("json")))
        if action_call is None:
            raise ClientResponseError(400, "Bad Request", json.dumps({"error": "Invalid body request"}))
        if work_on_the_loop():
            return await self._run(action_call)
        return await asyncio.to_thread(lambda: asyncio.run(self._run(action_call)))

    async def _run(self, action_call: dict[str, Any]) -> Any:
        from rasa_sdk import utils
        from rasa_sdk.interfaces import ActionExecutionRejection, ActionNotFoundException

        action_name = action_call.get("next_action")
        if self.executor is None:
            message = f"No registered action found for name '{action_name}' ({self._load_error})."
            raise ClientResponseError(404, "Not Found", _error_body(action_name, message))
        utils.check_version_compatibility(action_call.get("version"))
        try:
            result = await self.executor.run(action_call)
            return json.loads(json.dumps(result))
        except ActionExecutionRejection as exc:
            logger.debug(exc)
            raise ClientResponseError(400, "Bad Request", _error_body(exc.action_name, exc.message)) from exc
        except ActionNotFoundException as exc:
            logger.error(exc)
            raise ClientResponseError(404, "Not Found", _error_body(exc.action_name, exc.message)) from exc
        except Exception as exc:  # noqa: BLE001 - the action server answers 500 and Rasa carries on
            logger.exception("Exception while running the custom action %r", action_name)
            body = json.dumps({"error": str(exc), "request_body": action_call}, ensure_ascii=False, default=str)
            raise ClientResponseError(500, "Internal Server Error", body) from exc


def action_endpoint_from_settings(settings: Settings | None = None) -> EndpointConfig:
    """The external action server of ACTION_ENDPOINT_URL, else the in-process executor of ACTIONS_PACKAGE."""
    settings = settings or get_settings()
    if settings.action_endpoint_url:
        return EndpointConfig(url=settings.action_endpoint_url)
    return InProcessActionEndpoint(settings.actions_package)
