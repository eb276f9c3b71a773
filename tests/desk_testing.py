"""Fixtures and data of the desk tests (tests/test_desk_*.py): a small, known set of conversations.

Built on the account fixtures (tests/auth_testing.py): the real app database, SQLite then PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.db.models import ChurnScore, ChurnModelVersion, Conversation, Customer, Offer, OfferHistory, RetentionOutcome
from bot.db.models import PracticePointScore, Ticket, Turn
from bot.db.session import session_scope
from tests.auth_testing import accounts_url, add_user, cheap_hashing, client, sign_in  # noqa: F401 - fixtures

PHONE = "13812341234"
MASKED = "138****1234"
NOW = datetime.now(timezone.utc)
# The own practice call's points per rubric point (point, points, max): what the trend figure reads.
OWN_POINTS = [("rapport", 10.0, 10), ("probing", 5.0, 25), ("need", 20.0, 20), ("offer", 12.0, 20),
              ("keep_number", 5.0, 5), ("follow_up", 20.0, 20)]


@dataclass(frozen=True)
class DeskData:
    supervisor: int
    admin: int
    trainee: int
    other_trainee: int
    customer_conversation: int  # web, price_high, retained, low-confidence turn, a ticket and an offer
    wechat_conversation: int  # wechat, network_quality, open
    own_practice: int  # the trainee's call, price_high / rational, ended, score 72 (OWN_POINTS)
    other_practice: int  # the other trainee's call, network_quality / emotional, open, score 40
    customer_turn: int  # the low-confidence customer turn of customer_conversation
    trainee_turn: int  # the trainee's turn of own_practice
    ticket: int  # overdue
    later_ticket: int


def _turn(conversation_id: int, seq: int, role: str, text: str, **extra: object) -> Turn:
    return Turn(conversation_id=conversation_id, seq=seq, role=role, text=text, **extra)


def build(url: str) -> DeskData:
    users = {name: add_user(url, name, role) for name, role in
             [("sup", "supervisor"), ("adm", "admin"), ("tr1", "trainee"), ("tr2", "trainee")]}
    with session_scope(url) as db:
        customer = Customer(phone=PHONE, name="王先生", city="广州", brand="天翼", plan_name="5G畅享79元套餐",
                            plan_fee=Decimal("79"), credit_level=4, tenure_months=30, network_type="5G",
                            device_model="iPhone 14", device_months=10)
        offer = Offer(code="DOWN-59", name="59元套餐", type="套餐降档", description="每月59元")
        db.add_all([customer, offer])
        db.flush()
        model = ChurnModelVersion(version="v1", data_fingerprint="f" * 64, path="m", is_active=True)
        db.add(model)
        db.flush()
        db.add(ChurnScore(customer_id=customer.id, model_version_id=model.id, probability=0.8, band="高"))

        def conversation(channel: str, started: datetime, **extra: object) -> Conversation:
            mode = "practice" if channel == "practice" else "customer"
            row = Conversation(mode=mode, channel=channel, sender_id=f"{channel}-{started.timestamp()}",
                               started_at=started, **extra)
            db.add(row)
            db.flush()
            return row

        web = conversation("web", NOW - timedelta(days=2), customer_id=customer.id, outcome="retained")
        wechat = conversation("wechat", NOW - timedelta(days=1), customer_id=customer.id)
        own = conversation("practice", NOW - timedelta(hours=5), user_id=users["tr1"], score=72.0, outcome="lost",
                           ended_at=NOW - timedelta(hours=4, minutes=50), scenario={"label": f"价格太贵，客户号码 {PHONE}"},
                           scenario_reason="reason_price_high", scenario_need="rational")
        other = conversation("practice", NOW - timedelta(hours=4), user_id=users["tr2"], score=40.0,
                             scenario_reason="reason_network_quality", scenario_need="emotional")
        db.add_all(PracticePointScore(conversation_id=own.id, point=point, points=points, max_points=worth)
                   for point, points, worth in OWN_POINTS)
        low = _turn(web.id, 1, "customer", f"太贵了，我的号码{PHONE}", intent="reason_price_high",
                    intent_confidence=0.25, need="rational", need_confidence=0.9,
                    entities=[{"entity": "phone_number", "value": PHONE}])
        db.add_all([
            low,
            _turn(web.id, 2, "bot", "理解您，给您推荐59元套餐", actions=["action_retention_turn", "utter_offer"]),
            _turn(web.id, 3, "customer", "好的就办这个", intent="accept_offer", intent_confidence=0.95, need="none"),
            _turn(web.id, 4, "bot", "已为您办理", actions=["action_retention_turn"]),
            _turn(wechat.id, 1, "customer", "信号太差了", intent="reason_network_quality", intent_confidence=0.9,
                  need="emotional"),
            _turn(own.id, 1, "customer", "你们太贵了", intent="reason_price_high", need="rational"),
            _turn(other.id, 1, "customer", "信号不好", intent="reason_network_quality", need="emotional"),
        ])
        trainee_turn = _turn(own.id, 2, "trainee", "您好，这边给您推荐一个套餐", intent="agent_propose",
                             actions=["agent_propose"], expected_act="agent_probe", feedback={"note": "先探询"},
                             score=72.0)
        db.add(trainee_turn)
        db.add_all([
            RetentionOutcome(conversation_id=web.id, customer_id=customer.id, reason="reason_price_high",
                             need="rational", result="retained", offer_id=offer.id),
            RetentionOutcome(conversation_id=wechat.id, customer_id=customer.id, reason="reason_network_quality",
                             need="emotional", result="handoff"),
            OfferHistory(customer_id=customer.id, offer_id=offer.id, conversation_id=web.id, outcome="accepted"),
        ])
        overdue = Ticket(customer_id=customer.id, conversation_id=wechat.id, kind="network_repair", summary="信号差",
                         due_at=NOW - timedelta(hours=1), created_at=NOW - timedelta(days=1))
        later = Ticket(customer_id=customer.id, conversation_id=wechat.id, kind="callback", summary="转人工回电",
                       due_at=NOW + timedelta(hours=3), created_at=NOW - timedelta(hours=1))
        db.add_all([overdue, later])
        db.flush()
        return DeskData(users["sup"], users["adm"], users["tr1"], users["tr2"], web.id, wechat.id, own.id, other.id,
                        low.id, trainee_turn.id, overdue.id, later.id)


@pytest.fixture
def desk(accounts_url: str) -> DeskData:  # noqa: F811 - the fixture of tests/auth_testing.py
    return build(accounts_url)


@pytest.fixture
def nlu_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of nlu_data that the app's export writes to, so the real training data is never touched."""
    import shutil

    from bot.config import Settings, get_settings

    target = tmp_path / "nlu_data"
    shutil.copytree(get_settings().nlu_data_dir, target)
    monkeypatch.setattr(Settings, "nlu_data_dir", property(lambda self: target))
    return target


def signed_in(client: TestClient, username: str) -> TestClient:  # noqa: F811
    assert sign_in(client, username).status_code == 303
    return client


def csrf(client: TestClient) -> dict[str, str]:
    return {"X-CSRF-Token": client.get("/api/me").json()["csrf_token"]}
