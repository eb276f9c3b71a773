"""What the app shows of itself (issue 14): API docs only when enabled and never from a CDN, pages that cannot be
framed, logs without full phone numbers, secrets that stay out of reprs. /health is in test_health_dialogue.py."""

from __future__ import annotations

import base64
import hashlib
import io
import logging
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from bot.app.main import create_app
from bot.config import get_settings
from bot.logging_setup import PhoneMaskFilter, configure_logging
from bot.phone_numbers import mask_phones

DOC_ROUTES = ("/docs", "/redoc", "/openapi.json")


def _app(monkeypatch: pytest.MonkeyPatch, api_docs: str | None) -> TestClient:
    if api_docs is None:
        monkeypatch.delenv("API_DOCS", raising=False)
    else:
        monkeypatch.setenv("API_DOCS", api_docs)
    return TestClient(create_app(roles=(), dialogue=False))


# --- API docs ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("setting", [None, "false"])
@pytest.mark.parametrize("path", DOC_ROUTES)
def test_api_docs_are_off_by_default(monkeypatch: pytest.MonkeyPatch, setting: str | None, path: str) -> None:
    assert _app(monkeypatch, setting).get(path).status_code == 404


@pytest.fixture
def docs(monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    with _app(monkeypatch, "true") as client:
        yield client


def test_enabled_the_schema_describes_the_api(docs: TestClient) -> None:
    schema = docs.get("/openapi.json").json()
    assert {"/webhooks/rest/webhook", "/model/parse", "/health"} <= set(schema["paths"])


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_enabled_the_pages_load_everything_from_this_origin(docs: TestClient, path: str) -> None:
    response = docs.get(path)
    assert response.status_code == 200
    page = response.text
    urls = re.findall(r"""(?:src|href)=["']([^"']+)""", page) + re.findall(r"""url:\s*'([^']+)'""", page)
    urls += re.findall(r'spec-url="([^"]+)"', page)
    assert urls and all(url.startswith("/") and not url.startswith("//") for url in urls), urls
    assert "cdn" not in page.lower() and "googleapis" not in page
    for url in urls:
        assert docs.get(url).status_code == 200, url  # every asset is really served
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "http" not in csp
    assert response.headers["x-frame-options"] == "DENY"
    for script in re.findall(r"<script>(.*?)</script>", page, re.DOTALL):  # inline scripts run by their hash only
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp


# --- Pages cannot be framed -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/login"])
def test_pages_forbid_framing_two_ways(monkeypatch: pytest.MonkeyPatch, path: str) -> None:
    monkeypatch.setenv("SESSION_SECRET", "exposure-test-secret-" + "x" * 32)
    response = _app(monkeypatch, None).get(path)
    assert response.status_code == 200
    assert response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


# --- Logs -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("客户 13812345678 要销户", "客户 138****5678 要销户"),
        ("+86 138 1234 5678", "+86 138****5678"),
        ("138-1234-5678", "138****5678"),
        ("手机13812345678和15900001111", "手机138****5678和159****1111"),
        ("msg 1234567890123456, ts 1409735669, 12345678901", "msg 1234567890123456, ts 1409735669, 12345678901"),
    ],
)
def test_mask_phones(text: str, masked: str) -> None:
    assert mask_phones(text) == masked


def test_log_records_are_masked_in_message_arguments_and_tracebacks() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(PhoneMaskFilter())
    logger = logging.getLogger("tests.security.mask")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("identified %s as customer %d", "13812345678", 7)
        try:
            raise ValueError("duplicate phone 15900001111")
        except ValueError:
            logger.exception("insert failed for %r", {"phone": "13912345678"})
    finally:
        logger.removeHandler(handler)
    written = stream.getvalue()
    assert "identified 138****5678 as customer 7" in written
    assert "159****1111" in written and "139****5678" in written
    assert not re.search(r"1[3-9]\d{9}", written)


@pytest.fixture
def restored_logging() -> Iterator[None]:
    """configure_logging changes process-wide state; the rest of the test session gets it back."""
    import structlog

    loggers = [logging.getLogger(), *(logging.getLogger(name) for name in logging.root.manager.loggerDict)]
    saved = [(logger, logger.handlers[:], logger.level) for logger in loggers if isinstance(logger, logging.Logger)]
    saved_structlog = structlog.get_config()
    yield
    for logger, handlers, level in saved:
        logger.handlers[:] = handlers
        logger.setLevel(level)
    structlog.configure(**saved_structlog)


def test_configured_logging_masks_every_handler(capsys: pytest.CaptureFixture[str], restored_logging: None) -> None:
    import structlog

    configure_logging("INFO")
    logging.getLogger("bot.anything").info("bound 18912345678 to an openid")
    structlog.get_logger().warning("message.parsing.failed", user_text="/inform_phone 13312345678")
    err = capsys.readouterr().err
    assert "189****5678" in err and "133****5678" in err
    assert "18912345678" not in err and "13312345678" not in err


def test_served_access_lines_are_masked(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], restored_logging: None
) -> None:
    """`retention-bot serve` leaves uvicorn's loggers to the app's handlers, so an access line is masked too."""
    import argparse

    import uvicorn

    from bot.cli.serve import run_serve

    served: dict = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: served.update(options))
    monkeypatch.setattr("bot.app.main.create_app", lambda: object())
    run_serve(argparse.Namespace(host="127.0.0.1", port=8000, dialogue_workers=None))
    assert served["log_config"] is None
    for name in ("uvicorn", "uvicorn.access"):  # as a fresh serve process has them when uvicorn configures nothing
        logger = logging.getLogger(name)
        for attribute, fresh in (("handlers", []), ("propagate", True), ("disabled", False), ("level", 0)):
            monkeypatch.setattr(logger, attribute, fresh)
    access = logging.getLogger("uvicorn.access")
    configure_logging("INFO")
    access.info('127.0.0.1 - "GET /api/desk/conversations?phone=13912345678" 200')
    err = capsys.readouterr().err
    assert "139****5678" in err and "13912345678" not in err


# --- Secrets ----------------------------------------------------------------------------------------------


def test_settings_never_show_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    secrets = {
        "WECHAT_TOKEN": "tok3n-value",
        "WECHAT_AES_KEY": "a" * 43,
        "SESSION_SECRET": "s" * 40,
        "DATABASE_URL": "postgresql+psycopg2://app:pa55word@db/app",
        "TRACKER_STORE_URL": "postgresql://rasa:tr4cker@db/rasa",
        "LOCK_STORE_URL": "redis://:l0ck@redis:6379/0",
    }
    for name, value in secrets.items():
        monkeypatch.setenv(name, value)
    shown = repr(get_settings())
    assert not any(value in shown for value in secrets.values()), shown
