"""CSRF: a state-changing request from a browser must send back the token of its own session.

The token lives in the signed session cookie, so it cannot be forged, and reaches the page in its forms
(field `csrf_token`) or, for scripts, from `GET /api/me` (sent back in the `X-CSRF-Token` header). Another
site can make the browser send the cookie but cannot read the token. SameSite=Lax is the first wall; this
is the second, for the browsers and the same-site subdomains that SameSite does not stop.
"""

from __future__ import annotations

import hmac

from fastapi import Request

from bot.auth.sessions import SessionData

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_REFUSED = f"CSRF token missing or wrong: send the {CSRF_FIELD} form field or the {CSRF_HEADER} header"
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


async def submitted_csrf_token(request: Request) -> str | None:
    """The token a state-changing request sent (header first, then the form field); None for safe methods.

    Starlette caches the parsed form, so reading it here costs nothing more to a route with Form fields.
    """
    if request.method in SAFE_METHODS:
        return None
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    if request.headers.get("content-type", "").startswith(_FORM_TYPES):
        value = (await request.form()).get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


def csrf_valid(session: SessionData | None, submitted: str | None) -> bool:
    """Constant-time comparison, so the response time tells nothing about how much of a guess was right."""
    if session is None or not submitted:
        return False
    return hmac.compare_digest(session.csrf.encode(), submitted.encode())
