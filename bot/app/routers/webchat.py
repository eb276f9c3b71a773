"""`GET /` (the web chat page) and `GET /static/...` (its script and style sheet, all served from bot/app/static).

Every asset is local: the page must work on an intranet without internet access, and a third-party CDN
would see every customer who opens it. The Content-Security-Policy allows nothing but this origin, so even a
bug that put bot or customer text into markup could not run a script.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response
from starlette.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # frame-ancestors says the same to current browsers; older ones (and some embedded web views) read only this.
    "X-Frame-Options": "DENY",
}

router = APIRouter(tags=["web chat"])
# StaticFiles checks paths (no escaping the directory), sets ETag / Last-Modified and answers 304 and 404.
_static_files = StaticFiles(directory=STATIC_DIR)


@router.get("/", include_in_schema=False)
async def chat_page() -> FileResponse:
    return FileResponse(STATIC_DIR / "index.html", media_type="text/html; charset=utf-8", headers=SECURITY_HEADERS)


@router.get("/static/{path:path}", include_in_schema=False)
async def static_file(path: str, request: Request) -> Response:
    response = await _static_files.get_response(path, request.scope)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
