"""The dialogue in worker processes (DIALOGUE_WORKERS=2): the same conversations as in one process, every
sender kept on its worker, a dead worker started again, and `/health` saying so while it is down."""

from __future__ import annotations

import functools
import os
import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.db.models import Conversation, Turn
from bot.db.session import session_scope
from bot.dialogue.workers import DialogueWorkers, worker_index
from bot.flow.state import STATE_SLOT
from tests.dialogue_testing import started_dialogue_app, use_database
from tests.seeded_customers import seeded_dialogue_database

pytestmark = pytest.mark.slow

WEBHOOK = "/webhooks/rest/webhook"
RESTART_TIMEOUT_SECONDS = 300
SCRIPT = ["你好", "我想把这个号销了", "主要是资费太贵了，每个月一百多"]


@pytest.fixture(scope="module")
def workers_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database of the workers' own, seeded as the one-process dialogue's: the same sender ids can hold the
    same conversations in both, and get the same lines (variants are chosen by sender id)."""
    return seeded_dialogue_database(tmp_path_factory.mktemp("workers"))


@pytest.fixture(scope="module")
def workers_app(dialogue_model: Path, workers_database_url: str) -> Iterator[TestClient]:
    """The app with its dialogue in two worker processes (they read the environment they were started with)."""
    with started_dialogue_app(dialogue_model, {"DATABASE_URL": workers_database_url, "DIALOGUE_WORKERS": "2"}) as client:
        yield client


@pytest.fixture
def workers_client(workers_app: TestClient, workers_database_url: str, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    """`workers_app` with this process's DATABASE_URL at the workers' database too (`/health` checks it)."""
    use_database(monkeypatch, workers_database_url)
    return workers_app


def _pool(client: TestClient) -> DialogueWorkers:
    pool = client.app.state.retention.dialogue
    assert isinstance(pool, DialogueWorkers), client.app.state.retention.dialogue_error
    return pool


def _sender_on(worker: int, count: int = 2) -> str:
    while True:
        sender = f"workers-{uuid.uuid4().hex}"
        if worker_index(sender, count) == worker:
            return sender


def _say(client: TestClient, sender: str, text: str) -> list[str]:
    response = client.post(WEBHOOK, json={"sender": sender, "message": text})
    assert response.status_code == 200, response.text
    return [message.get("text", "") for message in response.json()]


def test_a_sender_always_goes_to_the_same_worker_and_senders_spread() -> None:
    senders = [f"sender-{number}" for number in range(200)]
    first = [worker_index(sender, 2) for sender in senders]
    assert first == [worker_index(sender, 2) for sender in senders]
    assert 60 <= first.count(0) <= 140  # about half on each
    assert worker_index("wechat-openid-oABC", 3) == 2  # CRC-32 (3578067821 % 3), not the process's salted hash()


def test_conversations_in_workers_are_the_conversations_of_one_process(
    workers_client: TestClient, dialogue_client: TestClient, workers_database_url: str
) -> None:
    pool = _pool(workers_client)
    assert pool.processes == 2
    senders = [_sender_on(0), _sender_on(1)]
    for sender in senders:
        in_workers = [_say(workers_client, sender, text) for text in SCRIPT]
        in_process = [_say(dialogue_client, sender, text) for text in SCRIPT]
        assert in_workers == in_process
        assert all(in_workers), in_workers  # every message answered
        state = workers_client.portal.call(pool.slots, sender)[STATE_SLOT]  # what the desk reads
        assert state, "the flow state lives in the sender's worker"
        with session_scope(workers_database_url) as session:
            conversation = session.scalars(select(Conversation).where(Conversation.sender_id == sender)).one()
            turns = session.scalars(select(Turn).where(Turn.conversation_id == conversation.id).order_by(Turn.seq))
            customer_lines = [turn.text for turn in turns if turn.role == "customer"]
        assert customer_lines == SCRIPT


def test_an_unknown_channel_is_the_caller_s_error(workers_client: TestClient) -> None:
    pool = _pool(workers_client)
    with pytest.raises(ValueError, match="unknown channel"):
        workers_client.portal.call(functools.partial(pool.handle, "s", "你好", channel="fax"))


def test_a_dead_worker_is_started_again_and_health_says_so_meanwhile(workers_client: TestClient) -> None:
    pool = _pool(workers_client)
    victim, survivor = _sender_on(1), _sender_on(0)
    assert _say(workers_client, victim, "你好")
    process = pool.workers[1].process
    assert process is not None
    os.kill(process.pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while pool.workers[1].ready and time.monotonic() < deadline:
        time.sleep(0.05)
    response = workers_client.post(WEBHOOK, json={"sender": victim, "message": "在吗"})
    assert response.status_code == 503 and "send the message again" in response.json()["detail"]
    assert workers_client.get("/health").status_code == 503
    assert _say(workers_client, survivor, "你好"), "the other worker's customers are still answered"
    deadline = time.monotonic() + RESTART_TIMEOUT_SECONDS
    while not pool.workers[1].ready:
        assert time.monotonic() < deadline, "the worker was not started again"
        time.sleep(0.5)
    assert pool.workers[1].process is not process
    assert _say(workers_client, victim, "你好")
    assert workers_client.get("/health").status_code == 200


def test_serve_takes_the_number_of_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    """`serve --dialogue-workers N` is DIALOGUE_WORKERS=N; the app process then hands the GIL over quickly (its
    threads only wait for the database)."""
    import argparse
    import sys

    import uvicorn

    from bot.cli.serve import APP_PROCESS_SWITCH_INTERVAL_SECONDS, run_serve

    served: dict = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: served.update(options))
    monkeypatch.setattr("bot.app.main.create_app", lambda: object())
    monkeypatch.setattr(sys, "setswitchinterval", lambda seconds: served.update(switch=seconds))
    monkeypatch.setenv("DIALOGUE_WORKERS", "1")  # restored after the test
    run_serve(argparse.Namespace(host="127.0.0.1", port=8000, dialogue_workers=None))
    assert "switch" not in served
    run_serve(argparse.Namespace(host="127.0.0.1", port=8000, dialogue_workers=3))
    assert os.environ["DIALOGUE_WORKERS"] == "3" and served["switch"] == APP_PROCESS_SWITCH_INTERVAL_SECONDS
    with pytest.raises(SystemExit, match="1 or more"):
        run_serve(argparse.Namespace(host="127.0.0.1", port=8000, dialogue_workers=0))
