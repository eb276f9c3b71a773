"""Engines and sessions for the app database.

One engine per URL and process: SQLite by default (a file under var/, foreign keys on), PostgreSQL when
DATABASE_URL says so. Everything uses SQLAlchemy 1.4's 2.0-style API (`future=True`, `select()`).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine, create_engine, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from bot.config import get_settings

CONNECT_TIMEOUT_SECONDS = 10


def _configure_sqlite(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    """Foreign keys and WAL for correctness under several readers; a 64 MB page cache and in-memory temporary
    B-trees because batch scoring and imports touch every customer (the 2 MB default spills to disk).

    `synchronous=NORMAL`, SQLite's recommendation with WAL: a commit no longer waits for the disk (two fsyncs per
    customer message, which a dialogue worker waited for on its loop); the database stays consistent, and what
    a commit wrote survives the process dying, only not a power cut in the next moments (the embedded default
    is one machine's demo store; a deployment uses PostgreSQL)."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.close()


_ENGINES: dict[str, Engine] = {}


@functools.lru_cache(maxsize=16)
def _configured_url(database_url: str | None, var_dir: str | None) -> str:
    """The configured database for these values of the variables it depends on (the arguments are the key)."""
    return get_settings().effective_database_url


def get_engine(url: str | None = None) -> Engine:
    """The process-wide engine for `url` (default: the DATABASE_URL configured now, not at the first call).

    Every unit of work of every message asks; reading the whole Settings each time (paths resolved on disk) was
    8 % of the dialogue's worker-thread time, so the URL is cached by the two variables it is made of.
    """
    url = url or _configured_url(os.environ.get("DATABASE_URL"), os.environ.get("RETENTION_VAR_DIR"))
    if url not in _ENGINES:
        _ENGINES[url] = _create_engine(url)
    return _ENGINES[url]


def dispose_engines() -> None:
    """Close every pooled connection and forget the engines (a dropped test database, a forked worker)."""
    for engine in _ENGINES.values():
        engine.dispose()
    _ENGINES.clear()


def _create_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # SQLAlchemy 1.4 opens a new SQLite file connection per session (NullPool), pragmas included: with a
        # few sessions per customer message that was a fifth of the dialogue's database time. A pool keeps them;
        # sessions never share a connection between threads.
        pool = {} if parsed.database in (None, "", ":memory:") else {"poolclass": QueuePool}
        engine = create_engine(url, future=True, connect_args={"check_same_thread": False}, **pool)
        event.listen(engine, "connect", _configure_sqlite)
        return engine
    # An unreachable server should fail in seconds with a clear error, not hang a start-up or a CLI command.
    connect_args = {}
    if parsed.get_driver_name() == "psycopg2" and "connect_timeout" not in parsed.query:
        connect_args["connect_timeout"] = CONNECT_TIMEOUT_SECONDS
    return create_engine(url, future=True, pool_pre_ping=True, connect_args=connect_args)


def get_sessionmaker(url: str | None = None) -> sessionmaker:
    return sessionmaker(bind=get_engine(url), future=True, expire_on_commit=False)


@contextmanager
def session_scope(url: str | None = None) -> Iterator[Session]:
    """A unit of work: commits when the block succeeds, rolls back (and re-raises) when it fails."""
    session = get_sessionmaker(url)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()

