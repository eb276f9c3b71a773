"""Issue 3, end to end: one conversation per leave reason with the trained customer model and the real actions.

Each test writes as an identified customer of the seeded demo database (the phone in the message metadata, as
the web chat and WeChat channels send it), in free Chinese written for these tests (not training examples),
and checks the order of the bot's steps (empathy before the offer for an emotional need; acknowledgement and a
ticket before the offer for a rational one), the slots, the outcome, and the stored transcript. The model is
loaded once per session (`dialogue_app`).
"""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from datetime import date, datetime

import pytest
from fastapi.testclient import TestClient
from rasa.shared.core.events import ActionExecuted, UserUttered
from sqlalchemy import select

from bot.db.models import Conversation, Customer, OfferHistory, RetentionOutcome, Ticket, Turn
from bot.db.session import session_scope

WEBHOOK = "/webhooks/rest/webhook"
# Leave reasons whose problem the bot promises to look into (a ticket) even for an emotional need.
FIX_REASONS = frozenset(
    {
        "reason_network_quality",
        "reason_unresolved_problem",
        "reason_billing_error",
        "reason_device_problem",
        "reason_poor_service",
    }
)


@dataclass(frozen=True)
class Case:
    reason: str
    need: str
    message: str
    answer: str = "好吧，那就按你说的办"  # accepting the offer


CASES = [
    Case(
        "reason_competitor_offer",
        "rational",
        "移动那边给我推了个套餐，每月六十八有四十G流量，比我现在这个划算多了，打算携号转过去",
    ),
    Case("reason_price_high", "emotional", "每个月扣我一百多，真是心疼死了，你们这价格也太坑人了吧"),
    Case(
        "reason_unresolved_problem",
        "emotional",
        "同一个问题我都打了五次客服电话了，每次都说会处理，到现在还是老样子，我彻底寒心了，不想用了",
    ),
    Case("reason_billing_error", "rational", "上个月账单里多了一笔二十块的增值业务费，我从来没订过，麻烦查一下，不然我就销号"),
    Case("reason_device_problem", "emotional", "买的合约机才用了两个月就老死机，气死我了，这破手机我不想要了，号也不想用了"),
    Case(
        "reason_company_number",
        "rational",
        "公司统一给配了工作手机号，话费单位报销，我自己这个号用不上了，想注销掉",
    ),
    Case("reason_poor_service", "emotional", "营业厅那个工作人员态度太恶劣了，爱答不理的，受了一肚子气，我要销户"),
    Case(
        "reason_network_quality",
        "rational",
        "家里这边信号经常只有一格，打电话总是断，我测过好几次了，你们赶紧派人来查一下，给我个修好的时间，不然我只能换运营商",
    ),
    Case("reason_relocation", "rational", "下个月我要搬到外地去工作了，以后不在本地住，这边的号码想办理销户"),
    Case("reason_low_usage", "rational", "这个卡我平时基本不用，一个月打不了几个电话，每月交五十多划不来，麻烦帮我办停机"),
    Case("reason_contract_end", "rational", "我的两年合约下个月就到期了，到期以后我就不打算续了，想问问怎么销号"),
]


def _call(client: TestClient, method, *args, **kwargs):  # type: ignore[no-untyped-def]
    return client.portal.call(functools.partial(method, *args, **kwargs))


def _say(client: TestClient, sender: str, text: str, phone: str) -> list[dict]:
    response = client.post(WEBHOOK, json={"sender": sender, "message": text, "metadata": {"phone": phone}})
    assert response.status_code == 200, response.text
    return response.json()


def _customer_with_an_offer(url: str, reason: str, used: set[str]) -> str:
    """The phone of a seeded customer the actions have a suitable offer for, whatever the predicted need."""
    from actions._offer_choice import spending_of, suitable_offers
    from actions._promises import CHINA_TIME

    today = datetime.now(CHINA_TIME).date()
    with session_scope(url) as session:
        for customer in session.execute(
            select(Customer).where(Customer.status == "正常").order_by(Customer.id)
        ).scalars():
            if customer.phone in used:
                continue
            spending = spending_of(session, customer)
            if all(
                suitable_offers(session, customer, spending, reason=reason, need=need, today=today)
                for need in ("emotional", "rational", "none")
            ):
                used.add(customer.phone)
                return customer.phone
    pytest.fail(f"no seeded customer has a suitable offer for {reason}")


@pytest.fixture(scope="module")
def used_phones() -> set[str]:
    return set()


def _actions_after_last_user_message(events: list) -> list[str]:
    last_user = max(index for index, event in enumerate(events) if isinstance(event, UserUttered))
    return [
        event.action_name
        for event in events[last_user + 1 :]
        if isinstance(event, ActionExecuted) and event.action_name != "action_listen"
    ]


@pytest.mark.parametrize("case", CASES, ids=[case.reason.removeprefix("reason_") for case in CASES])
def test_leave_reason_conversation(
    dialogue_client: TestClient, dialogue_database_url: str, used_phones: set[str], case: Case
) -> None:
    service = dialogue_client.app.state.retention.dialogue
    sender = f"it-{case.reason}-{uuid.uuid4().hex[:8]}"
    phone = _customer_with_an_offer(dialogue_database_url, case.reason, used_phones)

    # 1. The reason: the right reply for reason × need, then an offer.
    replies = _say(dialogue_client, sender, case.message, phone)
    tracker = _call(dialogue_client, service.tracker, sender)
    slots = tracker.current_slot_values()
    assert (slots["leave_reason"], slots["customer_need"]) == (case.reason, case.need), [
        r.get("text") for r in replies
    ]
    assert slots["customer_found"] is True and slots["phone"] == phone
    steps = _actions_after_last_user_message(list(tracker.events))
    assert "action_propose_offer" in steps and slots["current_offer_code"], steps
    offer_at = steps.index("action_propose_offer")
    short = case.reason.removeprefix("reason_")
    if case.need == "rational":
        acknowledge_at = steps.index(f"utter_acknowledge_{short}")
        assert acknowledge_at < steps.index("action_create_ticket") < offer_at, steps
    else:
        assert steps.index(f"utter_empathize_{short}") < offer_at, steps
        if case.reason in FIX_REASONS:
            assert steps.index(f"utter_empathize_{short}") < steps.index("action_create_ticket") < offer_at
        else:
            assert "action_create_ticket" not in steps, steps
    assert all(reply.get("text") for reply in replies)
    offer_reply = next(reply for reply in replies if reply.get("buttons"))
    assert slots["current_offer_name"] in offer_reply["text"]

    # 2. The customer takes the offer: retained.
    closing = _say(dialogue_client, sender, case.answer, phone)
    assert closing
    slots = _call(dialogue_client, service.slots, sender)
    assert slots["outcome"] == "retained"

    # 3. What the database keeps: the transcript, the outcome, the accepted offer, the ticket.
    with session_scope(dialogue_database_url) as session:
        conversation = session.execute(select(Conversation).where(Conversation.sender_id == sender)).scalar_one()
        assert (conversation.channel, conversation.mode) == ("rest", "customer")
        assert conversation.customer.phone == phone
        turns = session.execute(select(Turn).where(Turn.conversation_id == conversation.id).order_by(Turn.seq)).scalars().all()
        roles = [turn.role for turn in turns]
        assert roles == ["customer"] + ["bot"] * len(replies) + ["customer"] + ["bot"] * len(closing)
        first = turns[0]
        assert (first.text, first.intent, first.need) == (case.message, case.reason, case.need)
        assert first.intent_confidence > 0.3 and first.need_confidence > 0.3
        assert [turn.text for turn in turns[1 : 1 + len(replies)]] == [reply["text"] for reply in replies]
        bot_actions = [name for turn in turns if turn.role == "bot" for name in turn.actions]
        assert "action_propose_offer" in bot_actions and "utter_propose_offer" in bot_actions
        answer = turns[1 + len(replies)]
        assert answer.text == case.answer and answer.intent in ("accept_offer", "affirm")

        outcome = session.execute(
            select(RetentionOutcome).where(RetentionOutcome.conversation_id == conversation.id)
        ).scalar_one()
        assert (outcome.result, outcome.reason) == ("retained", case.reason)
        offers = session.execute(select(OfferHistory).where(OfferHistory.conversation_id == conversation.id)).scalars().all()
        assert [entry.outcome for entry in offers] == ["accepted"]
        tickets = session.execute(select(Ticket).where(Ticket.conversation_id == conversation.id)).scalars().all()
        expects_ticket = case.need == "rational" or case.reason in FIX_REASONS
        assert len(tickets) == (1 if expects_ticket else 0)
        if tickets:
            assert tickets[0].due_at.date() >= date.today()
