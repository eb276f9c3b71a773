"""Rasa's tracker store and lock store, chosen by one URL each (TRACKER_STORE_URL, LOCK_STORE_URL).

One instance keeps both in memory (the default, for `make run`). Several instances behind a load balancer
share a SQL tracker store (every instance sees every conversation) and a Redis lock store (one message of a
sender at a time, whichever instance receives it). Both factories fail fast with a clear message: Rasa's
SQLTrackerStore would otherwise retry an unreachable server every 5 s for ever, hanging the start-up.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

from bot.db.errors import safe_url

CONNECT_TIMEOUT_SECONDS = 5
T = TypeVar("T")


class StoreConfigError(RuntimeError):
    """A store URL that is malformed, unsupported or points at a server that does not answer."""


@dataclass(frozen=True)
class StoreInfo:
    """What /health shows about a store: its Rasa class and where it lives (password masked)."""

    kind: str
    url: str | None = None


def _sql_url(url: str) -> str:
    """The URL SQLAlchemy 1.4 accepts, with a connect timeout for psycopg2 (`postgres://` is not accepted)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreConfigError(f"invalid TRACKER_STORE_URL {url!r}: {exc}") from exc
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    elif backend == "postgresql":
        if parsed.get_driver_name() == "psycopg2" and "connect_timeout" not in parsed.query:
            parsed = parsed.update_query_dict({"connect_timeout": str(CONNECT_TIMEOUT_SECONDS)})
    else:
        raise StoreConfigError(
            f"unsupported TRACKER_STORE_URL {safe_url(url)!r}: use sqlite:///PATH or postgresql://USER@HOST/DB"
        )
    return parsed.render_as_string(hide_password=False)


def _check_sql_reachable(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url, future=True)
    try:
        with engine.connect() as connection:
            connection.execute(text("select 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means unusable, said in one line
        first_line = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0:1]
        raise StoreConfigError(
            f"tracker store {safe_url(url)} unreachable: {first_line[0] if first_line else type(exc).__name__}"
        ) from exc
    finally:
        engine.dispose()


def create_tracker_store(url: str, domain: Any = None) -> Any:
    """InMemoryTrackerStore for an empty URL, SQLTrackerStore for `sqlite:///…` or `postgresql://…`.

    The tracker store creates its own `events` table; it may share the app database or have its own.
    """
    from rasa.core.tracker_store import InMemoryTrackerStore, SQLTrackerStore

    if not url:
        return InMemoryTrackerStore(domain)
    engine_url = _sql_url(url)
    _check_sql_reachable(engine_url)
    # A complete URL given as `host` is used as is (SQLTrackerStore.get_db_url), query string included.
    return SQLTrackerStore(domain=domain, host=engine_url)


def _redis_options(url: str) -> dict[str, Any]:
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss"):
        raise StoreConfigError(f"unsupported LOCK_STORE_URL {safe_url(url)!r}: use redis://HOST:PORT/DB")
    try:
        port = parts.port or 6379
        db = int(parts.path.strip("/") or 0)
    except ValueError as exc:
        raise StoreConfigError(f"invalid LOCK_STORE_URL {safe_url(url)!r}: {exc}") from exc
    query = parse_qs(parts.query)
    return {
        "host": parts.hostname or "localhost",
        "port": port,
        "db": db,
        "username": parts.username or None,
        "password": parts.password or None,
        "use_ssl": parts.scheme == "rediss",
        "key_prefix": (query.get("key_prefix") or [None])[0],
        "socket_timeout": CONNECT_TIMEOUT_SECONDS,
    }


def _atomic_redis_lock_store_class() -> type:
    """Rasa's RedisLockStore with every change of a lock made in one Redis transaction.

    Rasa reads a sender's ticket lock, changes it in Python and writes it back. Two instances taking a ticket for
    the same sender at the same moment both read "no lock", both write a lock with ticket 0 and both hold it:
    their two messages run at once and one of them is lost from the tracker (the last save wins) — seen in
    tests/test_two_instances.py with same-sender bursts to both instances. Releasing and cleaning up race the
    same way (a ticket issued in between vanishes). Here each read-change-write runs under WATCH/MULTI and is
    redone when another client changed the lock in between.
    """
    from rasa.core.lock import TicketLock
    from rasa.core.lock_store import LOCK_LIFETIME, RedisLockStore
    from redis.exceptions import WatchError

    class AtomicRedisLockStore(RedisLockStore):
        def _change(self, conversation_id: str, change: Callable[[TicketLock], T]) -> T:
            """Apply `change` to the sender's lock (a new one when none is stored) in one transaction; the lock
            is deleted when no ticket is left in it, else saved."""
            key = self.key_prefix + conversation_id
            with self.red.pipeline() as pipe:
                while True:
                    try:
                        pipe.watch(key)
                        stored = pipe.get(key)
                        lock = TicketLock.from_dict(json.loads(stored)) if stored else TicketLock(conversation_id)
                        result = change(lock)
                        pipe.multi()
                        if lock.is_someone_waiting():
                            pipe.set(key, lock.dumps())
                        else:
                            pipe.delete(key)
                        pipe.execute()
                        return result
                    except WatchError:
                        continue

        def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
            try:
                return self._change(conversation_id, lambda lock: lock.issue_ticket(lock_lifetime))
            except Exception as exc:  # noqa: BLE001 - Rasa's contract: any failure here is a LockError
                from rasa.core.lock_store import LockError

                raise LockError(f"Error while acquiring lock. Error:\n{exc}") from exc

        def update_lock(self, conversation_id: str) -> None:
            self._change(conversation_id, lambda lock: lock.remove_expired_tickets())

        def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
            self._change(conversation_id, lambda lock: lock.remove_ticket_for(ticket_number))

        def cleanup(self, conversation_id: str, ticket_number: int) -> None:
            # releasing and deleting an empty lock are one step in _change: nobody's new ticket is deleted
            self.finish_serving(conversation_id, ticket_number)

    return AtomicRedisLockStore


def create_lock_store(url: str) -> Any:
    """InMemoryLockStore for an empty URL, a RedisLockStore for `redis://host:port/db` (`rediss://` for TLS)
    whose lock changes are atomic (`_atomic_redis_lock_store_class`).

    An optional `?key_prefix=name` (alphanumeric) separates several bots on one Redis database.
    """
    from rasa.core.lock_store import InMemoryLockStore

    if not url:
        return InMemoryLockStore()
    store = _atomic_redis_lock_store_class()(**_redis_options(url))
    try:
        store.red.ping()
    except Exception as exc:  # noqa: BLE001 - redis raises several unrelated types
        raise StoreConfigError(f"lock store {safe_url(url)} unreachable: {exc}") from exc
    return store


def describe(store: Any, url: str) -> StoreInfo:
    return StoreInfo(kind=type(store).__name__, url=safe_url(url) if url else None)


def ping(store: Any) -> None:
    """Raise when a store's server does not answer (a no-op for the in-memory stores)."""
    from sqlalchemy import text

    engine = getattr(store, "engine", None)
    if engine is not None:
        with engine.connect() as connection:
            connection.execute(text("select 1"))
    red = getattr(store, "red", None)
    if red is not None:
        red.ping()
