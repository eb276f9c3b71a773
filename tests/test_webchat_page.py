"""The web chat page as served: local assets only, safe headers, no way out of the static directory."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from bot.app.main import create_app
from bot.app.routers.webchat import STATIC_DIR


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(roles=()))  # no lifespan: the page needs no model


def test_the_page_is_chinese_responsive_and_locked_to_this_origin(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    page = response.text
    assert '<html lang="zh-CN">' in page
    assert 'name="viewport"' in page
    assert 'aria-live="polite"' in page
    assert '<label for="input"' in page and '<label for="phone"' in page


@pytest.mark.parametrize(("path", "media_type"), [("chat.js", "javascript"), ("chat.css", "text/css")])
def test_assets_are_served(client: TestClient, path: str, media_type: str) -> None:
    response = client.get(f"/static/{path}")
    assert response.status_code == 200
    assert media_type in response.headers["content-type"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert client.get(f"/static/{path}", headers={"if-none-match": response.headers["etag"]}).status_code == 304


@pytest.mark.parametrize("path", ["/static/missing.js", "/static/../routers/webchat.py", "/static/%2e%2e/main.py"])
def test_nothing_outside_the_static_directory(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 404


def test_every_asset_is_local_and_no_text_becomes_markup() -> None:
    for asset in STATIC_DIR.iterdir():
        source = asset.read_text(encoding="utf-8")
        assert not re.search(r"(?:src|href)=[\"'](?:https?:)?//", source), f"{asset.name} loads something remote"
        assert not re.search(r"@import|url\((?!data:)", source), f"{asset.name} imports a remote style"
        assert not re.search(r"\.(?:inner|outer)HTML|insertAdjacentHTML|document\.write", source), asset.name
