"""FastAPI dependencies for routes behind a login, in the style of FastAPI's security tutorial:

    @router.get("/api/desk/queue")
    def queue(user: User = Depends(require_role("supervisor", "admin"))) -> Queue: ...

    @router.get("/desk", response_class=HTMLResponse)
    def desk(user: User = Depends(require_page_role("supervisor", "admin"))) -> HTMLResponse: ...

API routes answer 401 (not signed in; session expired, revoked or forged; account disabled) and 403 (wrong
role; CSRF token missing or wrong) in the project's error shape, `{"detail": "..."}`. A page sends a browser
that is not signed in, or signed in without the role, to `/login?next=<this page>` instead. For every method
but GET, HEAD and OPTIONS the CSRF token is checked here, so no state-changing route can forget it.

These are plain `def`s: FastAPI runs them in its thread pool, where blocking database calls belong.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import APIKeyCookie
from sqlalchemy.orm import Session

from bot.auth.csrf import CSRF_REFUSED, SAFE_METHODS, csrf_valid, submitted_csrf_token
from bot.auth.redirects import login_url
from bot.auth.sessions import COOKIE_NAME, SessionData, read_session
from bot.config import get_settings
from bot.db.errors import DATABASE_ERRORS, describe_database_error
from bot.db.models import User
from bot.db.models.vocabulary import USER_ROLES
from bot.db.session import session_scope

# Declares the cookie in the OpenAPI schema; missing cookies are answered below, not by FastAPI.
cookie_scheme = APIKeyCookie(name=COOKIE_NAME, auto_error=False, description="the session cookie of POST /login")


@contextmanager
def account_session() -> Iterator[Session]:
    """A unit of work on the app database; an unreachable database is a 503 that says why, not a traceback."""
    url = get_settings().effective_database_url
    try:
        with session_scope(url) as session:
            yield session
    except DATABASE_ERRORS as exc:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, detail=f"accounts unavailable: {describe_database_error(exc, url)}"
        ) from None


def session_data(cookie: str | None = Depends(cookie_scheme)) -> SessionData | None:
    """The request's session, signed in or anonymous; None without a cookie or with one that fails the check."""
    return read_session(cookie) if cookie else None


def optional_user(data: SessionData | None = Depends(session_data)) -> User | None:
    """The signed-in user, or None: the session must name an active account and be issued after its last
    revocation (logout, new password, disabling)."""
    if data is None or data.user_id is None:
        return None
    with account_session() as db:
        user = db.get(User, data.user_id)
    if user is None or not user.active or data.revoked_by(user.sessions_revoked_at):
        return None
    return user


class _Refusal(Enum):
    SIGNED_OUT = "signed out"
    CSRF = "csrf"
    ROLE = "role"


@dataclass(frozen=True)
class _Access:
    """Everything a role check looks at, gathered once per request."""

    user: User | None
    method: str
    target: str  # path and query, for the login page to come back to
    session: SessionData | None
    submitted_csrf: str | None

    def check(self, roles: tuple[str, ...]) -> User | _Refusal:
        """The user when admitted (any role if `roles` is empty), else why not."""
        if self.user is None:
            return _Refusal.SIGNED_OUT
        if self.method not in SAFE_METHODS and not csrf_valid(self.session, self.submitted_csrf):
            return _Refusal.CSRF
        if roles and self.user.role not in roles:
            return _Refusal.ROLE
        return self.user


def _access(
    request: Request,
    user: User | None = Depends(optional_user),
    session: SessionData | None = Depends(session_data),
    submitted_csrf: str | None = Depends(submitted_csrf_token),
) -> _Access:
    query = request.url.query
    target = request.url.path + (f"?{query}" if query else "")
    return _Access(user, request.method, target, session, submitted_csrf)


def _api_user(access: _Access, roles: tuple[str, ...]) -> User:
    result = access.check(roles)
    if result is _Refusal.SIGNED_OUT:
        raise cookie_scheme.make_not_authenticated_error()
    if result is _Refusal.CSRF:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=CSRF_REFUSED)
    if result is _Refusal.ROLE:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=f"this needs the role {' or '.join(roles)}")
    return result


def _roles(roles: tuple[str, ...]) -> tuple[str, ...]:
    """Refuse a typo when the route is defined, not when the first user is turned away."""
    unknown = sorted(set(roles) - set(USER_ROLES))
    if not roles or unknown:
        raise ValueError(f"name roles among {USER_ROLES}; got {roles}")
    return roles


def current_user(access: _Access = Depends(_access)) -> User:
    """Any signed-in user, for API routes open to every role (`GET /api/me`)."""
    return _api_user(access, ())


def require_role(*roles: str) -> Callable[..., User]:
    """An API dependency that admits signed-in users with one of `roles`: 401 / 403 JSON otherwise."""
    admitted = _roles(roles)

    def role_checked(access: _Access = Depends(_access)) -> User:
        return _api_user(access, admitted)

    return role_checked


def require_page_role(*roles: str) -> Callable[..., User]:
    """A page dependency: like `require_role`, but the browser is sent to the login page instead of a 401, and
    to it again when signed in without the role (the page offers to sign out and in as someone else)."""
    admitted = _roles(roles)

    def page_role_checked(access: _Access = Depends(_access)) -> User:
        result = access.check(admitted)
        if result is _Refusal.CSRF:
            raise HTTPException(status.HTTP_403_FORBIDDEN, detail=CSRF_REFUSED)
        if isinstance(result, _Refusal):
            raise HTTPException(
                status.HTTP_303_SEE_OTHER, detail="sign in first", headers={"Location": login_url(access.target)}
            )
        return result

    return page_role_checked
