"""action_propose_offer and action_retain_number: the suitable offer for each reason, at most two, then
keeping the number — with the offer history in the database."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from action_testing import Month, Outcome, add_customer, conversation_of, make_tracker, run, today
from sqlalchemy import select

from actions.offers import ActionProposeOffer, ActionRetainNumber
from bot.db.models import Customer, Offer, OfferHistory
from bot.db.queries import recommend_offers
from bot.db.session import session_scope

PHONE = "13312345678"
BUTTONS = [{"title": "好的，就办这个", "payload": "/accept_offer"}, {"title": "不需要", "payload": "/reject_offer"}]

# One customer per leave reason, with the usage and plan that make the expected choice the right one.
CHEAPER_PLAN_FITS = {"usage": [Month(170, 14000, 99), Month(180, 15000, 99)], "plan_fee": 99}
HEAVY_DATA_ON_A_SMALL_PLAN = {"usage": [Month(200, 30000, 75), Month(210, 31000, 75)], "plan_fee": 59}
PAYS_FOR_MORE_THAN_USED = {"usage": [Month(90, 4000, 129), Month(100, 5000, 129)], "plan_fee": 129}
BARELY_USES_IT = {"usage": [Month(60, 1500, 59), Month(40, 1000, 59, zero_call_days=12)], "plan_fee": 59}


def _customer(url: str, usage: list[Month], plan_fee: float, **overrides: Any) -> int:
    return add_customer(url, PHONE, usage, plan_fee=plan_fee, **overrides)


def _tracker(reason: str | None, need: str = "emotional", **slots: Any) -> Any:
    return make_tracker(
        intent=reason or "ask_offer",
        need=need,
        slots={"phone": PHONE, "customer_found": True, "leave_reason": reason, "customer_need": need, **slots},
    )


def _after_rejecting(first: Outcome, reason: str | None, need: str = "emotional") -> Any:
    """The tracker when the customer answers 「不需要」 to the first offer."""
    slots = {"phone": PHONE, "customer_found": True, "leave_reason": reason, "customer_need": need, **first.slots}
    return make_tracker(intent="reject_offer", text="不需要", slots=slots)


def _history(url: str) -> list[tuple[str, str, int | None]]:
    with session_scope(url) as session:
        rows = session.execute(
            select(Offer.code, OfferHistory.outcome, OfferHistory.conversation_id)
            .join(Offer, Offer.id == OfferHistory.offer_id)
            .order_by(OfferHistory.id)
        ).all()
    return [tuple(row) for row in rows]


# --- the choice per reason -----------------------------------------------------------------------------------


async def test_competitor_offer_gets_a_cheaper_plan_and_the_honest_cost_comparison(app_db: str) -> None:
    _customer(app_db, **CHEAPER_PLAN_FITS)
    outcome = await run(ActionProposeOffer(), _tracker("reason_competitor_offer"))

    assert outcome.slots == {
        "offer_codes": ["DWN-59"],
        "offer_index": 0.0,
        "current_offer_code": "DWN-59",
        "current_offer_name": "改签天翼畅享59元套餐",
    }
    propose, compare = outcome.messages
    assert propose["response"] == "utter_propose_offer"
    assert propose["buttons"] == BUTTONS
    assert (propose["offer_name"], propose["offer_price"]) == ("改签天翼畅享59元套餐", "每月59元")
    # the description without the price said just before it
    assert propose["offer_reason"] == "含国内通话200分钟、通用流量20GB；协议期满后可办理，次月生效。"
    assert (compare["response"], compare["current_cost"], compare["offer_price"]) == (
        "utter_compare_cost", "约99元", "每月59元"
    )
    assert _history(app_db) == [("DWN-59", "pending", conversation_of(app_db).id)]


async def test_competitor_offer_may_get_a_comparable_upgrade_but_nothing_dearer(app_db: str) -> None:
    """79元 against 75元 a month now is comparable (within 10%); the 129元 融合 plan is not offered."""
    _customer(app_db, **HEAVY_DATA_ON_A_SMALL_PLAN)
    first = await run(ActionProposeOffer(), _tracker("reason_competitor_offer"))
    assert first.slots["current_offer_code"] == "UPG-5G79"
    assert [(m["response"], m.get("current_cost"), m["offer_price"]) for m in first.messages] == [
        ("utter_propose_offer", None, "每月79元"),
        ("utter_compare_cost", "约75元", "每月79元"),
    ]
    second = await run(ActionProposeOffer(), _after_rejecting(first, "reason_competitor_offer"))
    assert second.slots["current_offer_code"] == "DATA-10G-FREE"
    assert second.messages[1]["offer_price"] == "每月约75元"  # a free add-on leaves the bill as it is
    for outcome in (first, second):
        assert outcome.slots["current_offer_code"] not in {"FUS-129", "FUS-FAMILY199", "DATA-30G20"}


async def test_price_high_gets_the_cheaper_plans_that_fit_the_usage(app_db: str) -> None:
    customer_id = _customer(app_db, **PAYS_FOR_MORE_THAN_USED)
    first = await run(ActionProposeOffer(), _tracker("reason_price_high"))
    assert first.slots["current_offer_code"] == "DWN-29"
    assert first.messages[1]["current_cost"] == "约129元"
    assert first.messages[1]["offer_price"] == "每月29元"

    second = await run(ActionProposeOffer(), _after_rejecting(first, "reason_price_high"))
    assert second.slots["offer_codes"] == ["DWN-29", "DWN-59"]
    assert second.slots["offer_index"] == 1.0
    # 孝心卡 is recommended for the reason, but it is for 150+ minutes and under 3 GB: not for this customer
    with session_scope(app_db) as session:
        customer = session.get(Customer, customer_id)
        recommended = [r.offer.code for r in recommend_offers(session, customer, today=today(), reason="reason_price_high", limit=20)]  # noqa: E501
    assert "DWN-SENIOR39" in recommended
    assert "DWN-SENIOR39" not in second.slots["offer_codes"]


async def test_never_a_plan_far_above_the_usage(app_db: str) -> None:
    """The 199元 plan is eligible and even recommended at contract end, but 3 GB a month is not its customer."""
    customer_id = _customer(
        app_db,
        [Month(90, 2800, 109), Month(100, 3000, 109)],
        109,
        contract_end_date=today() + timedelta(days=20),
    )
    with session_scope(app_db) as session:
        customer = session.get(Customer, customer_id)
        recommended = [r.offer.code for r in recommend_offers(session, customer, today=today(), reason="reason_contract_end", limit=20)]  # noqa: E501
    assert "UPG-5G199" in recommended
    first = await run(ActionProposeOffer(), _tracker("reason_contract_end"))
    second = await run(ActionProposeOffer(), _after_rejecting(first, "reason_contract_end"))
    assert second.slots["offer_codes"] == ["DEV-5G500", "FUS-129"]


async def test_contract_end_gets_a_renewal(app_db: str) -> None:
    _customer(app_db, [Month(190, 11000, 59), Month(200, 12000, 59)], 59, contract_end_date=today() + timedelta(days=20))
    outcome = await run(ActionProposeOffer(), _tracker("reason_contract_end"))
    assert outcome.slots["current_offer_code"] == "UPG-5G79"
    assert outcome.responses == ["utter_propose_offer"]  # no cost comparison outside the money reasons


async def test_low_usage_gets_a_cheaper_plan_then_keeping_the_number(app_db: str) -> None:
    _customer(app_db, **BARELY_USES_IT)
    first = await run(ActionProposeOffer(), _tracker("reason_low_usage"))
    second = await run(ActionProposeOffer(), _after_rejecting(first, "reason_low_usage"))
    assert second.slots["offer_codes"] == ["DWN-29", "KEEP-5"]
    assert first.messages[0]["offer_price"] == "每月29元"
    assert second.messages[0]["offer_price"] == "每月5元"
    assert second.responses == ["utter_propose_offer"]


async def test_company_number_gets_a_cheaper_plan_then_keeping_the_number(app_db: str) -> None:
    _customer(
        app_db, [Month(35, 2500, 119), Month(30, 2000, 119)], 99, has_broadband=True, bandwidth_mbps=200
    )
    first = await run(ActionProposeOffer(), _tracker("reason_company_number", need="rational"))
    second = await run(ActionProposeOffer(), _after_rejecting(first, "reason_company_number", need="rational"))
    assert second.slots["offer_codes"] == ["DWN-29", "KEEP-8"]


async def test_relocation_gets_the_keep_number_plan(app_db: str) -> None:
    _customer(app_db, [Month(150, 6000, 79), Month(150, 6000, 79)], 79)
    outcome = await run(ActionProposeOffer(), _tracker("reason_relocation"))
    assert outcome.slots["current_offer_code"] == "KEEP-8"
    assert (outcome.messages[0]["offer_name"], outcome.messages[0]["offer_price"]) == ("8元保号套餐", "每月8元")


@pytest.mark.parametrize(("need", "code"), [("emotional", "DEV-5G500"), ("rational", "DEV-TRADEIN300")])
async def test_a_device_problem_gets_a_device_offer(app_db: str, need: str, code: str) -> None:
    _customer(app_db, **CHEAPER_PLAN_FITS)
    outcome = await run(ActionProposeOffer(), _tracker("reason_device_problem", need=need))
    assert outcome.slots["current_offer_code"] == code
    assert outcome.messages[0]["offer_price"].startswith("价值")
    assert outcome.messages[0]["offer_price"].endswith("元，不增加月费")


# --- the second proposal, nothing left, failures -------------------------------------------------------------


async def test_the_second_proposal_differs_and_the_first_is_marked_rejected(app_db: str) -> None:
    _customer(app_db, **PAYS_FOR_MORE_THAN_USED)
    first = await run(ActionProposeOffer(), _tracker("reason_price_high"))
    second = await run(ActionProposeOffer(), _after_rejecting(first, "reason_price_high"))
    assert first.slots["current_offer_code"] != second.slots["current_offer_code"]
    conversation_id = conversation_of(app_db).id
    assert _history(app_db) == [("DWN-29", "rejected", conversation_id), ("DWN-59", "pending", conversation_id)]


async def test_nothing_suitable_left_clears_the_offer_and_says_nothing(app_db: str) -> None:
    """Only one compensation fits a billing error here; after it, the flow goes to the keep-number option."""
    _customer(app_db, **CHEAPER_PLAN_FITS, tenure_months=12)
    first = await run(ActionProposeOffer(), _tracker("reason_billing_error", need="rational"))
    assert first.slots["current_offer_code"] == "CMP-50"
    second = await run(ActionProposeOffer(), _after_rejecting(first, "reason_billing_error", need="rational"))
    assert second.slots == {"current_offer_code": None, "current_offer_name": None}
    assert second.messages == []
    assert [outcome for _, outcome, _ in _history(app_db)] == ["rejected"]


async def test_an_unknown_customer_gets_no_offer(app_db: str) -> None:
    tracker = make_tracker(intent="ask_offer", slots={"phone": "13900001111", "customer_found": False})
    outcome = await run(ActionProposeOffer(), tracker)
    assert (outcome.slots, outcome.messages) == ({"current_offer_code": None, "current_offer_name": None}, [])


async def test_a_failed_proposal_leads_on_to_the_keep_number_step(broken_db: str) -> None:
    outcome = await run(ActionProposeOffer(), _tracker("reason_price_high"))
    assert (outcome.slots, outcome.messages) == ({"current_offer_code": None, "current_offer_name": None}, [])


# --- keeping the number --------------------------------------------------------------------------------------


async def test_the_keep_number_option_is_the_best_fitting_keep_number_plan(app_db: str) -> None:
    _customer(app_db, **BARELY_USES_IT)
    outcome = await run(ActionRetainNumber(), _tracker("reason_low_usage", offer_codes=["DWN-29"]))
    assert outcome.slots == {
        "offer_codes": ["DWN-29", "KEEP-5"],
        "offer_index": 1.0,
        "current_offer_code": "KEEP-5",
        "current_offer_name": "5元停机保号",
    }
    assert outcome.messages == [
        {**outcome.messages[0], "response": "utter_retain_number", "buttons": BUTTONS,
         "offer_name": "5元停机保号", "offer_price": "每月5元"},
    ]  # fmt: skip
    assert _history(app_db) == [("KEEP-5", "pending", conversation_of(app_db).id)]


async def test_the_keep_number_option_is_offered_whatever_the_reason_but_not_twice(app_db: str) -> None:
    """No probing answer (no reason) still gets it; a keep-number plan already proposed is skipped."""
    _customer(app_db, **PAYS_FOR_MORE_THAN_USED)
    no_reason = await run(ActionRetainNumber(), _tracker(None, need="none"))
    assert no_reason.slots["current_offer_code"] == "KEEP-8"
    again = await run(ActionRetainNumber(), _tracker(None, need="none", offer_codes=["KEEP-8"]))
    assert again.slots["current_offer_code"] == "KEEP-5"


async def test_inside_a_contract_only_the_switching_risk_is_explained(app_db: str) -> None:
    _customer(app_db, **BARELY_USES_IT, contract_end_date=today() + timedelta(days=200))
    outcome = await run(ActionRetainNumber(), _tracker("reason_low_usage"))
    assert outcome.slots == {"current_offer_code": None, "current_offer_name": "保留号码"}
    assert outcome.responses == ["utter_retain_number_advice"]
    assert outcome.messages[0]["buttons"] == BUTTONS
    assert _history(app_db) == []


async def test_a_failed_keep_number_step_apologises(broken_db: str) -> None:
    outcome = await run(ActionRetainNumber(), _tracker("reason_low_usage"))
    assert outcome.responses == ["utter_service_error"]
    assert outcome.slots == {"current_offer_code": None, "current_offer_name": "保留号码"}
