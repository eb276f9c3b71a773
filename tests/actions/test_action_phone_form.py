"""validate_phone_form: 11-digit mobile numbers however typed; anything else gets utter_invalid_phone."""

from __future__ import annotations

import pytest
from action_testing import make_tracker, run

from actions.phone_form import ValidatePhoneForm

ASKING = {"requested_slot": "phone"}


def _answer(text: str, *, entity: str | None = None) -> dict:
    """What the tracker holds when the customer answers utter_ask_phone with `text`."""
    if entity is None:
        return {"intent": "nlu_fallback", "text": text, "slots": ASKING}
    return {
        "intent": "nlu_fallback",
        "text": text,
        "entities": [{"entity": "phone_number", "value": entity}],
        "slots": {**ASKING, "phone": entity},
        # action_extract_slots fills the slot from the entity before the form runs
        "actions_after": ("action_extract_slots",),
        "events_after": [{"event": "slot", "name": "phone", "value": entity}],
    }


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),  # full-width digits from a Chinese keyboard
        ("＋８６ １９９－１２３４－５６７８", "19912345678"),
    ],
)
def test_valid_numbers_are_normalised(typed: str, number: str) -> None:
    from rasa_sdk.executor import CollectingDispatcher

    dispatcher = CollectingDispatcher()
    assert ValidatePhoneForm().validate_phone(typed, dispatcher, make_tracker(), {}) == {"phone": number}
    assert dispatcher.messages == []


@pytest.mark.parametrize("typed", ["12812345678", "1381234567", "138123456789", "23812345678", "我的号码", ""])
def test_invalid_numbers_are_refused_and_answered(typed: str) -> None:
    from rasa_sdk.executor import CollectingDispatcher

    dispatcher = CollectingDispatcher()
    assert ValidatePhoneForm().validate_phone(typed, dispatcher, make_tracker(), {}) == {"phone": None}
    assert [m["response"] for m in dispatcher.messages] == ["utter_invalid_phone"]


async def test_a_number_caught_by_the_entity_is_validated_by_the_form() -> None:
    outcome = await run(ValidatePhoneForm(), make_tracker(**_answer("13912345678", entity="13912345678")))
    assert outcome.slots == {"phone": "13912345678"}
    assert outcome.messages == []


async def test_a_number_typed_in_pieces_is_found_in_the_text() -> None:
    """The NLU's phone_number pattern only matches one unbroken valid number."""
    outcome = await run(ValidatePhoneForm(), make_tracker(**_answer("我的号码是 138-1234-5678，麻烦查下")))
    assert outcome.slots == {"phone": "13812345678"}


async def test_a_wrong_number_is_answered_with_utter_invalid_phone() -> None:
    outcome = await run(ValidatePhoneForm(), make_tracker(**_answer("12345")))
    assert outcome.slots == {"phone": None}
    assert outcome.responses == ["utter_invalid_phone"]


async def test_a_message_without_digits_leaves_the_question_to_the_form() -> None:
    outcome = await run(ValidatePhoneForm(), make_tracker(**_answer("你是机器人吗")))
    assert outcome.events == []
    assert outcome.messages == []


async def test_digits_are_not_taken_for_a_number_when_none_was_asked() -> None:
    tracker = make_tracker(intent="reason_price_high", text="每个月扣我12800分钱")
    assert (await run(ValidatePhoneForm(), tracker)).events == []
