"""`GET /login`, `POST /login`, `POST /logout` and `GET /api/me`: signing in to practice mode and the desk.

The login page is rendered on the server (Jinja2, autoescaped) with one local style sheet and no script, under
the web chat's Content-Security-Policy. `POST /login` answers 303 to `next` (a local path only, else the
signed-in view of this page) with the session cookie, or the form again with the reason: 400 wrong username
or password, 403 expired form (CSRF) or disabled account, 429 locked out (with Retry-After). Rules and
settings: docs/ACCOUNTS.md.
"""

from __future__ import annotations

import math
from pathlib import Path

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request, Response, status
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel

from bot.app.routers.webchat import SECURITY_HEADERS
from bot.auth.accounts import LoginOutcome, LoginResult, authenticate, revoke_sessions
from bot.auth.csrf import CSRF_FIELD, CSRF_REFUSED, csrf_valid, submitted_csrf_token
from bot.auth.dependencies import account_session, current_user, optional_user, session_data
from bot.auth.redirects import LOGIN_PATH, safe_next
from bot.auth.roles import ROLE_LABELS
from bot.auth.sessions import SessionData, clear_session, write_session
from bot.db.models import User
from bot.db.models.base import utcnow

TEMPLATES = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")
# Where a sign-in without `next` lands: the signed-in view of the login page (account and sign-out button).
HOME = LOGIN_PATH
# Pages and answers that carry a CSRF token must not be kept by a cache or the browser's history.
NO_STORE = {"Cache-Control": "no-store"}
MAX_USERNAME_ECHO = 64  # the typed username is put back into the form after a failure, up to this length

router = APIRouter(tags=["accounts"])


class Me(BaseModel):
    """The signed-in user, and the CSRF token a script sends back in X-CSRF-Token."""

    username: str
    display_name: str
    role: str
    role_label: str
    csrf_token: str


def _page(
    request: Request,
    session: SessionData,
    *,
    user: User | None = None,
    next_path: str = "",
    username: str = "",
    error: str | None = None,
    status_code: int = status.HTTP_200_OK,
    headers: dict[str, str] | None = None,
) -> Response:
    context = {
        "user": user,
        "role_label": ROLE_LABELS.get(user.role, "") if user else "",
        "next_path": next_path,
        "username": username[:MAX_USERNAME_ECHO],
        "error": error,
        "csrf_field": CSRF_FIELD,
        "csrf_token": session.csrf,
    }
    return TEMPLATES.TemplateResponse(
        request,
        "login.html",
        context,
        status_code=status_code,
        headers={**SECURITY_HEADERS, **NO_STORE, **(headers or {})},
    )


def _refusal(result: LoginResult) -> tuple[str, int, dict[str, str]]:
    """The message, status and headers of a sign-in that did not succeed."""
    if result.outcome is LoginOutcome.LOCKED and result.locked_until is not None:
        seconds = max(1, math.ceil((result.locked_until - utcnow()).total_seconds()))
        message = f"登录失败次数过多，账户已暂时锁定，请 {math.ceil(seconds / 60)} 分钟后再试。"
        return message, status.HTTP_429_TOO_MANY_REQUESTS, {"Retry-After": str(seconds)}
    if result.outcome is LoginOutcome.DISABLED:
        return "该账户已停用，请联系管理员。", status.HTTP_403_FORBIDDEN, {}
    return "用户名或密码错误。", status.HTTP_400_BAD_REQUEST, {}


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_page(
    request: Request,
    next_path: str = Query("", alias="next"),
    session: SessionData | None = Depends(session_data),
    user: User | None = Depends(optional_user),
) -> Response:
    """The form; signed in, the account with a sign-out button (also where a page sends a user without its role)."""
    current = session or SessionData.new()
    response = _page(request, current, user=user, next_path=safe_next(next_path, ""))
    if session is None:
        write_session(response, current)  # the anonymous session that carries the form's CSRF token
    return response


@router.post("/login", response_class=HTMLResponse, include_in_schema=False)
def login(
    request: Request,
    username: str = Form(""),
    password: str = Form(""),
    next_path: str = Form("", alias="next"),
    session: SessionData | None = Depends(session_data),
    submitted_csrf: str | None = Depends(submitted_csrf_token),
) -> Response:
    target = safe_next(next_path, "")
    if session is None or not csrf_valid(session, submitted_csrf):
        fresh = SessionData.new()
        response = _page(
            request, fresh, next_path=target, username=username, error="页面已过期，请重新登录。", status_code=403
        )
        write_session(response, fresh)
        return response
    with account_session() as db:
        result = authenticate(db, username, password)
    if result.user is None:
        message, code, headers = _refusal(result)
        return _page(
            request, session, next_path=target, username=username, error=message, status_code=code, headers=headers
        )
    response = RedirectResponse(target or HOME, status_code=status.HTTP_303_SEE_OTHER)
    write_session(response, SessionData.new(result.user.id))  # a new token: none from before the sign-in survives
    return response


@router.post("/logout", include_in_schema=False)
def logout(
    session: SessionData | None = Depends(session_data),
    submitted_csrf: str | None = Depends(submitted_csrf_token),
) -> Response:
    """Sign out: every session of the account ends (the cookie of another browser too), and this one is deleted."""
    if session is not None and session.user_id is not None:
        if not csrf_valid(session, submitted_csrf):
            raise HTTPException(status.HTTP_403_FORBIDDEN, detail=CSRF_REFUSED)
        with account_session() as db:
            revoke_sessions(db, session.user_id)
    response = RedirectResponse(LOGIN_PATH, status_code=status.HTTP_303_SEE_OTHER)
    clear_session(response)
    return response


@router.get("/api/me", response_model=Me, responses={401: {"description": "not signed in"}})
def me(
    response: Response,
    user: User = Depends(current_user),
    session: SessionData | None = Depends(session_data),
) -> Me:
    """Who is signed in, for the pages' scripts, with the CSRF token their requests must send back."""
    assert session is not None  # nosec B101 - narrows the type only: current_user admitted this session
    response.headers.update(NO_STORE)
    return Me(
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        role_label=ROLE_LABELS[user.role],
        csrf_token=session.csrf,
    )
