"""The helpers the dialogue actions call, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import Conversation, Customer, MonthlyUsage, Offer, OfferHistory, RetentionOutcome, Turn
from bot.db.queries import (
    DEFAULT_DUE_IN,
    create_ticket,
    end_conversation,
    find_customer_by_phone,
    latest_usage,
    offer_by_code,
    open_conversation,
    recommend_offers,
    record_offer_outcome,
    record_offer_proposal,
    record_retention_outcome,
    record_turn,
    start_conversation,
    usage_history,
)
from bot.db.seed.offers import load_offer_catalogue

NOW = datetime(2025, 6, 10, 2, 0, tzinfo=timezone.utc)
TODAY = date(2025, 6, 10)


def _add_customer(session: Session, phone: str = "18912345678", **overrides: object) -> Customer:
    values: dict[str, object] = {
        "phone": phone,
        "name": "王先生",
        "city": "广州",
        "status": "正常",
        "brand": "天翼",
        "plan_name": "5G畅享79元套餐",
        "plan_fee": Decimal("79.00"),
        "credit_level": 4,
        "tenure_months": 36,
        "network_type": "4G",
        "device_model": "iPhone 11",
        "device_months": 40,
        "has_broadband": False,
        "bandwidth_mbps": None,
    }
    values.update(overrides)
    customer = Customer(**values)
    session.add(customer)
    session.flush()
    return customer


def _add_usage(session: Session, customer: Customer, month: date, mou: int, dou_mb: int, **extra: int) -> None:
    session.add(
        MonthlyUsage(customer_id=customer.id, month=month, arpu=customer.plan_fee, mou=mou, dou_mb=dou_mb, **extra)
    )
    session.flush()


def _web_conversation(session: Session, customer: Customer) -> Conversation:
    return start_conversation(session, mode="customer", channel="web", sender_id="s1", customer_id=customer.id)


def _codes(session: Session, customer: Customer, today: date, reason: str, limit: int = 3) -> list[str]:
    return [r.offer.code for r in recommend_offers(session, customer, today=today, reason=reason, limit=limit)]


def _add_catalogue(session: Session) -> None:
    session.add_all(Offer(**row) for row in load_offer_catalogue())
    session.flush()


def test_find_customer_by_phone(db_session: Session) -> None:
    customer = _add_customer(db_session)
    _add_customer(db_session, phone="13300001111", name="李女士")
    assert find_customer_by_phone(db_session, "+86 189 1234 5678") is customer
    assert find_customer_by_phone(db_session, "18900000000") is None
    assert find_customer_by_phone(db_session, "not a phone") is None


def test_latest_usage_and_previous_month(db_session: Session) -> None:
    customer = _add_customer(db_session)
    assert latest_usage(db_session, customer.id).latest is None
    _add_usage(db_session, customer, date(2025, 4, 1), 300, 20000)
    only = latest_usage(db_session, customer.id)
    assert only.latest.month == date(2025, 4, 1) and only.previous is None
    for month, mou in ((date(2025, 5, 1), 40), (date(2025, 3, 1), 310), (date(2025, 2, 1), 290)):
        _add_usage(db_session, customer, month, mou, 20000)
    recent = latest_usage(db_session, customer.id)
    assert (recent.latest.month, recent.latest.mou) == (date(2025, 5, 1), 40)
    assert recent.previous.month == date(2025, 4, 1)
    assert [row.month.month for row in usage_history(db_session, customer.id, months=3)] == [3, 4, 5]
    db_session.expire(customer)
    assert [row.month.month for row in customer.usage] == [2, 3, 4, 5]  # the relationship is in month order


def test_turns_are_numbered_in_order_per_conversation(db_session: Session) -> None:
    customer = _add_customer(db_session)
    first = start_conversation(
        db_session, mode="customer", channel="wechat", sender_id="openid-1", customer_id=customer.id
    )
    other = start_conversation(db_session, mode="practice", channel="practice", sender_id="trainee-9")
    record_turn(
        db_session,
        first.id,
        role="customer",
        text="我要销户，别家送宽带",
        intent="reason_competitor_offer",
        intent_confidence=0.91,
        need="rational",
        need_confidence=0.7,
        entities=[{"entity": "competitor", "value": "移动"}],
    )
    record_turn(db_session, other.id, role="trainee", text="您好，请问有什么可以帮您？", intent="agent_greet")
    record_turn(db_session, first.id, role="bot", text="非常理解您的想法……", actions=["action_propose_offer"])
    db_session.commit()

    turns = db_session.execute(select(Turn).where(Turn.conversation_id == first.id).order_by(Turn.seq)).scalars().all()
    assert [(t.seq, t.role) for t in turns] == [(1, "customer"), (2, "bot")]
    assert turns[0].entities == [{"entity": "competitor", "value": "移动"}]
    assert turns[1].actions == ["action_propose_offer"]
    assert turns[0].created_at.tzinfo is not None
    assert [t.seq for t in other.turns] == [1]

    with pytest.raises(ValueError, match="turn role"):
        record_turn(db_session, first.id, role="robot", text="x")
    with pytest.raises(ValueError, match="need"):
        record_turn(db_session, first.id, role="customer", text="x", need="angry")


def test_open_and_end_conversation(db_session: Session) -> None:
    assert open_conversation(db_session, channel="web", sender_id="s1") is None
    conversation = start_conversation(db_session, mode="customer", channel="web", sender_id="s1")
    start_conversation(db_session, mode="customer", channel="wechat", sender_id="s1")  # same id, other channel
    assert open_conversation(db_session, channel="web", sender_id="s1") is conversation
    end_conversation(db_session, conversation, outcome="retained")
    assert conversation.ended_at is not None and conversation.outcome == "retained"
    assert open_conversation(db_session, channel="web", sender_id="s1") is None
    with pytest.raises(ValueError, match="channel"):
        start_conversation(db_session, mode="customer", channel="sms", sender_id="s2")


def test_ticket_due_times(db_session: Session) -> None:
    customer = _add_customer(db_session)
    conversation = _web_conversation(db_session, customer)
    default = create_ticket(
        db_session,
        customer_id=customer.id,
        kind="network_repair",
        summary="家中信号差",
        conversation_id=conversation.id,
        now=NOW,
    )
    explicit = create_ticket(
        db_session, customer_id=customer.id, kind="callback", summary="回电告知比价结果", due_in=timedelta(hours=2), now=NOW
    )
    at = datetime(2025, 6, 11, 18, 0, tzinfo=timezone(timedelta(hours=8)))
    fixed = create_ticket(
        db_session, customer_id=customer.id, kind="billing_check", summary="核对5月账单", due_at=at, now=NOW
    )
    db_session.commit()
    assert default.due_at == NOW + DEFAULT_DUE_IN["network_repair"] == NOW + timedelta(hours=48)
    assert explicit.due_at == NOW + timedelta(hours=2)
    assert fixed.due_at == at and fixed.status == "open"
    db_session.expire_all()
    assert default.due_at == NOW + timedelta(hours=48)  # read back from the database

    with pytest.raises(ValueError, match="ticket kind"):
        create_ticket(db_session, customer_id=customer.id, kind="magic", summary="x", now=NOW)
    with pytest.raises(ValueError, match="not after"):
        create_ticket(db_session, customer_id=customer.id, kind="callback", summary="x", due_at=NOW, now=NOW)
    with pytest.raises(ValueError, match="not both"):
        create_ticket(
            db_session, customer_id=customer.id, kind="callback", summary="x", due_at=at, due_in=timedelta(hours=1)
        )


def test_offer_history_and_outcome(db_session: Session) -> None:
    customer = _add_customer(db_session)
    _add_catalogue(db_session)
    offer = offer_by_code(db_session, "DATA-10G-FREE")
    assert offer is not None and offer_by_code(db_session, "NOPE") is None
    entry = record_offer_proposal(db_session, customer_id=customer.id, offer_id=offer.id)
    assert entry.outcome == "pending" and entry.decided_at is None
    record_offer_outcome(db_session, entry, "accepted", at=NOW)
    db_session.commit()
    stored = db_session.execute(select(OfferHistory)).scalar_one()
    assert (stored.outcome, stored.decided_at, stored.offer.code) == ("accepted", NOW, "DATA-10G-FREE")
    with pytest.raises(ValueError, match="offer outcome"):
        record_offer_outcome(db_session, entry, "maybe")


def test_recommendations_respect_eligibility_fit_and_rejections(db_session: Session) -> None:
    _add_catalogue(db_session)
    # 79元 plan, 4G phone for 40 months, no broadband, contract ending in a month, data-hungry
    customer = _add_customer(db_session, contract_end_date=TODAY + timedelta(days=30))
    for month in (date(2025, 3, 1), date(2025, 4, 1), date(2025, 5, 1)):
        _add_usage(db_session, customer, month, mou=250, dou_mb=28000)

    codes = _codes(db_session, customer, TODAY, "reason_contract_end", limit=10)
    assert codes and "DEV-5G500" in codes and "FUS-129" in codes
    assert "BB-500M" not in codes  # fits the reason, but for broadband users only

    contract_bound = {"DWN-59", "KEEP-8"}  # 协议期内不可降档 / 保号
    assert not contract_bound & set(_codes(db_session, customer, TODAY, "reason_low_usage", limit=30))
    after_contract = TODAY + timedelta(days=31)
    assert contract_bound <= set(_codes(db_session, customer, after_contract, "reason_low_usage", limit=30))

    assert _codes(db_session, customer, TODAY, "reason_device_problem")[0] == "DEV-5G500"

    device_offer = offer_by_code(db_session, "DEV-5G500")
    rejected = record_offer_proposal(db_session, customer_id=customer.id, offer_id=device_offer.id)
    record_offer_outcome(db_session, rejected, "rejected")
    again = _codes(db_session, customer, TODAY, "reason_device_problem")
    assert "DEV-5G500" not in again and again


def test_retention_outcome_is_one_per_conversation(db_session: Session) -> None:
    customer = _add_customer(db_session)
    _add_catalogue(db_session)
    conversation = _web_conversation(db_session, customer)
    record_retention_outcome(
        db_session,
        conversation_id=conversation.id,
        customer_id=customer.id,
        reason="reason_price_high",
        result="pending",
    )
    offer = offer_by_code(db_session, "DWN-59")
    follow_up = NOW + timedelta(days=3)
    record_retention_outcome(
        db_session,
        conversation_id=conversation.id,
        result="retained",
        offer_id=offer.id,
        need="rational",
        follow_up_due=follow_up,
    )
    db_session.commit()
    outcome = db_session.execute(select(RetentionOutcome)).scalar_one()
    assert (outcome.result, outcome.reason, outcome.need) == ("retained", "reason_price_high", "rational")
    assert outcome.offer_id == offer.id
    assert outcome.customer_id == customer.id and outcome.follow_up_due == follow_up
    with pytest.raises(ValueError, match="leave reason"):
        record_retention_outcome(db_session, conversation_id=conversation.id, result="lost", reason="greet")
    with pytest.raises(ValueError, match="retention result"):
        record_retention_outcome(db_session, conversation_id=conversation.id, result="won")
