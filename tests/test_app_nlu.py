"""`POST /model/parse` and `GET /health` with a small fixture model."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.app.main import create_app
from bot.app.routers.health import build_report


@pytest.fixture(scope="module")
def client(tiny_nlu_model: Path):  # type: ignore[no-untyped-def]
    app = create_app(roles=("customer", "agent"), model_paths={"customer": tiny_nlu_model, "agent": Path("/nonexistent.tar.gz")})
    with TestClient(app) as test_client:
        yield test_client


def test_parse_answers_in_the_contract_shape(client: TestClient) -> None:
    response = client.post("/model/parse", json={"text": "你們的資費太貴了，聯通才58"})
    assert response.status_code == 200
    body = response.json()
    assert body["text"] == "你們的資費太貴了，聯通才58"
    assert {"intent", "need", "entities", "intent_ranking"} <= set(body)
    assert {"entity": "competitor", "value": "中国联通", "start": 9, "end": 11} in body["entities"]


def test_parse_and_cli_agree(client: TestClient, tiny_nlu_model: Path) -> None:
    import asyncio

    from bot.nlu.parser import NluParser

    text = "宽带老掉线，赶紧派人来修"
    direct = asyncio.run(NluParser.load("customer", tiny_nlu_model).parse(text))
    assert client.post("/model/parse", json={"text": text}).json() == direct


@pytest.mark.parametrize("body", [{}, {"text": ""}, {"text": "   "}, {"text": 5}, {"text": "x" * 2001}, {"text": "好", "role": "boss"}])
def test_bad_requests_are_rejected_with_a_reason(client: TestClient, body: dict) -> None:
    """400 with one sentence, like the REST webhook (bot/app/errors.py), not FastAPI's 422 list."""
    response = client.post("/model/parse", json=body)
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert isinstance(detail, str) and detail.startswith("text:" if "role" not in body else "role:")


def test_a_role_without_a_model_is_503_not_a_crash(client: TestClient) -> None:
    response = client.post("/model/parse", json={"text": "您好", "role": "agent"})
    assert response.status_code == 503
    assert "agent model unavailable" in response.json()["detail"]


def test_health_reports_models(client: TestClient) -> None:
    """Publicly the status only; the report (what an admin sees on /health/details) names the models."""
    assert client.get("/health").json() == {"status": "ok"}
    report = client.portal.call(build_report, client.app.state.retention)
    assert report.status == "ok"
    assert report.models["customer"].loaded is True
    assert report.models["customer"].version.startswith("tiny-")
    assert report.models["agent"].loaded is False
