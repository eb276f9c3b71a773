"""What every request must be (issue 14): valid Unicode, a capped body, JSON declared as JSON, one error shape.

The checks run before a route's dependencies, so the app here has no model: a request that passes them gets
the route's own 503 ("dialogue unavailable"), one that fails gets 400 / 413 / 415 in `{"detail": "..."}`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from bot.app.errors import INTERNAL_ERROR
from bot.app.main import create_app
from bot.app.request_checks import JsonRoute, has_json_body

WEBHOOK = "/webhooks/rest/webhook"
PARSE = "/model/parse"
JSON = {"content-type": "application/json"}


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.delenv("MAX_REQUEST_BYTES", raising=False)
    with TestClient(create_app(roles=(), dialogue=False)) as test_client:
        yield test_client


def detail(response) -> str:  # type: ignore[no-untyped-def]
    body = response.json()
    assert set(body) == {"detail"} and isinstance(body["detail"], str), body
    return body["detail"]


# --- Invalid Unicode --------------------------------------------------------------------------------------

LONE = "\\ud800"  # as JSON escapes it: json.loads makes it a lone surrogate


@pytest.mark.parametrize(
    ("path", "raw", "where"),
    [
        (WEBHOOK, f'{{"sender": "u{LONE}", "message": "你好"}}', "sender"),
        (WEBHOOK, f'{{"sender": "u1", "message": "我要销户{LONE}"}}', "message"),
        (WEBHOOK, f'{{"sender": "u1", "message": "你好", "metadata": {{"phone": "1{LONE}"}}}}', "metadata.phone"),
        (WEBHOOK, f'{{"sender": "u1", "message": "你好", "metadata": {{"k{LONE}": 1}}}}', "metadata"),
        (WEBHOOK, f'{{"sender": "u1", "message": "你好", "x{LONE}": 1}}', "body"),
        (WEBHOOK, f'{{"sender": "u1", "message": "你好", "metadata": {{"a": ["x", "\\udfff"]}}}}', "metadata.a[1]"),
        (PARSE, f'{{"text": "太贵了{LONE}"}}', "text"),
        (PARSE, '{"text": "\\udc00\\ud800"}', "text"),  # two halves in the wrong order are no pair
    ],
)
def test_a_lone_surrogate_anywhere_is_400(client: TestClient, path: str, raw: str, where: str) -> None:
    response = client.post(path, content=raw.encode(), headers=JSON)
    assert response.status_code == 400
    assert response.json() == {"detail": f"{where}: invalid Unicode (a lone surrogate)"}


def test_a_surrogate_pair_is_one_character_and_welcome(client: TestClient) -> None:
    response = client.post(WEBHOOK, content='{"sender": "u1", "message": "好的\\ud83d\\ude00"}'.encode(), headers=JSON)
    assert response.status_code == 503  # past the checks: the dialogue is what is missing here
    assert detail(response).startswith("dialogue unavailable")


@pytest.mark.parametrize(
    "raw",
    [
        b'{"sender": "u1", "message": "\xed\xa0\x80"}',  # a surrogate encoded as UTF-8 bytes
        b'{"sender": "u1", "message": "\xff\xfe"}',  # not UTF-8 at all
    ],
)
def test_bytes_that_are_not_utf8_are_400(client: TestClient, raw: bytes) -> None:
    response = client.post(WEBHOOK, content=raw, headers=JSON)
    assert response.status_code == 400
    assert "Unicode" in detail(response) or "UTF-8" in detail(response)


def _nested(depth: int) -> bytes:
    return ('{"sender": "u1", "message": "hi", "metadata": {"a": ' + "[" * depth + "]" * depth + "}}").encode()


def test_json_nested_too_deeply_is_400_not_500(client: TestClient) -> None:
    response = client.post(WEBHOOK, content=_nested(5000), headers=JSON)
    assert response.status_code == 400
    assert detail(response) == "body: nested too deeply"


def test_json_near_the_parsers_depth_limit_is_never_a_crash(client: TestClient) -> None:
    """Deep enough for the parser, maybe too deep for the scan that follows it: refused or passed, not a 500."""
    response = client.post(WEBHOOK, content=_nested(990), headers=JSON)
    assert response.status_code in (400, 503), response.text


# --- The body cap -----------------------------------------------------------------------------------------


def test_a_huge_declared_body_is_413_before_it_is_read(client: TestClient) -> None:
    big = b'{"sender": "u1", "message": "hi", "junk": "' + b"x" * (20 * 1024 * 1024) + b'"}'
    response = client.post(WEBHOOK, content=big, headers=JSON)
    assert response.status_code == 413
    assert detail(response) == "request body too large (at most 65536 bytes)"


def test_a_streamed_body_without_a_length_is_cut_off_at_the_cap(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"sender": "u1", "message": "'
        for _ in range(100):
            yield b"x" * 1024
        yield b'"}'

    response = client.post(WEBHOOK, content=chunks(), headers=JSON)
    assert response.status_code == 413
    assert detail(response).startswith("request body too large")


@pytest.mark.parametrize(
    ("path", "headers"),
    [(PARSE, JSON), ("/webhooks/wechat", {}), ("/login", {"content-type": "application/x-www-form-urlencoded"})],
)
def test_every_route_has_the_cap(client: TestClient, path: str, headers: dict[str, str]) -> None:
    response = client.post(path, content=b"x" * (64 * 1024 + 1), headers=headers)
    assert response.status_code == 413


def test_the_cap_is_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAX_REQUEST_BYTES", "1000")
    with TestClient(create_app(roles=(), dialogue=False)) as small:
        assert small.post(WEBHOOK, json={"sender": "u1", "message": "好" * 400}).status_code == 413
        assert small.post(WEBHOOK, json={"sender": "u1", "message": "好" * 100}).status_code == 503


# --- JSON only as JSON ------------------------------------------------------------------------------------

BODY = b'{"sender": "u1", "message": "hi"}'


@pytest.mark.parametrize(
    "content_type", [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]
)
@pytest.mark.parametrize("path", [WEBHOOK, PARSE])
def test_a_body_not_declared_as_json_is_415(client: TestClient, path: str, content_type: str | None) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = client.post(path, content=BODY, headers=headers)
    assert response.status_code == 415
    assert detail(response) == "the body must be JSON (Content-Type: application/json)"


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "application/vnd.rasa+json"])
def test_json_content_types_are_accepted(client: TestClient, content_type: str) -> None:
    assert client.post(WEBHOOK, content=BODY, headers={"content-type": content_type}).status_code == 503


def test_every_route_with_a_json_body_checks_it(client: TestClient) -> None:
    """A router added later without `route_class=JsonRoute` would skip the checks: this test names it."""
    json_routes = [r for r in client.app.routes if isinstance(r, APIRoute) and has_json_body(r)]
    assert {r.path for r in json_routes} >= {WEBHOOK, PARSE}
    assert [r.path for r in json_routes if not isinstance(r, JsonRoute)] == []


# --- One error shape --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body", "expected"),
    [
        (PARSE, {}, "text: field required"),
        (PARSE, {"text": "   "}, "text: text must not be empty"),
        (PARSE, {"text": "好", "role": "boss"}, "role: unexpected value; permitted: 'customer', 'agent'"),
    ],
)
def test_validation_errors_are_400_with_a_sentence(client: TestClient, path: str, body: dict, expected: str) -> None:
    """The REST webhook's own cases are in tests/test_rest_webhook.py (they need the dialogue loaded)."""
    response = client.post(path, json=body)
    assert response.status_code == 400
    assert detail(response) == expected


def test_query_validation_errors_have_the_same_shape(client: TestClient) -> None:
    router = APIRouter()

    @router.get("/probe/number")
    def number(n: int) -> dict[str, int]:
        return {"n": n}

    client.app.include_router(router)
    response = client.get("/probe/number", params={"n": "many"})
    assert response.status_code == 400
    assert detail(response) == "n: value is not a valid integer"


def test_an_unexpected_failure_is_a_json_500_that_reveals_nothing() -> None:
    app: FastAPI = create_app(roles=(), dialogue=False)

    @app.get("/probe/crash")
    def crash() -> None:
        raise RuntimeError("secret internals at /srv/db")

    with TestClient(app, raise_server_exceptions=False) as test_client:
        response = test_client.get("/probe/crash")
    assert response.status_code == 500
    assert response.json() == {"detail": INTERNAL_ERROR}
    assert "secret" not in response.text


def test_unknown_routes_and_methods_have_the_shape_too(client: TestClient) -> None:
    assert detail(client.get("/nowhere")) == "Not Found"
    assert detail(client.get(WEBHOOK)) == "Method Not Allowed"
