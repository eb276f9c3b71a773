"""`GET /health` of the app serving the dialogue: 200 when every part works, 503 when one does not; which part
and why on `/health/details`, for admins only."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from auth_testing import add_user, cheap_hashing, sign_in  # noqa: F401 - fixture
from fastapi.testclient import TestClient

from bot.app.main import create_app
from bot.app.routers.health import build_report
from bot.dialogue.action_endpoint import InProcessActionEndpoint


@pytest.fixture
def admin_client(
    dialogue_client: TestClient, dialogue_database_url: str, monkeypatch: pytest.MonkeyPatch, cheap_hashing: None
) -> Iterator[TestClient]:
    """The session's app signed in as a new admin; signed out again after the test (the client is shared)."""
    monkeypatch.setenv("SESSION_SECRET", "health-test-secret-" + "x" * 32)
    username = f"admin-{uuid.uuid4().hex[:8]}"
    add_user(dialogue_database_url, username, "admin")
    assert sign_in(dialogue_client, username).status_code == 303
    yield dialogue_client
    dialogue_client.cookies.clear()


def test_the_public_health_says_the_status_only(dialogue_client: TestClient) -> None:
    response = dialogue_client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_details_are_for_admins_only(
    dialogue_client: TestClient, dialogue_database_url: str, monkeypatch: pytest.MonkeyPatch, cheap_hashing: None
) -> None:
    assert dialogue_client.get("/health/details").status_code == 401
    monkeypatch.setenv("SESSION_SECRET", "health-test-secret-" + "x" * 32)
    username = f"trainee-{uuid.uuid4().hex[:8]}"
    add_user(dialogue_database_url, username, "trainee")
    try:
        assert sign_in(dialogue_client, username).status_code == 303
        response = dialogue_client.get("/health/details")
        assert response.status_code == 403 and "database" not in response.text
    finally:
        dialogue_client.cookies.clear()


def test_healthy(admin_client: TestClient) -> None:
    response = admin_client.get("/health/details")
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
    """Publicly just "degraded"; the report names the database without its password. (Admins read it in the
    logs then: signing in needs that database too.)"""
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg2://nobody:secret@127.0.0.1:1/app")
    response = dialogue_client.get("/health")
    assert response.status_code == 503
    assert response.json() == {"status": "degraded"}
    report = dialogue_client.portal.call(build_report, dialogue_client.app.state.retention)
    assert report.status == "degraded"
    assert report.database is not None and report.database.reachable is False
    assert "secret" not in report.json() and "127.0.0.1:1" in (report.database.error or "")
    assert report.dialogue.loaded is True  # the rest is still reported


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
        report = client.portal.call(build_report, client.app.state.retention)
    assert response.status_code == 503
    assert response.json() == {"status": "degraded"}
    assert report.dialogue.enabled is True and report.dialogue.loaded is False
    assert "customer-0.tar.gz" in (report.dialogue.error or "")
    assert report.models["customer"].loaded is False
