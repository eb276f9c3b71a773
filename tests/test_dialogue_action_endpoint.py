"""The in-process action endpoint answers what rasa_sdk's action server answers, through Rasa's RemoteAction.

Uses the tiny action package tests/dialogue_test_actions; one test starts the real rasa_sdk action server on
it and compares both answers call by call (also the external mode of ACTION_ENDPOINT_URL).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import ClientResponseError, EndpointConfig

from bot import event_loop
from bot.config import get_settings
from bot.dialogue.action_endpoint import (
    ActionPackageError,
    InProcessActionEndpoint,
    action_endpoint_from_settings,
    create_executor,
)
from bot.dialogue.service import _external_action_status

PACKAGE = "dialogue_test_actions"
TESTS_DIR = Path(__file__).resolve().parent

DOMAIN = Domain.from_yaml(
    """
version: "3.1"
intents: [greet, affirm, deny]
slots:
  channel_seen: {type: text, influence_conversation: false, mappings: [{type: custom}]}
  phone_seen: {type: text, influence_conversation: false, mappings: [{type: custom}]}
responses:
  utter_test_ticket:
  - text: 工单 {ticket_id} 已登记，24小时内回复您。
actions: [action_test_greet, action_test_async, action_test_reject, action_test_crash, action_test_missing]
"""
)


def _tracker(sender: str = "s-1") -> DialogueStateTracker:
    events = [
        ActionExecuted("action_listen"),
        UserUttered(
            "你好",
            intent={"name": "greet", "confidence": 0.98},
            input_channel="web",
            metadata={"phone": "13312345678", "source": "webchat"},
        ),
    ]
    return DialogueStateTracker.from_events(sender, events, slots=DOMAIN.slots)


async def _run(action: str, endpoint: EndpointConfig, tracker: DialogueStateTracker | None = None) -> list:
    nlg = TemplatedNaturalLanguageGenerator(DOMAIN.responses)
    return await RemoteAction(action, endpoint).run(CollectingOutputChannel(), nlg, tracker or _tracker(), DOMAIN)


@pytest.fixture(autouse=True, params=["in a thread", "on the loop"])
def where_actions_run(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test in both modes: the app process (a thread per call) and a dialogue worker (bot/event_loop.py)."""
    monkeypatch.setattr(event_loop, "_work_on_the_loop", request.param == "on the loop")


@pytest.fixture(scope="module")
def endpoint() -> InProcessActionEndpoint:
    return InProcessActionEndpoint(PACKAGE)


def test_the_package_is_registered(endpoint: InProcessActionEndpoint) -> None:
    registry = endpoint.registry
    assert registry.error is None
    assert {"action_test_greet", "action_test_async", "action_test_reject", "action_test_crash"} <= set(
        registry.actions
    )


async def test_runs_a_real_action_through_remote_action(endpoint: InProcessActionEndpoint) -> None:
    events = await _run("action_test_greet", endpoint)

    assert [type(event) for event in events] == [BotUttered, BotUttered, SlotSet, SlotSet]
    assert events[0].text == "您好，请问是本人吗？"
    assert events[0].data["buttons"] == [{"title": "是的", "payload": "/affirm"}, {"title": "不是", "payload": "/deny"}]
    # a domain response said by the action, filled with the action's variables by Rasa's NLG
    assert events[1].text == "工单 T-1 已登记，24小时内回复您。"
    assert events[1].metadata["utter_action"] == "utter_test_ticket"
    # the input channel and the metadata of the message reach the action
    assert events[2] == SlotSet("channel_seen", "web")
    assert events[3] == SlotSet("phone_seen", "13312345678")


async def test_async_actions_run_too(endpoint: InProcessActionEndpoint) -> None:
    events = await _run("action_test_async", endpoint, _tracker("wx-openid-1"))
    assert [event.text for event in events] == ["sender wx-openid-1"]


async def test_a_rejection_becomes_rasas_action_execution_rejection(endpoint: InProcessActionEndpoint) -> None:
    with pytest.raises(ActionExecutionRejection) as raised:
        await _run("action_test_reject", endpoint)
    assert raised.value.action_name == "action_test_reject"
    assert raised.value.message == "号码格式不对，换一个动作"


@pytest.mark.parametrize("action", ["action_test_crash", "action_test_missing"])
async def test_a_crash_or_unknown_action_is_a_rasa_exception_not_a_rejection(
    endpoint: InProcessActionEndpoint, action: str
) -> None:
    with pytest.raises(RasaException) as raised:
        await _run(action, endpoint)
    assert not isinstance(raised.value, ActionExecutionRejection)
    assert f"Failed to execute custom action '{action}'" in str(raised.value)


async def test_the_action_gets_its_own_copy_of_the_tracker(endpoint: InProcessActionEndpoint) -> None:
    tracker = _tracker()
    before = json.dumps(tracker.current_state(), sort_keys=True, default=str)
    await _run("action_test_greet", endpoint, tracker)
    assert json.dumps(tracker.current_state(), sort_keys=True, default=str) == before


def test_a_package_that_does_not_import_is_reported_not_fatal() -> None:
    with pytest.raises(ActionPackageError, match="no_such_actions_package"):
        create_executor("no_such_actions_package")
    endpoint = InProcessActionEndpoint("no_such_actions_package")
    assert endpoint.registry.actions == ()
    assert "cannot be imported" in endpoint.registry.error


async def test_a_broken_package_answers_404_for_every_action() -> None:
    endpoint = InProcessActionEndpoint("no_such_actions_package")
    with pytest.raises(RasaException, match="Failed to execute custom action 'action_test_greet'"):
        await _run("action_test_greet", endpoint)


def test_the_endpoint_comes_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ACTION_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("ACTIONS_PACKAGE", PACKAGE)
    endpoint = action_endpoint_from_settings(get_settings())
    assert isinstance(endpoint, InProcessActionEndpoint) and endpoint.package == PACKAGE

    monkeypatch.setenv("ACTION_ENDPOINT_URL", "http://actions.internal:5055/webhook")
    endpoint = action_endpoint_from_settings(get_settings())
    assert type(endpoint) is EndpointConfig and endpoint.url == "http://actions.internal:5055/webhook"


# --- the same answers as the real action server ------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def action_server() -> Iterator[str]:
    """`python -m rasa_sdk --actions dialogue_test_actions` on a free port; yields its webhook URL."""
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS_DIR), os.environ.get("PYTHONPATH", "")])}
    process = subprocess.Popen(
        [sys.executable, "-m", "rasa_sdk", "--actions", PACKAGE, "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"the rasa_sdk action server exited: {process.stderr.read().decode()[-2000:]}")
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("the rasa_sdk action server did not start within 60 s")
            time.sleep(0.3)
        yield f"{base}/webhook"
    finally:
        process.terminate()
        process.wait(timeout=10)


async def _answer(endpoint: EndpointConfig, call: dict) -> tuple[int, object]:
    try:
        return 200, await endpoint.request(json=call, method="post")
    except ClientResponseError as exc:
        return exc.status, json.loads(exc.text)


@pytest.mark.parametrize(
    "action", ["action_test_greet", "action_test_async", "action_test_reject", "action_test_crash", "action_test_missing"]
)
async def test_same_answer_as_the_rasa_sdk_action_server(
    endpoint: InProcessActionEndpoint, action_server: str, action: str
) -> None:
    call = RemoteAction(action, endpoint)._action_call_format(_tracker(), DOMAIN)
    call = json.loads(json.dumps(call))
    in_process = await _answer(endpoint, call)
    over_http = await _answer(EndpointConfig(url=action_server), call)
    assert in_process == over_http
    assert in_process[0] == {"action_test_reject": 400, "action_test_crash": 500, "action_test_missing": 404}.get(
        action, 200
    )


async def test_external_action_server_status(action_server: str) -> None:
    status = await _external_action_status(action_server, ["action_test_greet", "action_nobody_wrote"])
    assert status.mode == "external" and status.error is None
    assert "action_test_greet" in status.registered
    assert status.missing == ["action_nobody_wrote"] and not status.ok

    down = await _external_action_status("http://127.0.0.1:1/webhook", ["action_test_greet"])
    assert not down.ok and "unreachable" in down.error
