"""`/openapi.json`, `/docs` (Swagger UI) and `/redoc`: only when API_DOCS is on, with every asset served here.

Off by default: the schema lists every route and field to whoever asks, which helps an attacker more than a
customer. When a deployment turns them on, FastAPI's own pages would load Swagger UI and ReDoc from a CDN,
which tells a third party who reads the docs and fails on an intranet; the same assets are served by the app
instead, from the `fastapi_offline` package's static directory (its FastAPI wrapper is not used), under a
Content-Security-Policy that allows this origin only.
"""

from __future__ import annotations

import base64
import hashlib
import re
from importlib.resources import files

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

OPENAPI_URL = "/openapi.json"
ASSETS_URL = "/api-docs/static"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def openapi_url(enabled: bool) -> str | None:
    """What `FastAPI(openapi_url=...)` gets: None turns the schema route off."""
    return OPENAPI_URL if enabled else None


def _csp(page: HTMLResponse) -> str:
    """The page's policy: this origin only, plus the one inline script the page itself carries (by its hash).

    Swagger UI and ReDoc style elements inline and ReDoc searches in a blob: worker, so styles and workers get
    what they need; nothing may come from another origin.
    """
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'"
        for script in _INLINE_SCRIPT.findall(bytes(page.body).decode())
    )
    return (
        f"default-src 'self'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'"
    )


def _secured(page: HTMLResponse) -> HTMLResponse:
    page.headers.update(
        {"Content-Security-Policy": _csp(page), "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff"}
    )
    return page


def install_api_docs(app: FastAPI, enabled: bool) -> None:
    """Add the two pages and their assets when `enabled` (the schema route follows `openapi_url`)."""
    if not enabled:
        return
    assets = StaticFiles(directory=str(files("fastapi_offline") / "static"))
    app.mount(ASSETS_URL, assets, name="api-docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return _secured(
            get_swagger_ui_html(
                openapi_url=f"{root}{OPENAPI_URL}",
                title=f"{app.title} - Swagger UI",
                swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui-bundle.js",
                swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui.css",
                swagger_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
            )
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return _secured(
            get_redoc_html(
                openapi_url=f"{root}{OPENAPI_URL}",
                title=f"{app.title} - ReDoc",
                redoc_js_url=f"{root}{ASSETS_URL}/redoc.standalone.js",
                redoc_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
                with_google_fonts=False,
            )
        )
