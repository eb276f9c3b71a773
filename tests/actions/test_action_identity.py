"""Verified identity in action_retention_turn (rasa-sdk CollectingDispatcher and trackers, real database).

A number typed, or passed unsigned, is a claim: a code goes to it and nothing personal is said or done until
the code comes back; then the conversation goes on where it was. A signed `metadata.phone` and a WeChat binding
are trusted; the binding is made only after the code and undone by 「解绑」.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from action_testing import Month, add_customer, make_tracker, run
from sqlalchemy import func, select, update

from actions.retention import ActionRetentionTurn
from bot.db.models import OfferHistory, VerificationCode
from bot.db.queries.wechat import bind_phone, bound_phone, unbind_phone
from bot.db.session import session_scope
from bot.identity.signing import signed_metadata
from tests.identity_testing import SECRET, last_code, signed

PHONE = "13812345678"
OTHER = "13912345678"
NAME = "王先生"


async def _turn(url: str, flow: dict[str, Any] | None, intent: str, text: str, **kwargs: Any):  # type: ignore[no-untyped-def]
    """One message: the outcome, the flow slot after it, and every text said."""
    phone = kwargs.pop("phone", None)
    entities = [{"entity": "phone_number", "value": phone}] if phone else None
    tracker = make_tracker(intent=intent, text=text, slots={"flow": flow}, entities=entities, **kwargs)
    outcome = await run(ActionRetentionTurn(), tracker)
    return outcome, outcome.slots.get("flow", flow), " ".join(m["text"] for m in outcome.messages)


def _customer(url: str, phone: str = PHONE) -> None:
    add_customer(url, phone, [Month(mou=90, dou_mb=6000, arpu=128)] * 3, plan_fee=128, name=NAME)


def _codes(url: str) -> int:
    with session_scope(url) as session:
        return session.execute(select(func.count()).select_from(VerificationCode)).scalar_one()


def _proposals(url: str) -> int:
    with session_scope(url) as session:
        return session.execute(select(func.count()).select_from(OfferHistory)).scalar_one()


async def test_a_typed_number_gets_a_code_and_the_conversation_goes_on_after_it(app_db: str) -> None:
    _customer(app_db)
    _, flow, _ = await _turn(app_db, None, "reason_price_high", "一个月一百二十八太贵了", need="rational")
    assert flow["phone_asks"] == 1

    claimed, flow, said = await _turn(app_db, flow, "inform_phone", PHONE, phone=PHONE)
    assert "utter_code_sent" in claimed.responses and "utter_identified" not in claimed.responses
    assert NAME not in said and "128" not in said and PHONE not in said and "138****5678" in said
    assert flow["phone"] is None and flow["claimed_phone"] == PHONE and flow["phone_asks"] == 1
    code = last_code(app_db, PHONE)
    assert code is not None and len(code) == 6

    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    refused, flow, _ = await _turn(app_db, flow, "nlu_fallback", wrong)
    assert refused.responses == ["utter_code_wrong"] and flow["phone"] is None

    verified, flow, said = await _turn(app_db, flow, "nlu_fallback", f"验证码是{code}")
    assert verified.responses[0] == "utter_identified" and NAME in said
    assert "utter_ask_phone" not in verified.responses and "utter_ask_phone_again" not in verified.responses
    assert flow["phone"] == PHONE and flow["claimed_phone"] is None
    assert flow["reason"] == "reason_price_high" and flow["phone_asks"] == 1  # the reason kept, nothing asked twice

    offer, flow, _ = await _turn(app_db, flow, "deny", "没有别的了")
    assert "utter_propose_offer" in offer.responses and _proposals(app_db) == 1


async def test_unsigned_metadata_is_a_claim_one_code_and_nothing_personal_until_it_comes_back(app_db: str) -> None:
    _customer(app_db)
    unsigned = {"phone": PHONE, "source": "webchat"}
    first, flow, said = await _turn(app_db, None, "reason_price_high", "太贵了", need="rational", metadata=unsigned)
    assert "utter_code_sent" in first.responses and NAME not in said
    for intent, text in [("deny", "没有别的了"), ("accept_offer", "好的，就办这个"), ("affirm", "确认")]:
        outcome, flow, said = await _turn(app_db, flow, intent, text, metadata=unsigned)
        assert NAME not in said and "128" not in said
        assert "utter_code_sent" not in outcome.responses  # one code per claim, not one per message
    assert _codes(app_db) == 1 and _proposals(app_db) == 0 and flow["enrolled"] is None


@pytest.mark.parametrize(
    "metadata",
    [
        pytest.param(lambda: signed_metadata(PHONE, "another-secret", now=time.time()), id="wrong secret"),
        pytest.param(lambda: signed_metadata(PHONE, SECRET, now=time.time() - 3600), id="expired"),
        pytest.param(
            lambda: signed_metadata(PHONE, SECRET, now=time.time(), lifetime=365 * 24 * 3600), id="good for a year"
        ),
        pytest.param(lambda: {**signed(PHONE), "phone": OTHER}, id="number changed"),
        pytest.param(lambda: {**signed(PHONE), "signature": "ä" * 64}, id="not hex"),
        pytest.param(lambda: {**signed(PHONE), "expires": str(int(time.time()) + 60)}, id="expires as text"),
    ],
)
async def test_a_bad_or_expired_signature_is_a_claim_never_an_error(app_db: str, metadata: Any) -> None:
    _customer(app_db)
    _customer(app_db, OTHER)
    outcome, flow, said = await _turn(app_db, None, "greet", "你好", metadata=metadata())
    assert "utter_code_sent" in outcome.responses and NAME not in said and flow["phone"] is None


async def test_a_signed_number_is_trusted_without_a_code(app_db: str) -> None:
    _customer(app_db)
    _, flow, _ = await _turn(app_db, None, "reason_price_high", "太贵了", need="rational", metadata=signed(PHONE))
    offer, flow, _ = await _turn(app_db, flow, "deny", "没有别的了", metadata=signed(PHONE))
    assert flow["phone"] == PHONE and "utter_propose_offer" in offer.responses and _codes(app_db) == 0


async def test_an_expired_code_and_too_many_wrong_tries_need_a_new_code(
    app_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _customer(app_db)
    _, flow, _ = await _turn(app_db, None, "inform_phone", PHONE, phone=PHONE)
    code = last_code(app_db, PHONE)
    with session_scope(app_db) as session:
        session.execute(update(VerificationCode).values(expires_at=func.now()))
    expired, flow, _ = await _turn(app_db, flow, "nlu_fallback", code)
    assert expired.responses == ["utter_code_expired"] and flow["phone"] is None and flow["claimed_phone"] is None

    monkeypatch.setenv("SMS_RESEND_SECONDS", "0")
    monkeypatch.setenv("SMS_CODE_MAX_ATTEMPTS", "2")
    _, flow, _ = await _turn(app_db, flow, "inform_phone", PHONE, phone=PHONE)
    code = last_code(app_db, PHONE)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    first, flow, _ = await _turn(app_db, flow, "nlu_fallback", wrong)
    second, flow, _ = await _turn(app_db, flow, "nlu_fallback", wrong)
    assert (first.responses, second.responses) == (["utter_code_wrong"], ["utter_code_expired"])
    late, flow, _ = await _turn(app_db, flow, "nlu_fallback", code)  # the right code, after the tries ran out
    assert "utter_identified" not in late.responses and flow["phone"] is None


async def test_codes_are_rate_limited_per_number_and_per_sender(app_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _customer(app_db)
    _customer(app_db, OTHER)
    _, flow, _ = await _turn(app_db, None, "inform_phone", PHONE, phone=PHONE)
    again, flow, _ = await _turn(app_db, flow, "inform_phone", PHONE, phone=PHONE)
    assert again.responses == ["utter_code_refused"]  # within SMS_RESEND_SECONDS of the last code

    monkeypatch.setenv("SMS_RESEND_SECONDS", "0")
    monkeypatch.setenv("SMS_CODES_PER_SENDER_PER_HOUR", "2")
    other, flow, _ = await _turn(app_db, flow, "inform_phone", OTHER, phone=OTHER)
    third, flow, _ = await _turn(app_db, flow, "inform_phone", PHONE, phone=PHONE)
    assert "utter_code_sent" in other.responses and third.responses == ["utter_code_refused"]
    assert _codes(app_db) == 2


async def test_an_unsigned_number_over_the_limits_is_not_answered_with_a_refusal_each_message(
    app_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _customer(app_db)
    unsigned = {"phone": PHONE, "source": "webchat"}
    _, flow, _ = await _turn(app_db, None, "greet", "你好", metadata=unsigned)
    with session_scope(app_db) as session:
        session.execute(update(VerificationCode).values(expires_at=func.now()))
    _, flow, _ = await _turn(app_db, flow, "nlu_fallback", last_code(app_db, PHONE), metadata=unsigned)
    assert flow["claimed_phone"] is None  # the code expired: the metadata is a new claim, within 60 s of the last
    heard, flow, said = await _turn(app_db, flow, "reason_price_high", "太贵了", need="rational", metadata=unsigned)
    assert "utter_code_refused" not in heard.responses and "utter_acknowledge_price_high" in heard.responses
    assert NAME not in said and flow["phone"] is None and _codes(app_db) == 1


async def test_a_failing_sms_gateway_is_said_and_nothing_is_claimed(app_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _customer(app_db)
    monkeypatch.setenv("SMS_SENDER", "http")
    monkeypatch.setenv("SMS_GATEWAY_URL", "http://127.0.0.1:1/sms")  # nobody listens
    outcome, flow, _ = await _turn(app_db, None, "inform_phone", PHONE, phone=PHONE)
    assert outcome.responses[-1] == "utter_code_not_sent" and flow["claimed_phone"] is None
    assert last_code(app_db, PHONE) is None


async def test_a_number_the_operator_does_not_know_gets_no_code(app_db: str) -> None:
    outcome, flow, _ = await _turn(app_db, None, "inform_phone", PHONE, phone=PHONE)
    assert "utter_phone_unknown" in outcome.responses and _codes(app_db) == 0 and flow["claimed_phone"] is None


# --- WeChat: bound only after the code, unbound by 「解绑」 --------------------------------------------------

OPENID = "o-identity-test-openid"


async def _wechat(url: str, flow: dict[str, Any] | None, intent: str, text: str, **kwargs: Any):  # type: ignore[no-untyped-def]
    return await _turn(url, flow, intent, text, channel="wechat", sender_id=OPENID, **kwargs)


def _bound(url: str) -> str | None:
    with session_scope(url) as session:
        return bound_phone(session, OPENID)


async def test_wechat_binds_the_openid_only_after_the_code_and_unbinds_on_request(app_db: str) -> None:
    _customer(app_db)
    _, flow, _ = await _wechat(app_db, None, "inform_phone", PHONE, phone=PHONE)
    assert _bound(app_db) is None
    verified, flow, _ = await _wechat(app_db, flow, "nlu_fallback", last_code(app_db, PHONE))
    assert "utter_identified" in verified.responses and _bound(app_db) == PHONE

    fresh, _, _ = await _wechat(app_db, None, "reason_price_high", "太贵了", need="rational")  # a new session
    assert "utter_code_sent" not in fresh.responses and fresh.slots["flow"]["phone"] == PHONE

    unbound, flow, _ = await _wechat(app_db, flow, "nlu_fallback", "解绑")
    assert unbound.responses == ["utter_wechat_unbound"] and flow["phone"] is None and _bound(app_db) is None
    after, flow, said = await _wechat(app_db, flow, "reason_price_high", "太贵了", need="rational")
    assert flow["phone"] is None and NAME not in said
    again, _, _ = await _wechat(app_db, flow, "nlu_fallback", "解除绑定")
    assert again.responses == ["utter_wechat_not_bound"]


async def test_wechat_unbound_by_the_operator_forgets_the_customer_at_the_next_message(app_db: str) -> None:
    _customer(app_db)
    with session_scope(app_db) as session:
        bind_phone(session, OPENID, PHONE)
    _, flow, _ = await _wechat(app_db, None, "reason_price_high", "太贵了", need="rational")
    assert flow["phone"] == PHONE
    with session_scope(app_db) as session:
        assert unbind_phone(session, OPENID)
    _, flow, said = await _wechat(app_db, flow, "deny", "没有别的了")
    assert flow["phone"] is None and NAME not in said and _proposals(app_db) == 0


async def test_metadata_on_wechat_is_never_trusted(app_db: str) -> None:
    """Only the binding identifies a follower: the channel never passes a phone, and a signed one is ignored."""
    _customer(app_db)
    outcome, flow, said = await _wechat(app_db, None, "greet", "你好", metadata=signed(PHONE))
    assert flow["phone"] is None and NAME not in said and "utter_code_sent" in outcome.responses


async def test_a_ticket_opened_once_the_code_is_back_quotes_the_fault_not_the_code(app_db: str) -> None:
    from bot.db.models import Ticket

    _customer(app_db)
    _, flow, _ = await _turn(app_db, None, "reason_network_quality", "宽带天天掉线，晚上根本用不了", need="rational")
    _, flow, _ = await _turn(app_db, flow, "inform_phone", PHONE, phone=PHONE)
    code = last_code(app_db, PHONE)
    verified, flow, said = await _turn(app_db, flow, "nlu_fallback", code)
    with session_scope(app_db) as session:
        summaries = list(session.execute(select(Ticket.summary)).scalars())
    assert len(summaries) == 1 and "宽带天天掉线" in summaries[0] and code not in summaries[0]
