"""bot/identity: the code store (expiry, attempts, rate limits) on SQLite and PostgreSQL, the signature check,
the SMS senders (the HTTP adapter against httpx's mock transport), and their settings."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config import get_settings
from bot.db.models import SmsOutbox, VerificationCode
from bot.identity.codes import CodeCheck, CodePolicy, CodeRefused, check_code, issue_code
from bot.identity.signing import signature_of, signed_metadata, vouched_phone
from bot.identity.sms import (
    DevelopmentSmsSender,
    HttpSmsSender,
    SmsNotSent,
    code_message,
    last_recorded_code,
    sms_sender,
)

PHONE = "13812345678"
SENDER = "web-abc"
NOW = datetime(2026, 12, 6, 10, 0, tzinfo=timezone.utc)
POLICY = CodePolicy(ttl_seconds=300, max_attempts=3, resend_seconds=60, per_number_per_hour=3, per_sender_per_hour=4)


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


# --- The code store -----------------------------------------------------------------------------------------


def test_a_code_verifies_its_sender_once_and_only_its_hash_is_stored(db_session: Session) -> None:
    code = issue_code(db_session, PHONE, SENDER, now=NOW, policy=POLICY)
    assert len(code) == 6 and code.isdigit()
    stored = db_session.execute(select(VerificationCode)).scalar_one()
    assert code not in stored.code_sha256 and stored.expires_at == NOW + timedelta(seconds=300)
    assert check_code(db_session, PHONE, "web-someone-else", code, now=NOW, policy=POLICY) is CodeCheck.USED_UP
    assert check_code(db_session, PHONE, SENDER, code, now=NOW, policy=POLICY) is CodeCheck.VERIFIED
    assert check_code(db_session, PHONE, SENDER, code, now=NOW, policy=POLICY) is CodeCheck.USED_UP  # once


def test_a_code_expires(db_session: Session) -> None:
    code = issue_code(db_session, PHONE, SENDER, now=NOW, policy=POLICY)
    later = NOW + timedelta(seconds=POLICY.ttl_seconds)
    assert check_code(db_session, PHONE, SENDER, code, now=later, policy=POLICY) is CodeCheck.USED_UP
    just_in_time = NOW + timedelta(seconds=POLICY.ttl_seconds - 1)
    assert check_code(db_session, PHONE, SENDER, code, now=just_in_time, policy=POLICY) is CodeCheck.VERIFIED


def test_wrong_tries_are_limited_and_the_last_one_ends_the_code(db_session: Session) -> None:
    code = issue_code(db_session, PHONE, SENDER, now=NOW, policy=POLICY)
    results = [check_code(db_session, PHONE, SENDER, _wrong(code), now=NOW, policy=POLICY) for _ in range(3)]
    assert results == [CodeCheck.WRONG, CodeCheck.WRONG, CodeCheck.USED_UP]
    assert check_code(db_session, PHONE, SENDER, code, now=NOW, policy=POLICY) is CodeCheck.USED_UP


def test_a_new_code_replaces_the_earlier_one(db_session: Session) -> None:
    first = issue_code(db_session, PHONE, SENDER, now=NOW, policy=POLICY)
    second = issue_code(db_session, PHONE, SENDER, now=NOW + timedelta(seconds=61), policy=POLICY)
    later = NOW + timedelta(seconds=62)
    if first != second:
        assert check_code(db_session, PHONE, SENDER, first, now=later, policy=POLICY) is CodeCheck.WRONG
    assert check_code(db_session, PHONE, SENDER, second, now=later, policy=POLICY) is CodeCheck.VERIFIED


def test_a_number_gets_no_new_code_within_the_resend_interval_nor_over_its_hourly_limit(db_session: Session) -> None:
    issue_code(db_session, PHONE, SENDER, now=NOW, policy=POLICY)
    with pytest.raises(CodeRefused, match="less than 60 s"):
        issue_code(db_session, PHONE, "web-other", now=NOW + timedelta(seconds=59), policy=POLICY)
    for minutes in (1, 2):
        issue_code(db_session, PHONE, f"web-{minutes}", now=NOW + timedelta(minutes=minutes), policy=POLICY)
    with pytest.raises(CodeRefused, match="3 codes went to this number"):
        issue_code(db_session, PHONE, "web-9", now=NOW + timedelta(minutes=3), policy=POLICY)
    issue_code(db_session, PHONE, "web-9", now=NOW + timedelta(minutes=61), policy=POLICY)  # an hour on


def test_a_sender_gets_a_limited_number_of_codes_whatever_the_numbers(db_session: Session) -> None:
    for n in range(4):
        issue_code(db_session, f"1381234000{n}", SENDER, now=NOW, policy=POLICY)
    with pytest.raises(CodeRefused, match="this sender had 4 codes"):
        issue_code(db_session, "13812340009", SENDER, now=NOW, policy=POLICY)


def test_the_policy_comes_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMS_CODE_TTL_SECONDS", "120")
    monkeypatch.setenv("SMS_CODE_MAX_ATTEMPTS", "3")
    monkeypatch.setenv("SMS_RESEND_SECONDS", "0")
    monkeypatch.setenv("SMS_CODES_PER_NUMBER_PER_HOUR", "7")
    monkeypatch.setenv("SMS_CODES_PER_SENDER_PER_HOUR", "8")
    assert CodePolicy.from_settings(get_settings()) == CodePolicy(120, 3, 0, 7, 8)


# --- Signed metadata.phone ------------------------------------------------------------------------------------

SECRET = "s3cret"
T = 1_800_000_000
DAY = 24 * 3600


def test_the_signature_is_hex_hmac_sha256_of_phone_bar_expires() -> None:
    expected = hmac.new(b"s3cret", f"{PHONE}|{T}".encode(), hashlib.sha256).hexdigest()
    assert signature_of(PHONE, T, SECRET) == expected
    assert signed_metadata(PHONE, SECRET, now=T, lifetime=60) == {"phone": PHONE, "expires": T + 60,
                                                                  "signature": signature_of(PHONE, T + 60, SECRET)}


def test_a_good_signature_vouches_for_the_number_until_it_expires() -> None:
    metadata = {**signed_metadata(PHONE, SECRET, now=T, lifetime=60), "source": "webchat"}
    assert vouched_phone(metadata, SECRET, now=T + 60, max_lifetime=DAY) == PHONE
    upper = {**metadata, "signature": metadata["signature"].upper()}
    assert vouched_phone(upper, SECRET, now=T, max_lifetime=DAY) == PHONE
    assert vouched_phone(metadata, SECRET, now=T + 61, max_lifetime=DAY) is None


@pytest.mark.parametrize(
    "change",
    [
        {"phone": "13912345678"},
        {"expires": T + 3600},
        {"signature": "0" * 64},
        {"signature": "不是十六进制" * 8},
        {"signature": None},
        {"expires": str(T + 60)},
        {"expires": None},
    ],
)
def test_anything_else_vouches_for_nothing(change: dict) -> None:
    metadata = {**signed_metadata(PHONE, SECRET, now=T, lifetime=60), **change}
    assert vouched_phone(metadata, SECRET, now=T, max_lifetime=DAY) is None


def test_a_signature_for_longer_than_the_servers_limit_vouches_for_nothing() -> None:
    # Signed with the right secret, but good for a year: a leaked copy would act as the customer for a year.
    year = signed_metadata(PHONE, SECRET, now=T, lifetime=365 * DAY)
    assert vouched_phone(year, SECRET, now=T, max_lifetime=DAY) is None
    assert vouched_phone(year, SECRET, now=T + 365 * DAY - 60, max_lifetime=DAY) == PHONE  # once within the limit
    day = signed_metadata(PHONE, SECRET, now=T, lifetime=DAY)
    assert vouched_phone(day, SECRET, now=T, max_lifetime=DAY) == PHONE


def test_without_a_secret_nothing_is_vouched_for() -> None:
    metadata = signed_metadata(PHONE, SECRET, now=T)
    assert vouched_phone(metadata, "", now=T, max_lifetime=DAY) is None
    assert vouched_phone(None, SECRET, now=T, max_lifetime=DAY) is None
    with pytest.raises(ValueError):
        signed_metadata(PHONE, "", now=T)


# --- SMS senders ----------------------------------------------------------------------------------------------


def test_the_development_sender_records_the_code_for_sms_last(db_session: Session) -> None:
    sender = DevelopmentSmsSender()
    sender.send(db_session, code_message(PHONE, "123456", 300))
    sender.send(db_session, code_message(PHONE, "654321", 300))
    assert last_recorded_code(db_session, PHONE) == "654321"
    assert last_recorded_code(db_session, "13900000000") is None
    text = db_session.execute(select(SmsOutbox.text).order_by(SmsOutbox.id)).scalars().first()
    assert "123456" in text and "5分钟" in text


def test_the_http_sender_posts_the_message_with_the_token() -> None:
    requests: list[httpx.Request] = []

    def gateway(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(200, json={"ok": True})

    sender = HttpSmsSender("https://sms.example/send", "tok", transport=httpx.MockTransport(gateway))
    sender.send(None, code_message(PHONE, "123456", 300))  # type: ignore[arg-type] - no session needed
    (request,) = requests
    assert request.method == "POST" and str(request.url) == "https://sms.example/send"
    assert request.headers["authorization"] == "Bearer tok"
    body = json.loads(request.content)
    assert body["phone"] == PHONE and "123456" in body["text"]


@pytest.mark.parametrize(
    "answer",
    [
        lambda request: httpx.Response(500),
        lambda request: httpx.Response(401),
        lambda request: (_ for _ in ()).throw(httpx.ConnectTimeout("slow", request=request)),
    ],
)
def test_the_http_sender_raises_when_the_gateway_does_not_take_it(answer) -> None:  # type: ignore[no-untyped-def]
    sender = HttpSmsSender("https://sms.example/send", "", transport=httpx.MockTransport(answer))
    with pytest.raises(SmsNotSent) as raised:
        sender.send(None, code_message(PHONE, "123456", 300))  # type: ignore[arg-type]
    assert "123456" not in str(raised.value)


def test_the_sender_is_chosen_by_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SMS_SENDER", raising=False)
    assert isinstance(sms_sender(get_settings()), DevelopmentSmsSender)
    monkeypatch.setenv("SMS_SENDER", "http")
    monkeypatch.setenv("SMS_GATEWAY_URL", "https://sms.example/send")
    monkeypatch.setenv("SMS_GATEWAY_TOKEN", "tok")
    chosen = sms_sender(get_settings())
    assert isinstance(chosen, HttpSmsSender) and (chosen.url, chosen.token) == ("https://sms.example/send", "tok")
    assert "tok" not in repr(get_settings())


@pytest.mark.parametrize("env", [{"SMS_SENDER": "http", "SMS_GATEWAY_URL": ""}, {"SMS_SENDER": "carrier-pigeon"}])
def test_a_misconfigured_sender_fails_when_the_settings_are_read(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str]
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match="SMS_"):
        get_settings()
