"""The login session: a signed cookie (itsdangerous) with the user id, the CSRF token and when it was issued.

Nothing is kept on the server per session, so every app instance can read every cookie. The cookie is signed,
not encrypted: it holds nothing secret but the CSRF token, which is the browser's own. It cannot be taken
back from a browser, so revocation goes through `users.sessions_revoked_at`, which every request compares
with `issued_us` when it loads the user. An anonymous session (no user) carries only the login form's token.
"""

from __future__ import annotations

import functools
import hashlib
import os
import secrets
from datetime import datetime
from pathlib import Path
from typing import Any

from itsdangerous import BadData, URLSafeTimedSerializer
from pydantic import BaseModel, StrictInt, StrictStr, ValidationError
from starlette.responses import Response

from bot.config import get_settings
from bot.db.models.base import utcnow

COOKIE_NAME = "retention_session"
# Lax rather than Strict: a link to a desk page in a mail or a chat message should arrive signed in. Cross-site
# POSTs carry no cookie under Lax, and the CSRF token covers the rest.
SAME_SITE = "lax"
SECRET_FILE_NAME = "session_secret"  # nosec B105 - the name of the file under var/, not a secret
MIN_SECRET_CHARS = 32
_SALT = "retention-bot.session"  # keeps these signatures apart from anything else signed with the secret


class SessionSecretError(RuntimeError):
    """SESSION_SECRET is too short, or the generated secret file is unreadable."""


def _microseconds(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


class SessionData(BaseModel):
    """What the cookie holds."""

    user_id: StrictInt | None = None
    csrf: StrictStr
    issued_us: StrictInt  # microseconds since the epoch: finer than two clicks, for the revocation check

    class Config:
        allow_mutation = False
        extra = "forbid"

    @classmethod
    def new(cls, user_id: int | None = None) -> SessionData:
        """A fresh session with a fresh CSRF token: signing in never keeps the token of the anonymous form."""
        return cls(user_id=user_id, csrf=secrets.token_urlsafe(32), issued_us=_microseconds(utcnow()))

    def revoked_by(self, revoked_at: datetime | None) -> bool:
        return revoked_at is not None and self.issued_us <= _microseconds(revoked_at)


@functools.lru_cache(maxsize=None)
def _generated_secret(path: Path) -> str:
    """The demo machine's secret, made on first use and kept under var/ (never in the repository), readable by
    its owner only. It is written under a temporary name and linked into place, so that workers starting
    together agree on one secret and none reads a half-written file."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as file:
            file.write(secrets.token_urlsafe(48) + "\n")
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another worker was first: use its secret
        finally:
            temporary.unlink()
    secret = path.read_text(encoding="ascii").strip()
    if len(secret) < MIN_SECRET_CHARS:
        raise SessionSecretError(f"{path} holds no usable secret: delete it to have a new one made")
    return secret


def session_secret() -> str:
    """SESSION_SECRET, or on a machine without one the secret generated under the var directory."""
    settings = get_settings()
    if not settings.session_secret:
        return _generated_secret(settings.var_dir / SECRET_FILE_NAME)
    if len(settings.session_secret) < MIN_SECRET_CHARS:
        raise SessionSecretError(
            f"SESSION_SECRET must have at least {MIN_SECRET_CHARS} characters, e.g. the output of "
            "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
        )
    return settings.session_secret


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(session_secret(), salt=_SALT, signer_kwargs={"digest_method": hashlib.sha256})


def _max_age_seconds() -> int:
    return get_settings().session_hours * 3600


def read_session(cookie: str) -> SessionData | None:
    """The session of a cookie value; None when it is forged, tampered with, expired or malformed."""
    try:
        payload: Any = _serializer().loads(cookie, max_age=_max_age_seconds())
        return SessionData.parse_obj(payload)
    except (BadData, ValidationError):
        return None


def write_session(response: Response, data: SessionData) -> None:
    response.set_cookie(
        COOKIE_NAME,
        _serializer().dumps(data.dict()),
        max_age=_max_age_seconds(),
        path="/",
        secure=get_settings().session_cookie_secure,
        httponly=True,
        samesite=SAME_SITE,
    )


def clear_session(response: Response) -> None:
    response.delete_cookie(
        COOKIE_NAME, path="/", secure=get_settings().session_cookie_secure, httponly=True, samesite=SAME_SITE
    )
