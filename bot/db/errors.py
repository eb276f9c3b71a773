"""One-line explanations of database failures, for the CLI and the app's start-up log (never a traceback)."""

from __future__ import annotations

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

# What a bad URL, a missing driver, an unreachable server or an unwritable SQLite path raise.
DATABASE_ERRORS: tuple[type[BaseException], ...] = (SQLAlchemyError, ImportError, OSError)


def safe_url(url: str) -> str:
    """The URL with any password masked, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0].strip() if text else type(exc).__name__


def describe_database_error(exc: BaseException, url: str) -> str:
    shown = safe_url(url)
    if isinstance(exc, NoSuchModuleError):
        return f"unsupported database URL {shown!r}: use sqlite:///PATH or postgresql+psycopg2://USER@HOST/DB"
    if isinstance(exc, ArgumentError):
        return f"invalid database URL {shown!r}: {_first_line(exc)}"
    if isinstance(exc, ImportError):
        return f"database driver for {shown!r} is not installed: {_first_line(exc)}"
    return f"cannot use database {shown}: {_first_line(exc)}"
