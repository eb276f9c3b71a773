"""Tracker store and lock store from TRACKER_STORE_URL / LOCK_STORE_URL, really used on SQLite, PostgreSQL and Redis."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator

import pytest
from rasa.core.lock_store import InMemoryLockStore, RedisLockStore
from rasa.core.tracker_store import InMemoryTrackerStore, SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import create_engine, text

from bot.config import get_settings
from bot.dialogue.stores import StoreConfigError, create_lock_store, create_tracker_store, describe, ping

DOMAIN = Domain.empty()


def _tracker(sender: str) -> DialogueStateTracker:
    return DialogueStateTracker.from_events(
        sender,
        [
            ActionExecuted("action_listen"),
            UserUttered("宽带老掉线", intent={"name": "reason_network_quality", "confidence": 0.9}, input_channel="rest"),
            ActionExecuted("utter_greet"),
            BotUttered("您好，我是您的在线客服。", metadata={"utter_action": "utter_greet"}),
        ],
    )


def test_empty_urls_give_the_in_memory_stores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRACKER_STORE_URL", raising=False)
    monkeypatch.delenv("LOCK_STORE_URL", raising=False)
    settings = get_settings()
    tracker_store = create_tracker_store(settings.tracker_store_url, DOMAIN)
    lock_store = create_lock_store(settings.lock_store_url)
    assert isinstance(tracker_store, InMemoryTrackerStore)
    assert isinstance(lock_store, InMemoryLockStore)
    assert describe(tracker_store, "").kind == "InMemoryTrackerStore"
    ping(tracker_store), ping(lock_store)  # no server: always fine


async def _shared_between_instances(url: str, sender: str) -> None:
    """Saved through one store object (one app instance), read through another."""
    first = create_tracker_store(url, DOMAIN)
    second = create_tracker_store(url, DOMAIN)
    assert isinstance(first, SQLTrackerStore)
    await first.save(_tracker(sender))
    stored = await second.retrieve(sender)
    assert stored is not None
    assert [event.as_dict()["event"] for event in stored.events] == ["action", "user", "action", "bot"]
    assert stored.latest_message.text == "宽带老掉线"
    ping(second)


async def test_sqlite_tracker_store(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TRACKER_STORE_URL", f"sqlite:///{tmp_path / 'sub' / 'tracker.db'}")
    await _shared_between_instances(get_settings().tracker_store_url, "sqlite-sender")
    assert (tmp_path / "sub" / "tracker.db").exists()


@pytest.fixture
def tracker_pg_url(postgres_url: str) -> Iterator[str]:
    """A database of its own for Rasa's `events` table, so the app test database keeps exactly its schema."""
    name = f"retention_tracker_{uuid.uuid4().hex[:10]}"
    admin = create_engine(postgres_url, future=True, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    # `postgresql://` without a driver, as an operator would write it
    url = postgres_url.rsplit("/", 1)[0].replace("postgresql+psycopg2://", "postgresql://") + f"/{name}"
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


async def test_postgresql_tracker_store_is_shared_by_instances(
    tracker_pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKER_STORE_URL", tracker_pg_url)
    url = get_settings().tracker_store_url
    await _shared_between_instances(url, "pg-sender")
    store = create_tracker_store(url, DOMAIN)
    assert store.engine.dialect.name == "postgresql"
    with store.engine.connect() as connection:
        rows = connection.execute(text("select type_name from events where sender_id = 'pg-sender' order by id"))
        assert [row[0] for row in rows] == ["action", "user", "action", "bot"]
    assert describe(store, url).url.startswith("postgresql://postgres@127.0.0.1")


async def test_redis_lock_store_serialises_one_sender_across_instances(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    prefix = f"t{uuid.uuid4().hex[:10]}"
    monkeypatch.setenv("LOCK_STORE_URL", f"{redis_url}?key_prefix={prefix}")
    url = get_settings().lock_store_url
    instance_a, instance_b = create_lock_store(url), create_lock_store(url)
    assert isinstance(instance_a, RedisLockStore)
    ping(instance_a)
    order: list[str] = []
    key = f"{prefix}:lock:sender-1"

    async def message(store: RedisLockStore, name: str, hold: float) -> None:
        async with store.lock("sender-1", wait_time_in_seconds=0.05):
            order.append(f"{name} in")
            if name == "a":
                assert store.red.exists(key)  # the lock really lives in Redis
            await asyncio.sleep(hold)
            order.append(f"{name} out")

    async def later(coroutine, delay: float) -> None:  # type: ignore[no-untyped-def]
        await asyncio.sleep(delay)
        await coroutine

    started = time.perf_counter()
    await asyncio.gather(message(instance_a, "a", 0.4), later(message(instance_b, "b", 0.0), 0.1))
    assert order == ["a in", "a out", "b in", "b out"]
    assert time.perf_counter() - started >= 0.4
    assert not instance_a.red.exists(key)  # released and deleted
    # another sender is not held up by this one
    async with instance_a.lock("sender-1"):
        async with instance_b.lock("sender-2", wait_time_in_seconds=0.05):
            pass


@pytest.mark.parametrize(
    ("tracker_url", "lock_url", "message"),
    [
        ("mysql://root@127.0.0.1/rasa", "", "unsupported TRACKER_STORE_URL"),
        ("postgresql://postgres@127.0.0.1:1/rasa", "", "unreachable"),
        ("", "memcached://127.0.0.1:11211", "unsupported LOCK_STORE_URL"),
        ("", "redis://127.0.0.1:1/0", "unreachable"),
        ("", "redis://127.0.0.1:6379/notanumber", "invalid LOCK_STORE_URL"),
    ],
)
def test_bad_store_urls_fail_fast_and_clearly(tracker_url: str, lock_url: str, message: str) -> None:
    started = time.perf_counter()
    with pytest.raises(StoreConfigError, match=message):
        create_tracker_store(tracker_url, DOMAIN)
        create_lock_store(lock_url)
    assert time.perf_counter() - started < 15


def test_redis_tickets_stay_unique_when_instances_ask_at_once(redis_url: str) -> None:
    """Rasa's RedisLockStore reads, changes and writes a lock: instances asking together got the same ticket and
    both held the lock. Every ticket here is issued once, and releasing them all leaves no lock behind."""
    from concurrent.futures import ThreadPoolExecutor

    prefix = f"t{uuid.uuid4().hex[:10]}"
    url = f"{redis_url}?key_prefix={prefix}"
    instances = [create_lock_store(url) for _ in range(4)]
    with ThreadPoolExecutor(8) as pool:
        tickets = list(pool.map(lambda index: instances[index % 4].issue_ticket("sender-2"), range(40)))
        assert sorted(tickets) == list(range(40))
        list(pool.map(lambda index: instances[index % 4].cleanup("sender-2", tickets[index]), range(40)))
    assert not instances[0].red.exists(f"{prefix}:lock:sender-2")
