"""What every request must be before a route sees it: not too large, and for JSON routes JSON in valid Unicode.

- `BodySizeLimit` (middleware, every route): a body over MAX_REQUEST_BYTES is answered 413, whether the client
  declared its length or streamed it; without it a 20 MB body was read into memory and parsed.
- `JsonRoute` (route class of every router with a JSON body): 415 unless the request says it is JSON (FastAPI
  parses a body without Content-Type as JSON, which lets a cross-site form post in); 400 for text that is not
  valid Unicode. JSON's `\\ud800` escape decodes to a lone surrogate that no database, log line or UTF-8
  answer can hold: it failed deep inside as a 500, or silently lost the customer's turn.

Both answer in the project's error shape (bot/app/errors.py).
"""

from __future__ import annotations

import email.message
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import HTTPException, Request, Response, params, status
from fastapi.routing import APIRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.app.errors import error_response


NOT_JSON = "the body must be JSON (Content-Type: application/json)"


def too_large(max_bytes: int) -> str:
    return f"request body too large (at most {max_bytes} bytes)"


class BodySizeLimit:
    """Refuse bodies over `max_bytes` with 413: at once by Content-Length, else while the body streams in.

    A body that outgrows the limit while it is read raises HTTPException(413) from `receive`; FastAPI and
    Starlette pass an HTTPException through their body parsing, so it reaches the app's exception handling and
    is answered like any other refusal.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await error_response(status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, too_large(self.max_bytes))(
                scope, receive, send
            )
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise HTTPException(status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, detail=too_large(self.max_bytes))
            return message

        await self.app(scope, limited_receive, send)


def is_json_content_type(value: str | None) -> bool:
    """application/json or any application/*+json, parameters (charset) allowed; FastAPI's own reading of it."""
    if not value:
        return False
    message = email.message.Message()
    message["content-type"] = value
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (subtype == "json" or subtype.endswith("+json"))


def _valid(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def invalid_unicode_at(value: Any, location: str = "body") -> str | None:
    """Where in a parsed JSON value a string holds a lone surrogate, e.g. `metadata.name`; None if nowhere.

    For a key that holds one, the object it is in (the key itself could not be written into the answer).
    """
    if isinstance(value, str):
        return None if _valid(value) else location
    if isinstance(value, dict):
        for key, item in value.items():
            if not _valid(key):
                return location
            found = invalid_unicode_at(item, key if location == "body" else f"{location}.{key}")
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = invalid_unicode_at(item, f"{location}[{index}]")
            if found:
                return found
    return None


def has_json_body(route: APIRoute) -> bool:
    return route.body_field is not None and not isinstance(route.body_field.field_info, params.Form)


class JsonRoute(APIRoute):
    """A route whose JSON body must be declared as JSON and be valid Unicode; other routes pass unchanged."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if not has_json_body(self):
            return handler

        async def checked_handler(request: Request) -> Response:
            if not is_json_content_type(request.headers.get("content-type")):
                raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, detail=NOT_JSON)
            try:
                body = await request.json()  # Starlette keeps it: the route does not parse it again
                location = invalid_unicode_at(body)
            except UnicodeDecodeError:
                raise HTTPException(status.HTTP_400_BAD_REQUEST, detail="body: the body is not valid UTF-8") from None
            except RecursionError:
                raise HTTPException(status.HTTP_400_BAD_REQUEST, detail="body: nested too deeply") from None
            except ValueError:
                return await handler(request)  # not JSON: the route's own validation error says where
            if location is not None:
                raise HTTPException(
                    status.HTTP_400_BAD_REQUEST, detail=f"{location}: invalid Unicode (a lone surrogate)"
                )
            return await handler(request)

        return checked_handler
