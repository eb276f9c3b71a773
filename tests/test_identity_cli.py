"""`retention-bot sms last PHONE` and `retention-bot wechat unbind OPENID` on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from bot.cli.main import main
from bot.db.queries.wechat import bind_phone, bound_phone
from bot.db.session import session_scope
from bot.identity.sms import DevelopmentSmsSender, code_message

PHONE = "13812345678"


@pytest.fixture
def app_url(migrated_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DATABASE_URL", migrated_url)
    monkeypatch.delenv("SMS_SENDER", raising=False)
    return migrated_url


def test_sms_last_prints_the_last_code_only(app_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    with session_scope(app_url) as session:
        for code in ("111111", "222222"):
            DevelopmentSmsSender().send(session, code_message(PHONE, code, 300))
    assert main(["sms", "last", "138-1234-5678"]) == 0
    assert capsys.readouterr().out == "222222\n"


def test_sms_last_without_a_code_or_with_a_bad_number_is_one_line_on_stderr(
    app_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["sms", "last", "12345"]) == 1
    assert "not an 11-digit mobile number" in capsys.readouterr().err
    monkeypatch.setenv("SMS_SENDER", "http")
    monkeypatch.setenv("SMS_GATEWAY_URL", "https://sms.example/send")
    assert main(["sms", "last", PHONE]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "no code recorded" in err and "SMS_SENDER=http" in err


def test_wechat_unbind_forgets_the_number(app_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    with session_scope(app_url) as session:
        bind_phone(session, "o-cli", PHONE)
    assert main(["wechat", "unbind", "o-cli"]) == 0
    with session_scope(app_url) as session:
        assert bound_phone(session, "o-cli") is None
    assert main(["wechat", "unbind", "o-cli"]) == 1
    assert "has no number bound" in capsys.readouterr().err
