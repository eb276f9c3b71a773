"""action_record_outcome: retained / lost / handoff, on the conversation and in the offer history."""

from __future__ import annotations

from typing import Any

import pytest
from action_testing import Month, add_customer, conversation_of, make_tracker, run
from sqlalchemy import select

from actions.handoff import ActionHandoff
from actions.offers import ActionProposeOffer
from actions.outcome import ActionRecordOutcome
from bot.db.models import Offer, OfferHistory, RetentionOutcome, Ticket
from bot.db.session import session_scope

PHONE = "13312345678"
PRICE_HIGH = {"phone": PHONE, "customer_found": True, "leave_reason": "reason_price_high", "customer_need": "rational"}


@pytest.fixture
def customer_id(app_db: str) -> int:
    """A customer who pays 129元 a month for 5 GB: the first offer for price is DWN-29."""
    return add_customer(app_db, PHONE, [Month(90, 4000, 129), Month(100, 5000, 129)], plan_fee=129)


async def _proposed(slots: dict[str, Any]) -> dict[str, Any]:
    """The slots after the first offer was put on the table."""
    first = await run(ActionProposeOffer(), make_tracker(intent="reason_price_high", slots=slots))
    return {**slots, **first.slots}


def _outcome(url: str) -> RetentionOutcome:
    with session_scope(url) as session:
        return session.execute(select(RetentionOutcome)).scalar_one()


def _offer_outcomes(url: str) -> list[tuple[str, str, bool]]:
    with session_scope(url) as session:
        rows = session.execute(
            select(Offer.code, OfferHistory.outcome, OfferHistory.decided_at.isnot(None))
            .join(Offer, Offer.id == OfferHistory.offer_id)
            .order_by(OfferHistory.id)
        ).all()
    return [tuple(row) for row in rows]


@pytest.mark.parametrize("answer", ["accept_offer", "affirm"])
async def test_an_accepted_offer_retains_the_customer(app_db: str, customer_id: int, answer: str) -> None:
    slots = await _proposed(PRICE_HIGH)
    outcome = await run(ActionRecordOutcome(), make_tracker(intent=answer, text="好的，就办这个", slots=slots))

    assert (outcome.events, outcome.messages) == ([{**outcome.events[0], "name": "outcome", "value": "retained"}], [])
    assert _offer_outcomes(app_db) == [("DWN-29", "accepted", True)]
    record = _outcome(app_db)
    with session_scope(app_db) as session:
        dwn29 = session.execute(select(Offer.id).where(Offer.code == "DWN-29")).scalar_one()
    assert (record.result, record.customer_id, record.offer_id) == ("retained", customer_id, dwn29)
    assert (record.reason, record.need) == ("reason_price_high", "rational")
    conversation = conversation_of(app_db)
    assert (record.conversation_id, conversation.outcome, conversation.customer_id) == (
        conversation.id, "retained", customer_id
    )
    assert conversation.ended_at is None  # the customer may still say thanks


async def test_a_rejected_offer_loses_the_customer(app_db: str, customer_id: int) -> None:
    slots = await _proposed(PRICE_HIGH)
    outcome = await run(ActionRecordOutcome(), make_tracker(intent="reject_offer", text="不用了", slots=slots))
    assert outcome.slots == {"outcome": "lost"}
    assert _offer_outcomes(app_db) == [("DWN-29", "rejected", True)]
    record = _outcome(app_db)
    assert (record.result, record.customer_id, record.offer_id) == ("lost", customer_id, None)
    assert conversation_of(app_db).outcome == "lost"


async def test_keeping_the_number_without_a_plan_is_retained_without_an_offer(app_db: str, customer_id: int) -> None:
    slots = {**PRICE_HIGH, "current_offer_code": None, "current_offer_name": "保留号码"}
    assert (await run(ActionRecordOutcome(), make_tracker(intent="affirm", slots=slots))).slots == {"outcome": "retained"}
    record = _outcome(app_db)
    assert (record.result, record.offer_id) == ("retained", None)


async def test_a_handoff_is_recorded_with_the_call_back_time(app_db: str, customer_id: int) -> None:
    slots = await _proposed(PRICE_HIGH)
    handoff = await run(ActionHandoff(), make_tracker(intent="request_human", text="转人工", slots=slots))
    tracker = make_tracker(
        intent="request_human", text="转人工", slots={**slots, **handoff.slots}, actions_after=("action_handoff",)
    )
    outcome = await run(ActionRecordOutcome(), tracker)

    assert outcome.slots == {"outcome": "handoff"}
    record = _outcome(app_db)
    with session_scope(app_db) as session:
        ticket = session.execute(select(Ticket)).scalar_one()
    assert (record.result, record.customer_id, record.follow_up_due) == ("handoff", customer_id, ticket.due_at)
    assert _offer_outcomes(app_db) == [("DWN-29", "pending", False)]  # a human will talk about it


async def test_a_handoff_decides_whatever_the_last_message_was(app_db: str) -> None:
    """The unknown-number path: the customer's last message was the number, then action_handoff ran."""
    tracker = make_tracker(
        intent="nlu_fallback",
        text="13900001111",
        slots={"phone": "13900001111", "customer_found": False},
        actions_after=("phone_form", "action_identify_customer", "action_handoff"),
    )
    assert (await run(ActionRecordOutcome(), tracker)).slots == {"outcome": "handoff"}
    assert (_outcome(app_db).result, _outcome(app_db).customer_id) == ("handoff", None)


async def test_a_message_that_answers_no_offer_records_nothing(app_db: str, customer_id: int) -> None:
    outcome = await run(ActionRecordOutcome(), make_tracker(intent="greet", slots=PRICE_HIGH))
    assert (outcome.events, outcome.messages) == ([], [])
    with session_scope(app_db) as session:
        assert session.execute(select(RetentionOutcome)).first() is None


async def test_a_failure_still_sets_the_outcome_silently(broken_db: str) -> None:
    outcome = await run(ActionRecordOutcome(), make_tracker(intent="reject_offer", slots=PRICE_HIGH))
    assert (outcome.slots, outcome.messages) == ({"outcome": "lost"}, [])
