"""`GET /health` of the app serving the dialogue: 200 when every part works, 503 naming the part that does not."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.app.main import create_app
from bot.app.routers.health import build_report
from bot.dialogue.action_endpoint import InProcessActionEndpoint


def test_healthy(dialogue_client: TestClient) -> None:
    response = dialogue_client.get("/health")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    dialogue = body["dialogue"]
    assert dialogue["enabled"] is True and dialogue["loaded"] is True
    assert dialogue["model"].startswith("customer-") and dialogue["model"].endswith(dialogue["fingerprint"])
    assert body["models"]["customer"] == {"loaded": True, "version": dialogue["model"]}
    assert body["database"]["reachable"] is True and body["database"]["revision"] == body["database"]["head"]
    actions = body["actions"]
    assert (actions["ok"], actions["mode"], actions["target"], actions["missing"]) == (True, "in-process", "actions", [])
    assert actions["registered"] >= actions["expected"] > 0
    assert body["tracker_store"] == {"kind": "InMemoryTrackerStore", "reachable": True}
    assert body["lock_store"] == {"kind": "InMemoryLockStore", "reachable": True}


def test_an_unreachable_database_is_503(dialogue_client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg2://nobody:secret@127.0.0.1:1/app")
    response = dialogue_client.get("/health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["database"]["reachable"] is False
    assert "secret" not in response.text and "127.0.0.1:1" in body["database"]["error"]
    assert body["dialogue"]["loaded"] is True  # the rest is still reported


def test_missing_custom_actions_are_named(dialogue_client: TestClient) -> None:
    """The loaded dialogue with an action package that lacks the domain's actions: degraded, each one named."""
    state = dialogue_client.app.state.retention
    service = dataclasses.replace(state.dialogue, action_endpoint=InProcessActionEndpoint("dialogue_test_actions"))
    report = dialogue_client.portal.call(build_report, dataclasses.replace(state, dialogue=service))
    assert report.status == "degraded"
    assert not report.actions.ok
    assert report.actions.target == "dialogue_test_actions"
    assert set(report.actions.missing) == set(service.custom_actions)


def test_a_model_that_does_not_load_is_503_with_the_reason() -> None:
    app = create_app(roles=("customer",), model_paths={"customer": Path("/nonexistent/customer-0.tar.gz")})
    with TestClient(app) as client:
        response = client.get("/health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["dialogue"]["enabled"] is True and body["dialogue"]["loaded"] is False
    assert "customer-0.tar.gz" in body["dialogue"]["error"]
    assert body["models"]["customer"]["loaded"] is False
