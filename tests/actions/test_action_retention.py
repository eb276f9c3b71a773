"""action_retention_turn with rasa-sdk's CollectingDispatcher and trackers, against the real app database.

Each test holds a short conversation by handing the `flow` slot the action set to the next tracker, as Rasa
does, and checks what the customer is told and what the database holds.
"""

from __future__ import annotations

from typing import Any

from action_testing import Month, add_customer, conversation_of, make_tracker, run
from sqlalchemy import select

from actions.retention import ActionRetentionTurn
from bot.db.models import Offer, OfferHistory, Ticket
from bot.db.session import session_scope
from tests.identity_testing import signed

PHONE = "13812345678"


async def _turn(flow: dict[str, Any] | None, intent: str, text: str, need: str = "none", **kwargs: Any):  # type: ignore[no-untyped-def]
    tracker = make_tracker(intent=intent, text=text, need=need, slots={"flow": flow},
                           metadata=signed(PHONE), **kwargs)
    outcome = await run(ActionRetentionTurn(), tracker)
    return outcome, outcome.slots.get("flow", flow)


def _history(url: str) -> list[tuple[str, str]]:
    with session_scope(url) as session:
        return [(code, outcome) for code, outcome in session.execute(
            select(Offer.code, OfferHistory.outcome).join(Offer).order_by(OfferHistory.id))]


def _tickets(url: str) -> list[Ticket]:
    with session_scope(url) as session:
        tickets = list(session.execute(select(Ticket).order_by(Ticket.id)).scalars())
        for ticket in tickets:
            session.expunge(ticket)
        return tickets


async def test_a_price_complaint_is_heard_probed_then_a_cheaper_plan_is_confirmed_before_enrolment(app_db: str) -> None:
    add_customer(app_db, PHONE, [Month(mou=90, dou_mb=6000, arpu=128)] * 3, plan_fee=128)
    first, flow = await _turn(None, "reason_price_high", "一个月一百二十八，太贵了，气死我了！！", "emotional")
    assert "utter_empathize_price_high" in first.responses
    assert "utter_probe_other_reason" in first.responses
    assert "utter_propose_offer" not in first.responses and _history(app_db) == []

    second, flow = await _turn(flow, "deny", "没有了，就是贵")
    assert second.responses[0] == "utter_propose_offer"
    proposed = _history(app_db)
    assert len(proposed) == 1 and proposed[0][1] == "pending"
    with session_scope(app_db) as session:
        offer = session.execute(select(Offer).where(Offer.code == proposed[0][0])).scalar_one()
        assert offer.type == "套餐降档" and offer.monthly_price < 128

    third, flow = await _turn(flow, "accept_offer", "好的，就办这个")
    assert third.responses == ["utter_confirm_enrolment"]
    assert _history(app_db)[0][1] == "pending"  # a choice is not an enrolment
    fourth, flow = await _turn(flow, "affirm", "确认")
    assert fourth.responses[:2] == ["utter_offer_accepted", "utter_close_success"]
    assert _history(app_db)[0][1] == "accepted"
    assert conversation_of(app_db).outcome == "retained"
    texts = [m["text"] for outcome in (first, second, third, fourth) for m in outcome.messages]
    assert len(texts) == len(set(texts)) and all("{" not in text for text in texts)


async def test_an_enrolment_taken_back_is_withdrawn_and_counts_as_refused_not_retained(app_db: str) -> None:
    from bot.db.models import RetentionOutcome

    add_customer(app_db, PHONE, [Month(mou=90, dou_mb=6000, arpu=128)] * 3, plan_fee=128)
    _, flow = await _turn(None, "reason_price_high", "太贵了，就是贵，没别的原因")
    _, flow = await _turn(flow, "deny", "没有了")
    _, flow = await _turn(flow, "accept_offer", "好的，就办这个")
    _, flow = await _turn(flow, "affirm", "嗯")
    assert conversation_of(app_db).outcome == "retained"
    back, flow = await _turn(flow, "ask_offer_details", "刚才那个我没要办 给我取消")
    assert back.responses == ["utter_enrolment_withdrawn"]
    assert [outcome for _, outcome in _history(app_db)] == ["rejected"]
    assert conversation_of(app_db).outcome is None
    with session_scope(app_db) as session:
        assert session.execute(select(RetentionOutcome)).first() is None
    again, flow = await _turn(flow, "ask_offer_details", "取消！")
    assert again.responses == ["utter_enrolment_withdrawn"]  # said again that it is withdrawn
    assert [outcome for _, outcome in _history(app_db)] == ["rejected"]  # nothing more to take back
    assert len({m["text"] for outcome in (back, again) for m in outcome.messages}) == 2  # in other words


async def test_waiting_and_thanks_never_enrol(app_db: str) -> None:
    add_customer(app_db, PHONE, [Month(mou=90, dou_mb=6000, arpu=128)] * 3, plan_fee=128)
    _, flow = await _turn(None, "reason_price_high", "太贵了", "rational")
    _, flow = await _turn(flow, "deny", "没别的")
    waiting, flow = await _turn(flow, "affirm", "行吧，那就等你们消息")
    assert waiting.responses == ["utter_take_your_time"]
    thanks, flow = await _turn(flow, "thank", "谢谢")
    assert [outcome for _, outcome in _history(app_db)] == ["pending"]
    assert flow["enrolled"] is None and thanks.responses


async def test_one_ticket_per_problem_quoted_the_same_and_escalated_when_pressed(app_db: str) -> None:
    add_customer(app_db, PHONE, [Month(mou=300, dou_mb=20000, arpu=99)] * 3)
    first, flow = await _turn(None, "reason_network_quality", "家里信号太差了，赶紧派人来修", "rational")
    assert "utter_commit_ticket" in first.responses
    tickets = _tickets(app_db)
    assert [t.kind for t in tickets] == ["network_repair"]
    again, flow = await _turn(flow, "reason_network_quality", "信号还是很差")
    progress, flow = await _turn(flow, "ask_ticket_progress", "什么时候能修好")
    pressed, flow = await _turn(flow, "ask_ticket_progress", "你们每次都这么说", "emotional")
    assert len(_tickets(app_db)) == 1
    assert "utter_ticket_escalated" in pressed.responses
    ticket = _tickets(app_db)[0]
    assert ticket.status == "in_progress"
    due = flow["tickets"]["network_repair"]["due"]
    for outcome in (first, progress, pressed):
        quoted = [m["text"] for m in outcome.messages if str(ticket.id) in m["text"]]
        assert quoted and all(due in text for text in quoted)


async def test_a_returning_customer_gets_the_ticket_of_the_earlier_conversation_not_a_second_one(app_db: str) -> None:
    add_customer(app_db, PHONE, [Month(mou=300, dou_mb=20000, arpu=99)] * 3)
    first, _ = await _turn(None, "reason_network_quality", "家里信号太差了，赶紧派人来修", "rational")
    (ticket,) = _tickets(app_db)
    due = next(m["text"] for m in first.messages if str(ticket.id) in m["text"])
    # The next day, on another device: a new conversation, no flow state.
    progress, flow = await _turn(None, "ask_ticket_progress", f"上次那个单子 单号{ticket.id} 现在啥进度",
                                 sender_id="the-next-day")
    assert progress.responses == ["utter_greet", "utter_ticket_status"]
    again, flow = await _turn(flow, "reason_network_quality", "信号还是很差，报过了还没人来", "emotional",
                              sender_id="the-next-day")
    assert len(_tickets(app_db)) == 1
    quoted = [m["text"] for outcome in (progress, again) for m in outcome.messages if str(ticket.id) in m["text"]]
    assert quoted and all(flow["tickets"]["network_repair"]["due"] in text for text in quoted)
    assert flow["tickets"]["network_repair"]["due"] in due
    with session_scope(app_db) as session:
        session.get(Ticket, ticket.id).status = "resolved"
    fixed, _ = await _turn(None, "reason_network_quality", "又没信号了", "rational", sender_id="a-week-later")
    assert len(_tickets(app_db)) == 2 and "utter_commit_ticket" in fixed.responses  # a resolved one is history


async def test_a_question_about_the_fix_is_written_into_its_ticket_not_a_new_one(app_db: str) -> None:
    add_customer(app_db, PHONE, [Month(mou=300, dou_mb=40000, arpu=129)] * 3, has_broadband=True,
                 bandwidth_mbps=300, tenure_months=60)
    _, flow = await _turn(None, "reason_device_problem", "光猫三天两头坏，修了两次还是不行", "rational")
    asked, flow = await _turn(flow, "ask_product_fact", "换光猫要钱吗", "rational")
    assert asked.responses == ["utter_question_noted"]
    (ticket,) = _tickets(app_db)
    assert ticket.kind == "device_repair" and ticket.summary.endswith("客户补充：换光猫要钱吗")
    assert str(ticket.id) in asked.messages[0]["text"]


async def test_a_fault_gets_no_paid_upgrade(app_db: str) -> None:
    add_customer(app_db, PHONE, [Month(mou=300, dou_mb=40000, arpu=129)] * 3, has_broadband=True,
                 bandwidth_mbps=300, tenure_months=60)
    _, flow = await _turn(None, "reason_network_quality", "宽带天天掉线", "rational")
    _, flow = await _turn(flow, "deny", "没有别的了")
    await _turn(flow, "request_cancel", "修不修我都要销户")
    with session_scope(app_db) as session:
        prices = [price for price, in session.execute(
            select(Offer.monthly_price).join(OfferHistory).where(Offer.type != "保号套餐"))]
    assert all(price in (None, 0) for price in prices)


async def test_an_unknown_caller_is_asked_for_the_number_at_most_twice(app_db: str) -> None:
    outcomes = []
    flow = None
    for intent, text in [("reason_relocation", "要搬家了，搬到成都去"), ("deny", "不方便说"), ("deny", "不给")]:
        tracker = make_tracker(intent=intent, text=text, need="rational", slots={"flow": flow})
        outcome = await run(ActionRetentionTurn(), tracker)
        flow = outcome.slots["flow"]
        outcomes.append(outcome)
    assert "utter_acknowledge_relocation" in outcomes[0].responses  # the reason is heard before the number
    asks = [r for o in outcomes for r in o.responses if r.startswith("utter_ask_phone")]
    assert len(asks) == 2 and "utter_general_help" in outcomes[-1].responses


async def _unidentified(turns: list[tuple[str, str]]) -> list[Any]:
    """Turns of a person who gave no account number; a number in the text is typed (the extractor's entity)."""
    import re

    outcomes, flow = [], None
    for intent, text in turns:
        number = re.search(r"1[3-9]\d{9}", text)
        entities = [{"entity": "phone_number", "value": number.group()}] if number else None
        outcome = await run(ActionRetentionTurn(), make_tracker(intent=intent, text=text, need="none",
                                                                 slots={"flow": flow}, entities=entities))
        flow = outcome.slots["flow"]
        outcomes.append(outcome)
    return outcomes


async def test_after_the_general_help_a_contact_number_books_the_call_back_it_offered(app_db: str) -> None:
    outcomes = await _unidentified([
        ("reason_relocation", "我下个月要搬到成都去了，这边的宽带不要了"), ("deny", "我不记得号码，不想说"),
        ("deny", "那算了"), ("inform_phone", "你们可以打我电话 13912345678"), ("ask_ticket_progress", "什么时候打"),
    ])
    assert "utter_general_help" in outcomes[1].responses
    assert not [r for r in outcomes[2].responses if r.startswith("utter_ask_phone")]  # declined: not asked again
    booked = outcomes[3]
    text = booked.messages[0]["text"]
    assert booked.responses == ["utter_callback_contact"] and "139****5678" in text
    (ticket,) = _tickets(app_db)
    assert (ticket.kind, ticket.customer_id, ticket.contact_phone) == ("callback", None, "13912345678")
    assert str(ticket.id) in text and "我下个月要搬到成都去了" not in ticket.summary
    assert "你们可以打我电话" in ticket.summary
    assert conversation_of(app_db).outcome == "handoff"
    # asked about, the call-back is quoted, not booked again
    assert outcomes[4].responses == ["utter_ticket_status"] and len(_tickets(app_db)) == 1


async def test_a_number_given_to_be_called_on_is_a_contact_and_a_mistyped_one_is_asked_again(app_db: str) -> None:
    (contact,) = await _unidentified([("inform_phone", "没查到就打这个电话联系我 13912345678")])
    assert contact.responses == ["utter_greet", "utter_callback_contact"]
    assert _tickets(app_db)[0].contact_phone == "13912345678"
    (typo,) = await _unidentified([("inform_phone", "13900001111")])
    assert "utter_phone_unknown" in typo.responses and "utter_callback_contact" not in typo.responses
    assert len(_tickets(app_db)) == 1


async def test_an_unidentified_hand_off_is_a_call_back_on_the_conversation_in_the_desk_queue(app_db: str) -> None:
    from bot.review.tickets import UNIDENTIFIED, open_tickets

    (handoff,) = await _unidentified([("request_human", "转人工")])
    assert handoff.responses == ["utter_greet", "utter_handoff_unidentified"]
    (ticket,) = _tickets(app_db)
    assert ticket.customer_id is None and ticket.conversation_id is not None and ticket.contact_phone is None
    with session_scope(app_db) as session:
        (item,) = open_tickets(session)
    assert (item.customer, item.phone, item.kind) == (UNIDENTIFIED, "", "callback")


async def test_a_contact_number_given_after_the_hand_off_goes_on_the_same_call_back(app_db: str) -> None:
    handoff, contact = await _unidentified([("request_human", "转人工"), ("inform_phone", "你们打我电话 13912345678")])
    assert contact.responses == ["utter_callback_contact"] and "139****5678" in contact.messages[0]["text"]
    (ticket,) = _tickets(app_db)
    assert (ticket.customer_id, ticket.contact_phone) == (None, "13912345678")
    # the hand-off asked for a number: one typed bare is where to call, not an account to look up
    handoff, bare = await _unidentified([("request_human", "转人工"), ("inform_phone", "13912340000")])
    assert "请留" in handoff.messages[-1]["text"] or "留一个" in handoff.messages[-1]["text"]
    assert bare.responses == ["utter_callback_contact"] and "utter_phone_unknown" not in bare.responses
    assert _tickets(app_db)[-1].contact_phone == "13912340000"


async def test_a_broken_database_gets_an_apology_not_a_crash(broken_db: str) -> None:
    tracker = make_tracker(intent="reason_price_high", text="太贵了", need="rational", metadata=signed(PHONE))
    outcome = await run(ActionRetentionTurn(), tracker)
    assert outcome.responses == ["utter_service_error"] and outcome.events == []


async def test_a_new_rasa_session_ends_the_conversation_row_and_starts_another(app_db: str) -> None:
    import time

    from bot.db.models import Conversation

    add_customer(app_db, PHONE, [Month(mou=90, dou_mb=6000, arpu=128)] * 3, plan_fee=128)
    await _turn(None, "reason_price_high", "太贵了", "rational")
    later = make_tracker(intent="greet", text="你好", slots={"flow": None}, metadata=signed(PHONE),
                         events_before=[{"event": "session_started", "timestamp": time.time() + 5}])
    await run(ActionRetentionTurn(), later)
    with session_scope(app_db) as session:
        rows = list(session.execute(select(Conversation).order_by(Conversation.id)).scalars())
        assert len(rows) == 2 and rows[0].ended_at is not None and rows[1].ended_at is None


async def test_a_billing_check_filed_on_a_misreading_is_withdrawn_and_the_price_heard(app_db: str) -> None:
    add_customer(app_db, PHONE, [Month(mou=40, dou_mb=500, arpu=39)] * 3, plan_fee=39)
    first, flow = await _turn(None, "reason_billing_error", "这个号每个月还要扣三四十块钱 浪费", "rational")
    (ticket,) = _tickets(app_db)
    assert ticket.kind == "billing_check" and ticket.status == "open"
    right, flow = await _turn(flow, "reason_billing_error", "不是扣错了 扣的是对的")
    (ticket,) = _tickets(app_db)
    assert ticket.status == "cancelled" and "客户撤销" in ticket.summary
    said = " ".join(m["text"] for m in right.messages)
    assert str(ticket.id) in said and "utter_ticket_cancelled" in right.responses
    assert flow["reason"] == "reason_price_high" and "billing_check" not in flow["tickets"]
    again, flow = await _turn(flow, "reason_price_high", "就是觉得不划算")
    assert len(_tickets(app_db)) == 1  # nothing filed again


async def test_one_quiet_month_does_not_make_a_heavy_caller_a_light_one(app_db: str) -> None:
    from datetime import date

    from bot.db.models import Customer
    from bot.flow.facts import load_customer_facts

    customer_id = add_customer(app_db, PHONE, [Month(mou=420, dou_mb=6000, arpu=128), Month(mou=430, dou_mb=6000, arpu=128),
                                               Month(mou=150, dou_mb=6000, arpu=128)], plan_fee=128)
    with session_scope(app_db) as session:
        facts = load_customer_facts(session, session.get(Customer, customer_id), date.today(), None)
    assert facts.mou == 333  # the three months' average, not the quiet last one
