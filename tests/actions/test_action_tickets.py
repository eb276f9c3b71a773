"""action_create_ticket and action_handoff: a ticket per promise, due when the customer was told."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from action_testing import SENDER, Month, add_customer, conversation_of, make_tracker, run
from sqlalchemy import select

from actions._promises import due_phrase, promised_due
from actions.handoff import ActionHandoff
from actions.tickets import ActionCreateTicket
from bot.db.models import RetentionOutcome, Ticket
from bot.db.session import session_scope

PHONE = "13312345678"
IDENTIFIED = {"phone": PHONE, "customer_found": True}


def _tickets(url: str) -> list[Ticket]:
    with session_scope(url) as session:
        return list(session.execute(select(Ticket).order_by(Ticket.id)).scalars())


def test_the_due_time_is_said_in_china_time() -> None:
    assert due_phrase(datetime(2026, 12, 3, 10, 0, tzinfo=timezone.utc)) == "12月3日 18:00前"
    assert due_phrase(datetime(2026, 12, 31, 17, 0, tzinfo=timezone.utc)) == "1月1日 01:00前"


def test_a_promise_is_rounded_up_to_the_next_full_hour_never_down() -> None:
    now = datetime(2026, 12, 1, 6, 20, 5, tzinfo=timezone.utc)
    assert promised_due(now, timedelta(hours=48)) == datetime(2026, 12, 3, 7, 0, tzinfo=timezone.utc)
    on_the_hour = datetime(2026, 12, 1, 6, 0, tzinfo=timezone.utc)
    assert promised_due(on_the_hour, timedelta(hours=4)) == datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("reason", "intent", "kind", "hours"),
    [
        ("reason_network_quality", "reason_network_quality", "network_repair", 48),
        ("reason_billing_error", "reason_billing_error", "billing_check", 24),
        ("reason_device_problem", "reason_device_problem", "device_repair", 72),
        ("reason_poor_service", "reason_poor_service", "complaint", 24),
        ("reason_unresolved_problem", "reason_unresolved_problem", "complaint", 24),
        ("reason_price_high", "reason_price_high", "tariff_comparison", 24),
        ("reason_relocation", "reason_relocation", "home_visit", 72),
        # a compensation request is reviewed, whatever reason was given before
        ("reason_network_quality", "request_compensation", "compensation_review", 24),
        (None, "request_compensation", "compensation_review", 24),
    ],
)
async def test_the_ticket_kind_follows_the_reason_and_is_due_as_promised(
    app_db: str, reason: str | None, intent: str, kind: str, hours: int
) -> None:
    customer_id = add_customer(app_db, PHONE, [Month(120, 8000, 99)])
    tracker = make_tracker(intent=intent, text="信号太差了，一直掉线", slots={**IDENTIFIED, "leave_reason": reason})
    outcome = await run(ActionCreateTicket(), tracker)

    [ticket] = _tickets(app_db)
    assert (ticket.kind, ticket.customer_id, ticket.status) == (kind, customer_id, "open")
    assert ticket.conversation_id == conversation_of(app_db).id
    assert ticket.summary.endswith("：信号太差了，一直掉线")
    assert timedelta(hours=hours) <= ticket.due_at - ticket.created_at < timedelta(hours=hours + 1)
    assert (ticket.due_at.minute, ticket.due_at.second) == (0, 0)

    due = due_phrase(ticket.due_at)
    assert outcome.slots == {"ticket_id": str(ticket.id), "ticket_due": due}
    assert outcome.messages == [
        {**outcome.messages[0], "response": "utter_commit_ticket", "ticket_id": str(ticket.id), "ticket_due": due}
    ]


async def test_a_ticket_that_cannot_be_recorded_still_promises_a_follow_up(broken_db: str) -> None:
    tracker = make_tracker(intent="reason_billing_error", slots={**IDENTIFIED, "leave_reason": "reason_billing_error"})
    outcome = await run(ActionCreateTicket(), tracker)
    assert outcome.responses == ["utter_service_error"]
    assert outcome.slots == {"ticket_id": None, "ticket_due": None}


async def test_a_known_customer_gets_a_callback_ticket_within_four_hours(app_db: str) -> None:
    customer_id = add_customer(app_db, PHONE, [Month(120, 8000, 99)])
    outcome = await run(ActionHandoff(), make_tracker(intent="request_human", text="转人工", slots=IDENTIFIED))

    [ticket] = _tickets(app_db)
    assert (ticket.kind, ticket.customer_id) == ("callback", customer_id)
    assert ticket.conversation_id == conversation_of(app_db).id
    assert timedelta(hours=4) <= ticket.due_at - ticket.created_at < timedelta(hours=5)
    assert outcome.responses == ["utter_handoff"]
    assert outcome.messages[0]["ticket_id"] == str(ticket.id)
    assert outcome.messages[0]["ticket_due"] == due_phrase(ticket.due_at)
    assert outcome.slots == {"ticket_id": str(ticket.id), "ticket_due": due_phrase(ticket.due_at)}


async def test_an_unknown_caller_gets_a_call_back_time_on_the_conversation(app_db: str) -> None:
    """A ticket needs a customer row; the follow-up is kept on the retention outcome instead."""
    tracker = make_tracker(
        intent="nlu_fallback",
        text="13900001111",
        slots={"phone": "13900001111", "customer_found": False, "leave_reason": "reason_price_high",
               "customer_need": "emotional"},
    )  # fmt: skip
    outcome = await run(ActionHandoff(), tracker)

    assert _tickets(app_db) == []
    with session_scope(app_db) as session:
        record = session.execute(select(RetentionOutcome)).scalar_one()
    assert (record.result, record.customer_id, record.reason, record.need) == (
        "handoff", None, "reason_price_high", "emotional"
    )
    assert record.conversation_id == conversation_of(app_db, SENDER).id
    now = datetime.now(timezone.utc)
    assert timedelta(hours=3) < record.follow_up_due - now <= timedelta(hours=5)
    assert outcome.responses == ["utter_handoff_unidentified"]
    assert outcome.messages[0]["ticket_due"] == due_phrase(record.follow_up_due)
    assert outcome.slots == {"ticket_id": None, "ticket_due": due_phrase(record.follow_up_due)}


async def test_a_handoff_that_cannot_be_recorded_apologises(broken_db: str) -> None:
    outcome = await run(ActionHandoff(), make_tracker(intent="request_human", slots=IDENTIFIED))
    assert outcome.responses == ["utter_service_error"]
    assert outcome.slots == {"ticket_id": None, "ticket_due": None}
