"""Signing in over HTTP on SQLite and PostgreSQL: the cookie, CSRF, logout, role checks and `next` redirects."""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Iterator
from datetime import timedelta
from types import SimpleNamespace

import itsdangerous.timed
import pytest
from auth_testing import (  # noqa: F401 - fixtures
    MAX_FAILURES,
    PASSWORD,
    accounts_url,
    add_user,
    cheap_hashing,
    client,
    form_token,
    sign_in,
)
from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import HTMLResponse
from fastapi.testclient import TestClient

from bot.auth.accounts import get_user, set_active
from bot.auth.dependencies import require_page_role, require_role
from bot.auth.redirects import safe_next
from bot.auth.sessions import COOKIE_NAME, SECRET_FILE_NAME
from bot.db.models import User
from bot.db.models.base import utcnow
from bot.db.session import session_scope

# Routes that stand for the desk of a later issue: an API and a page for supervisors and admins.
probe = APIRouter()


@probe.get("/api/probe")
@probe.post("/api/probe")
def probe_api(user: User = Depends(require_role("supervisor", "admin"))) -> dict[str, str]:
    return {"username": user.username}


@probe.get("/probe", response_class=HTMLResponse)
@probe.post("/probe", response_class=HTMLResponse)
def probe_page(user: User = Depends(require_page_role("supervisor", "admin"))) -> str:
    return f"<p>{user.username}</p>"


@pytest.fixture
def desk(client: TestClient) -> Iterator[TestClient]:
    """`client` with the probe routes added to its app."""
    app: FastAPI = client.app  # type: ignore[assignment]
    app.include_router(probe)
    yield client


def _cookie_header(response) -> str:  # type: ignore[no-untyped-def]
    return response.headers["set-cookie"]


def _me(client: TestClient) -> dict[str, str]:
    response = client.get("/api/me")
    assert response.status_code == 200, response.text
    return response.json()


def _anonymous(client: TestClient) -> bool:
    response = client.get("/api/me")
    return response.status_code == 401 and response.json() == {"detail": "Not authenticated"}


# --- the page and the cookie ------------------------------------------------------------------------------


def test_login_page_is_chinese_local_and_starts_an_anonymous_session(client: TestClient) -> None:
    response = client.get("/login")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["cache-control"] == "no-store"
    page = response.text
    assert '<html lang="zh-CN">' in page and "用户名" in page and "密码" in page
    assert 'autocomplete="current-password"' in page and '<label for="username">' in page
    assert not re.search(r"(src|href)=\"(https?:)?//", page)  # every asset local
    assert client.get("/static/login.css").status_code == 200
    cookie = _cookie_header(response)
    assert cookie.startswith(f"{COOKIE_NAME}=") and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie
    assert _anonymous(client)


def test_sign_in_sets_an_http_only_same_site_cookie_and_me_answers(client: TestClient, accounts_url: str) -> None:
    add_user(accounts_url, "zhang.wei", "supervisor")
    response = sign_in(client, "zhang.wei")
    assert response.status_code == 303 and response.headers["location"] == "/login"
    cookie = _cookie_header(response)
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie and "Max-Age=28800" in cookie
    me = _me(client)
    assert {key: me[key] for key in ("username", "display_name", "role", "role_label")} == {
        "username": "zhang.wei",
        "display_name": "zhang.wei",
        "role": "supervisor",
        "role_label": "督导",
    }
    assert len(me["csrf_token"]) >= 32
    page = client.get("/login").text
    assert "已登录" in page and 'action="/logout"' in page


def test_secure_cookie_when_configured(client: TestClient, accounts_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "true")
    assert "Secure" in _cookie_header(client.get("/login"))


def test_a_tampered_forged_or_expired_cookie_is_refused(
    client: TestClient, accounts_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_user(accounts_url, "li.na", "trainee")
    admin_id = add_user(accounts_url, "boss", "admin")
    sign_in(client, "li.na")
    genuine = client.cookies[COOKIE_NAME]
    payload, timestamp, signature = genuine.split(".")

    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["user_id"] = admin_id
    raised = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    forged_elsewhere = itsdangerous.URLSafeTimedSerializer("another secret " * 4, salt="retention-bot.session")
    for cookie in (f"{raised}.{timestamp}.{signature}", forged_elsewhere.dumps(claims), "garbage"):
        client.cookies.set(COOKIE_NAME, cookie)
        assert _anonymous(client), cookie

    client.cookies.set(COOKIE_NAME, genuine)
    assert _me(client)["username"] == "li.na"
    later = time.time() + 8 * 3600 + 60  # SESSION_HOURS defaults to 8
    monkeypatch.setattr(itsdangerous.timed, "time", SimpleNamespace(time=lambda: later))
    assert _anonymous(client)


def test_generated_secret_is_private_and_kept(client: TestClient, accounts_url: str, tmp_path) -> None:  # type: ignore
    add_user(accounts_url, "li.na", "trainee")
    sign_in(client, "li.na")
    secret_file = tmp_path / "var" / SECRET_FILE_NAME
    assert secret_file.stat().st_mode & 0o777 == 0o600
    assert len(secret_file.read_text().strip()) >= 32
    assert _me(client)["username"] == "li.na"


def test_session_secret_from_the_environment(
    client: TestClient, accounts_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_user(accounts_url, "li.na", "trainee")
    monkeypatch.setenv("SESSION_SECRET", "s" * 40)
    sign_in(client, "li.na")
    assert _me(client)["username"] == "li.na"
    monkeypatch.setenv("SESSION_SECRET", "t" * 40)  # a rotated secret voids the sessions signed with the old one
    assert _anonymous(client)
    monkeypatch.setenv("SESSION_SECRET", "too short")
    with pytest.raises(RuntimeError, match="at least 32 characters"):
        client.get("/login")


# --- CSRF -------------------------------------------------------------------------------------------------


def test_login_without_the_form_token_is_refused(client: TestClient, accounts_url: str) -> None:
    add_user(accounts_url, "li.na", "trainee")
    form = {"username": "li.na", "password": PASSWORD}
    assert client.post("/login", data=form, follow_redirects=False).status_code == 403  # no session at all
    token = form_token(client.get("/login").text)
    for wrong in ("", token[:-1] + ("A" if token[-1] != "A" else "B")):
        response = client.post("/login", data={**form, "csrf_token": wrong}, follow_redirects=False)
        assert response.status_code == 403 and "页面已过期" in response.text
    assert _anonymous(client)
    # the refused form came back with a new token that works
    response = client.post("/login", data={**form, "csrf_token": form_token(response.text)}, follow_redirects=False)
    assert response.status_code == 303


def test_state_changing_requests_need_the_session_token(desk: TestClient, accounts_url: str) -> None:
    add_user(accounts_url, "zhang.wei", "supervisor")
    sign_in(desk, "zhang.wei")
    token = _me(desk)["csrf_token"]
    assert desk.get("/api/probe").status_code == 200  # reading needs no token
    assert desk.post("/api/probe").status_code == 403
    assert desk.post("/api/probe", headers={"X-CSRF-Token": "not-the-token"}).status_code == 403
    assert desk.post("/api/probe", json={"csrf_token": token}).status_code == 403  # only header or form field
    assert desk.post("/api/probe", headers={"X-CSRF-Token": token}).json() == {"username": "zhang.wei"}
    assert desk.post("/probe", data={"note": "x"}, follow_redirects=False).status_code == 403
    assert desk.post("/probe", data={"csrf_token": token}, follow_redirects=False).status_code == 200
    # the token of the anonymous login form is not the signed-in session's
    other = TestClient(desk.app)
    anonymous_token = form_token(other.get("/login").text)
    assert desk.post("/api/probe", headers={"X-CSRF-Token": anonymous_token}).status_code == 403


# --- logout -----------------------------------------------------------------------------------------------


def test_logout_ends_every_session_of_the_account(client: TestClient, accounts_url: str) -> None:
    add_user(accounts_url, "li.na", "trainee")
    other_browser = TestClient(client.app)
    sign_in(client, "li.na")
    sign_in(other_browser, "li.na")
    stolen = client.cookies[COOKIE_NAME]

    assert client.post("/logout", follow_redirects=False).status_code == 403  # no token: not even a logout
    assert _me(client)["username"] == "li.na"

    response = client.post("/logout", data={"csrf_token": _me(client)["csrf_token"]}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert 'Max-Age=0' in _cookie_header(response) and COOKIE_NAME not in client.cookies
    assert _anonymous(client) and _anonymous(other_browser)
    client.cookies.set(COOKIE_NAME, stolen)
    assert _anonymous(client)  # a copy of the cookie made before the logout is void too

    client.cookies.clear()  # the jar would send both the copy and the new cookie
    assert sign_in(client, "li.na").status_code == 303  # signing in again works at once
    assert _me(client)["username"] == "li.na"


# --- role checks ------------------------------------------------------------------------------------------


def test_anonymous_requests_get_401_from_the_api_and_a_redirect_from_pages(desk: TestClient) -> None:
    response = desk.get("/api/probe")
    assert response.status_code == 401 and response.json() == {"detail": "Not authenticated"}
    assert response.headers["www-authenticate"]
    assert desk.post("/api/probe").status_code == 401
    response = desk.get("/probe?day=2026-12-08&tab=a", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fprobe%3Fday%3D2026-12-08%26tab%3Da"


def test_the_role_is_checked(desk: TestClient, accounts_url: str) -> None:
    add_user(accounts_url, "li.na", "trainee")
    add_user(accounts_url, "boss", "admin")
    sign_in(desk, "li.na")
    response = desk.get("/api/probe")
    assert response.status_code == 403 and response.json() == {"detail": "this needs the role supervisor or admin"}
    response = desk.get("/probe", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?next=%2Fprobe"
    page = desk.get(response.headers["location"]).text
    assert "无权打开" in page and 'action="/logout"' in page  # sign out and in as someone else

    token = _me(desk)["csrf_token"]
    desk.post("/logout", data={"csrf_token": token})
    response = sign_in(desk, "boss", next_path="/probe")
    assert response.status_code == 303 and response.headers["location"] == "/probe"
    assert desk.get("/probe").text == "<p>boss</p>"
    assert desk.get("/api/probe").json() == {"username": "boss"}


def test_unknown_roles_are_refused_when_the_route_is_defined() -> None:
    with pytest.raises(ValueError):
        require_role("superviser")
    with pytest.raises(ValueError):
        require_page_role()


# --- lock-out and disabled accounts over HTTP -------------------------------------------------------------


def test_lock_out_is_answered_429_with_retry_after(client: TestClient, accounts_url: str) -> None:
    add_user(accounts_url, "li.na", "trainee")
    for _ in range(MAX_FAILURES - 1):
        response = sign_in(client, "li.na", "wrong password")
        assert response.status_code == 400 and "用户名或密码错误" in response.text
        assert 'value="li.na"' in response.text
    response = sign_in(client, "li.na", "wrong password")
    assert response.status_code == 429 and "锁定" in response.text
    assert 14 * 60 < int(response.headers["retry-after"]) <= 15 * 60
    assert sign_in(client, "li.na").status_code == 429
    assert _anonymous(client)

    with session_scope(accounts_url) as session:
        get_user(session, "li.na").locked_until = utcnow() - timedelta(seconds=1)
    assert sign_in(client, "li.na").status_code == 303


def test_unknown_user_gets_the_wrong_password_answer(client: TestClient, accounts_url: str) -> None:
    add_user(accounts_url, "li.na", "trainee")
    unknown, wrong = sign_in(client, "nobody"), sign_in(client, "li.na", "wrong password")
    assert unknown.status_code == wrong.status_code == 400
    message = re.compile(r'role="alert">([^<]+)<')
    assert message.search(unknown.text).group(1) == message.search(wrong.text).group(1)  # type: ignore[union-attr]


def test_disabling_ends_the_session_and_refuses_sign_in(client: TestClient, accounts_url: str) -> None:
    add_user(accounts_url, "li.na", "trainee")
    sign_in(client, "li.na")
    with session_scope(accounts_url) as session:
        set_active(get_user(session, "li.na"), False)
    assert _anonymous(client)
    response = sign_in(client, "li.na")
    assert response.status_code == 403 and "已停用" in response.text
    with session_scope(accounts_url) as session:
        set_active(get_user(session, "li.na"), True)
    assert sign_in(client, "li.na").status_code == 303


# --- next -------------------------------------------------------------------------------------------------

OFF_SITE = [
    "https://evil.example/",
    "//evil.example/path",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "javascript:alert(1)",
    "http:/evil.example",
    "evil.example",
    " /desk",
]


@pytest.mark.parametrize("target", OFF_SITE)
def test_sign_in_never_redirects_off_site(client: TestClient, accounts_url: str, target: str) -> None:
    add_user(accounts_url, "li.na", "trainee")
    response = sign_in(client, "li.na", next_path=target)
    assert response.status_code == 303 and response.headers["location"] == "/login"


@pytest.mark.parametrize("target", OFF_SITE)
def test_safe_next_refuses_what_is_not_a_local_path(target: str) -> None:
    assert safe_next(target, "/home") == "/home"


@pytest.mark.parametrize("target", ["/desk", "/desk?day=2026-12-08&tab=a#top", "/review/张伟", "/"])
def test_safe_next_keeps_local_paths(target: str) -> None:
    assert safe_next(target, "/home") == target
