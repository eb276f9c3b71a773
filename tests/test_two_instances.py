"""Two app instances on two ports sharing PostgreSQL (app data + Rasa's SQLTrackerStore) and the Redis lock
store, as docs/DEPLOY.md sets them up: real `retention-bot serve` processes with the customer model.

PostgreSQL and Redis are reached through TCP proxies the test owns (tests/tcp_proxy.py), so "the database is
gone" and "Redis is gone" are a switch here and the machine's servers are never touched. The instances start
once for the module; the test that kills one comes last.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, select, text

from bot.db.models import Conversation, Turn
from bot.dialogue.service import TURN_FAILED
from tests.seeded_customers import a_customer_phone
from tests.tcp_proxy import TcpProxy

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

WEBHOOK = "/webhooks/rest/webhook"
START_TIMEOUT_SECONDS = 240
SEED_CUSTOMERS = 60
BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Instance:
    """One `retention-bot serve` process."""

    name: str
    port: int
    log: Path
    process: subprocess.Popen

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def kill(self) -> None:
        """SIGKILL: no shutdown hook runs, as when a machine or a container dies."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Cluster:
    instances: list[Instance]
    database_url: str  # direct, for the test's own reads
    postgres: TcpProxy
    redis: TcpProxy
    phone: str

    def tracker_events(self, sender: str) -> list[dict[str, Any]]:
        """The sender's rows of Rasa's `events` table, in the order they were stored."""
        engine = create_engine(self.database_url, future=True)
        try:
            with engine.connect() as connection:
                rows = connection.execute(
                    text("select type_name, action_name, data from events where sender_id = :s order by id"),
                    {"s": sender},
                )
                return [{"type": row[0], "action": row[1], "data": row[2]} for row in rows]
        finally:
            engine.dispose()

    def transcript(self, sender: str) -> list[tuple[str, str]]:
        """(role, text) of the sender's turns, conversation by conversation, in seq order."""
        from bot.db.session import session_scope

        with session_scope(self.database_url) as session:
            rows = session.execute(
                select(Turn.role, Turn.text)
                .join(Conversation, Turn.conversation_id == Conversation.id)
                .where(Conversation.sender_id == sender)
                .order_by(Conversation.id, Turn.seq)
            )
            return [(role, body) for role, body in rows]


def _wait_healthy(instances: list[Instance]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    pending = list(instances)
    while pending:
        for instance in list(pending):
            if instance.process.poll() is not None:
                pytest.fail(f"{instance.name} exited with {instance.process.returncode}:\n{instance.log_tail()}")
            try:
                if httpx.get(instance.url + "/health", timeout=5).status_code == 200:
                    pending.remove(instance)
            except httpx.HTTPError:
                pass
        if pending and time.monotonic() > deadline:
            pytest.fail(f"{pending[0].name} not healthy in {START_TIMEOUT_SECONDS} s:\n{pending[0].log_tail()}")
        time.sleep(0.5)


@pytest.fixture(scope="module")
def cluster(postgres_url: str, redis_url: str, dialogue_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """Two instances behind nothing (the test is the load balancer), sharing one database and one Redis."""
    from bot.db.migrate import upgrade
    from bot.db.seed import default_as_of, seed_database

    name = f"retention_two_{uuid.uuid4().hex[:10]}"
    admin = create_engine(postgres_url, future=True, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    direct_url = postgres_url.rsplit("/", 1)[0] + f"/{name}"
    upgrade(direct_url)  # what `retention-bot db init` does once before the instances start (docs/DEPLOY.md)
    seed_database(direct_url, customers=SEED_CUSTOMERS, seed=7, as_of=default_as_of(date.today()))
    postgres = TcpProxy("127.0.0.1", 5432).start()
    redis_target = httpx.URL(redis_url.replace("redis://", "http://"))
    redis = TcpProxy(redis_target.host, redis_target.port or 6379).start()
    via_proxy = f"postgresql+psycopg2://postgres@127.0.0.1:{postgres.port}/{name}"
    env = {
        **{key: value for key, value in os.environ.items() if key not in ("ACTION_ENDPOINT_URL", "ACTIONS_PACKAGE")},
        "DATABASE_URL": via_proxy,
        "TRACKER_STORE_URL": via_proxy,
        "LOCK_STORE_URL": f"redis://127.0.0.1:{redis.port}{redis_target.path}?key_prefix=two{uuid.uuid4().hex[:10]}",
        "RETENTION_MODELS_DIR": str(dialogue_model.parent),
        "LOG_LEVEL": "INFO",
    }
    logs = tmp_path_factory.mktemp("instances")
    instances = []
    for label in ("a", "b"):
        port = _free_port()
        log = logs / f"{label}.log"
        with log.open("wb") as output:
            process = subprocess.Popen(  # noqa: S603 - our own executable
                [str(BIN / "retention-bot"), "serve", "--port", str(port)],
                cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
            )
        instances.append(Instance(label, port, log, process))
    try:
        _wait_healthy(instances)
        yield Cluster(instances, direct_url, postgres, redis, a_customer_phone(direct_url))
    finally:
        for instance in instances:
            instance.stop()
        postgres.stop()
        redis.stop()
        from bot.db.session import dispose_engines

        dispose_engines()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


async def _say(client: httpx.AsyncClient, instance: Instance, sender: str, message: str, phone: str) -> httpx.Response:
    return await client.post(
        instance.url + WEBHOOK, json={"sender": sender, "message": message, "metadata": {"phone": phone}}
    )


def _acknowledged(response: httpx.Response) -> bool:
    """A turn the customer saw answered: 200 with bot lines that are not the failed-turn apology."""
    if response.status_code != 200:
        return False
    body = response.json()
    return bool(body) and all(message.get("text") != TURN_FAILED for message in body)


def _user_texts(events: list[dict[str, Any]]) -> list[str]:
    return [json.loads(event["data"])["text"] for event in events if event["type"] == "user"]


def _assert_well_formed(events: list[dict[str, Any]]) -> None:
    """Each customer message is followed by its own actions and ends in action_listen before the next one: no
    two messages of the sender were processed at once, and no event was stored twice."""
    seen = set()
    for event in events:
        key = event["data"]
        assert key not in seen, f"event stored twice: {key[:200]}"
        seen.add(key)
    listening = True
    for event in events:
        if event["type"] == "user":
            assert listening, "a message was processed before the previous one ended"
            listening = False
        elif event["type"] == "action" and event["action"] == "action_listen":
            listening = True
    assert listening, "the last message did not end in action_listen"
    assert all(json.loads(event["data"]).get("timestamp") for event in events)


def _assert_transcript_matches(cluster: Cluster, sender: str, events: list[dict[str, Any]]) -> None:
    """Every customer message and every bot line of the tracker is a turn, once, in the tracker's order."""
    expected = [
        ("customer" if event["type"] == "user" else "bot", json.loads(event["data"])["text"] or "")
        for event in events
        if event["type"] in ("user", "bot")
    ]
    assert cluster.transcript(sender) == expected


async def test_one_conversation_alternating_between_instances_with_bursts(cluster: Cluster) -> None:
    sender = f"two-{uuid.uuid4().hex[:10]}"
    a, b = cluster.instances
    in_turn = ["你好，我想销户", "主要是太贵了，一个月一百多", "你们能给我什么优惠", "我再考虑一下"]
    bursts = [["宽带也老是掉线", "晚上看视频一直卡"], ["那有没有便宜点的套餐", "流量不够用"]]
    async with httpx.AsyncClient(timeout=60) as client:
        for index, message in enumerate(in_turn):
            response = await _say(client, (a, b)[index % 2], sender, message, cluster.phone)
            assert _acknowledged(response), response.text
        for burst in bursts:
            # the same sender on both instances at the same moment, two messages each
            responses = await asyncio.gather(
                *(_say(client, instance, sender, message, cluster.phone) for message in burst for instance in (a, b))
            )
            assert all(_acknowledged(response) for response in responses), [r.text for r in responses]
    events = cluster.tracker_events(sender)
    _assert_well_formed(events)
    texts = _user_texts(events)
    assert texts[: len(in_turn)] == in_turn
    burst_texts = [message for burst in bursts for message in burst for _ in (a, b)]
    assert sorted(texts[len(in_turn) :]) == sorted(burst_texts)
    _assert_transcript_matches(cluster, sender, events)


async def test_postgresql_gone_under_load_loses_no_acknowledged_turn(cluster: Cluster) -> None:
    """Six senders write while PostgreSQL (app data and tracker store) disappears for a while and comes back:
    each message is answered (a reply, or the short apology asking to send it again), none hangs, and every
    answered one is in its tracker and its transcript once."""
    a, b = cluster.instances
    senders = [f"pg-{index}-{uuid.uuid4().hex[:8]}" for index in range(6)]
    outcomes: dict[str, list[tuple[str, httpx.Response]]] = {sender: [] for sender in senders}
    stop = asyncio.Event()

    async def customer(sender: str, client: httpx.AsyncClient) -> None:
        count = 0
        while not stop.is_set() or count < 2:
            message = f"网络不好想销户，第{count + 1}次说"
            response = await _say(client, (a, b)[count % 2], sender, message, cluster.phone)
            outcomes[sender].append((message, response))
            count += 1
            await asyncio.sleep(0.05)

    async def outage() -> None:
        await asyncio.sleep(2)
        await asyncio.to_thread(cluster.postgres.cut)
        await asyncio.sleep(3)
        await asyncio.to_thread(cluster.postgres.restore)
        await asyncio.sleep(4)
        stop.set()

    async with httpx.AsyncClient(timeout=60) as client:
        await asyncio.gather(outage(), *(customer(sender, client) for sender in senders))
    responses = [response for results in outcomes.values() for _, response in results]
    assert {response.status_code for response in responses} <= {200, 503}
    assert any(not _acknowledged(response) for response in responses), "the outage was never seen"
    for response in responses:
        if response.status_code == 200:
            assert response.json(), "an empty answer"
        else:
            assert response.json()["detail"]
    for sender, results in outcomes.items():
        acknowledged = [message for message, response in results if _acknowledged(response)]
        assert acknowledged and _acknowledged(results[-1][1]), "conversations go on once the database is back"
        events = await _eventually(lambda: cluster.tracker_events(sender), lambda events: events)
        _assert_well_formed(events)
        texts = _user_texts(events)
        for message in acknowledged:
            assert texts.count(message) == 1, (message, texts)
        transcript = await _eventually(
            lambda: cluster.transcript(sender),
            lambda turns: all((("customer", m) in turns) for m in acknowledged),
        )
        for message in acknowledged:
            assert transcript.count(("customer", message)) == 1, (message, transcript)


async def test_redis_gone_is_a_clear_503_and_leaves_the_tracker_whole(cluster: Cluster) -> None:
    a, b = cluster.instances
    sender = f"redis-{uuid.uuid4().hex[:10]}"
    async with httpx.AsyncClient(timeout=60) as client:
        assert _acknowledged(await _say(client, a, sender, "我想携号转网", cluster.phone))
        with cluster.redis.down():
            for instance in (a, b):
                response = await _say(client, instance, sender, "为什么转不了", cluster.phone)
                assert response.status_code == 503
                assert "lock store" in response.json()["detail"]
                assert (await client.get(instance.url + "/health")).status_code == 503
        response = await _say(client, b, sender, "信号太差了", cluster.phone)
        assert _acknowledged(response), response.text
    events = cluster.tracker_events(sender)
    _assert_well_formed(events)
    assert _user_texts(events) == ["我想携号转网", "信号太差了"]
    _assert_transcript_matches(cluster, sender, events)


async def test_a_killed_instance_leaves_the_conversation_to_the_other(cluster: Cluster) -> None:
    a, b = cluster.instances
    sender = f"kill-{uuid.uuid4().hex[:10]}"
    before, after = ["你好，我想销户", "太贵了"], ["那有什么优惠", "好的我考虑一下"]
    async with httpx.AsyncClient(timeout=60) as client:
        for message in before:
            assert _acknowledged(await _say(client, a, sender, message, cluster.phone))
        a.kill()
        for message in after:
            response = await _say(client, b, sender, message, cluster.phone)
            assert _acknowledged(response), response.text
    events = cluster.tracker_events(sender)
    _assert_well_formed(events)
    assert _user_texts(events) == before + after
    _assert_transcript_matches(cluster, sender, events)


async def _eventually(read, done, attempts: int = 50):  # type: ignore[no-untyped-def]
    """`read()` once `done(result)` holds, polling (a retried transcript write lands a moment later)."""
    for _ in range(attempts):
        result = await asyncio.to_thread(read)
        if done(result):
            return result
        await asyncio.sleep(0.2)
    return result


def test_instances_starting_together_migrate_one_after_another(postgres_url: str) -> None:
    """Every instance migrates at start-up; processes starting together on one fresh database must not run the
    same revision twice (three `retention-bot db init` at once, as the migration step of each instance)."""
    from bot.db.migrate import current_revision, head_revision

    name = f"retention_migrate_{uuid.uuid4().hex[:10]}"
    admin = create_engine(postgres_url, future=True, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = postgres_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        processes = [
            subprocess.Popen(  # noqa: S603 - our own executable
                [str(BIN / "retention-bot"), "db", "init"],
                cwd=ROOT, env={**os.environ, "DATABASE_URL": url}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            )
            for _ in range(3)
        ]
        outputs = [process.communicate(timeout=120)[0].decode(errors="replace") for process in processes]
        assert [process.returncode for process in processes] == [0, 0, 0], outputs
        assert current_revision(url) == head_revision()
    finally:
        from bot.db.session import dispose_engines

        dispose_engines()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
