"""action_fetch_churn_score: churn_probability and churn_band from bot.churn (heuristic without a model)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from action_testing import Month, add_customer, make_tracker, run, today

from actions.churn import ActionFetchChurnScore

PHONE = "13312345678"


async def test_warning_signals_give_a_high_score(app_db: str) -> None:
    # 协议到期 (+1.2), 拨打竞争对手客服电话 (+1.2), 竞争对手营销 (+0.6) on the heuristic's -2.5: p = 1/(1+e^-0.5)
    add_customer(
        app_db,
        PHONE,
        [Month(150, 9000, 99), Month(140, 8000, 99, competitor_hotline_calls=2, competitor_marketing_contacts=1)],
        contract_end_date=today() + timedelta(days=20),
    )
    outcome = await run(ActionFetchChurnScore(), make_tracker(intent="reason_competitor_offer", slots={"phone": PHONE}))
    assert outcome.slots == {"churn_probability": pytest.approx(0.6225, abs=1e-4), "churn_band": "高"}
    assert outcome.messages == []


async def test_a_quiet_customer_scores_low(app_db: str) -> None:
    add_customer(app_db, PHONE, [Month(150, 9000, 99), Month(140, 8000, 99)])
    outcome = await run(ActionFetchChurnScore(), make_tracker(metadata={"phone": PHONE}))
    assert outcome.slots == {"churn_probability": pytest.approx(0.0759, abs=1e-4), "churn_band": "低"}


async def test_an_unknown_or_missing_number_leaves_the_score_empty(app_db: str) -> None:
    for tracker in (make_tracker(slots={"phone": "13900001111"}), make_tracker()):
        assert (await run(ActionFetchChurnScore(), tracker)).slots == {"churn_probability": None, "churn_band": None}


async def test_a_database_failure_leaves_the_score_empty_silently(broken_db: str) -> None:
    outcome = await run(ActionFetchChurnScore(), make_tracker(slots={"phone": PHONE}))
    assert (outcome.slots, outcome.messages) == ({"churn_probability": None, "churn_band": None}, [])
