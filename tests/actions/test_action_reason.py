"""action_register_reason: leave_reason, customer_need and probe_count from the latest message."""

from __future__ import annotations

from action_testing import make_tracker, run

from actions.reason import ActionRegisterReason


async def test_a_reason_sets_the_reason_then_the_need_as_the_stories_expect() -> None:
    tracker = make_tracker(intent="reason_price_high", need="emotional", text="每个月一百多，太贵了")
    outcome = await run(ActionRegisterReason(), tracker)
    assert [(e["name"], e["value"]) for e in outcome.events] == [
        ("leave_reason", "reason_price_high"),
        ("customer_need", "emotional"),
    ]
    assert outcome.messages == []


async def test_a_later_reason_replaces_the_earlier_one_and_its_need() -> None:
    tracker = make_tracker(
        intent="reason_network_quality",
        need="rational",
        slots={"leave_reason": "reason_price_high", "customer_need": "emotional"},
    )
    assert (await run(ActionRegisterReason(), tracker)).slots == {
        "leave_reason": "reason_network_quality",
        "customer_need": "rational",
    }


async def test_a_reason_without_a_need_in_the_parse_data_counts_as_none() -> None:
    """A button payload (/reason_contract_end) carries no need; none is then treated as emotional."""
    outcome = await run(ActionRegisterReason(), make_tracker(intent="reason_contract_end", text="/reason_contract_end"))
    assert outcome.slots == {"leave_reason": "reason_contract_end", "customer_need": "none"}


async def test_the_first_cancel_request_counts_as_vague_and_sets_its_need() -> None:
    outcome = await run(ActionRegisterReason(), make_tracker(intent="request_cancel", need="none", text="我要销号"))
    assert outcome.slots == {"probe_count": 1.0, "customer_need": "none"}
    assert "leave_reason" not in outcome.slots


async def test_vague_answers_are_counted_and_keep_the_need_already_known() -> None:
    for intent, count in (("deny", 2.0), ("nlu_fallback", 3.0)):
        tracker = make_tracker(
            intent=intent, need="emotional", slots={"customer_need": "rational", "probe_count": count - 1}
        )
        assert (await run(ActionRegisterReason(), tracker)).slots == {"probe_count": count}


async def test_other_messages_set_nothing() -> None:
    assert (await run(ActionRegisterReason(), make_tracker(intent="greet", need="none"))).events == []
