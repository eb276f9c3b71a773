"""One error shape for every route: `{"detail": "<one readable sentence>"}` with the status that fits.

Rasa's HTTP API and our REST webhook answer a malformed body with 400 and a sentence; FastAPI's default is 422
with a list of error objects, and Starlette's is a plain-text 500. A client (the chat page, a Rasa widget, a
script) should need one way to read every refusal, so validation errors become 400 with one sentence per field
and an unexpected failure a JSON 500 that says nothing about the internals.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

INTERNAL_ERROR = "internal error: the request could not be handled; it has been logged"


def error_response(status_code: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """The project's error shape, for code that answers without raising HTTPException (middleware)."""
    return JSONResponse({"detail": detail}, status_code=status_code, headers=headers)


def _location(loc: tuple[Any, ...]) -> str:
    """`message` for ("body", "message"); `body` for the body itself or a position in it (invalid JSON)."""
    parts = [str(part) for part in loc if part not in ("body", "query", "path", "header", "cookie")]
    if len(parts) == 1 and isinstance(loc[-1], int):
        return "body"
    return ".".join(parts) or "body"


def readable_errors(errors: list[dict[str, Any]]) -> str:
    """FastAPI's validation errors as one sentence per field: `message: ensure this value ...`."""
    return "; ".join(f"{_location(tuple(error.get('loc', ())))}: {error.get('msg')}" for error in errors)


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    return error_response(status.HTTP_400_BAD_REQUEST, readable_errors(exc.errors()))


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    """Starlette re-raises the exception after this answer, so the server still logs the traceback."""
    return error_response(status.HTTP_500_INTERNAL_SERVER_ERROR, INTERNAL_ERROR)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected_error)
