"""action_default_ask_affirmation: the two-stage fallback's question in Chinese, with Rasa's two answers."""

from __future__ import annotations

from action_testing import make_tracker, run

from actions.fallback import ActionDefaultAskAffirmation


async def test_the_best_guess_after_nlu_fallback_is_asked_with_its_description() -> None:
    tracker = make_tracker(
        intent="nlu_fallback",
        text="话费有点那个",
        intent_ranking=[
            {"name": "nlu_fallback", "confidence": 0.5},
            {"name": "reason_price_high", "confidence": 0.41},
            {"name": "reason_billing_error", "confidence": 0.3},
        ],
    )
    outcome = await run(ActionDefaultAskAffirmation(), tracker)
    assert outcome.events == []
    [message] = outcome.messages
    assert message["response"] == "utter_ask_affirmation"
    # the labellers' note 「（没有提到别家）」 is not read to the customer
    assert message["intent_description"] == "觉得资费太贵、套餐不划算、用不完还要付钱"
    assert message["buttons"] == [
        {"title": "是的", "payload": "/reason_price_high"},
        {"title": "不是", "payload": "/out_of_scope"},
    ]


async def test_an_intent_without_a_note_keeps_its_whole_description() -> None:
    outcome = await run(ActionDefaultAskAffirmation(), make_tracker(intent="request_human"))
    assert outcome.messages[0]["intent_description"] == "要求转人工、找领导、投诉到上级"
    assert outcome.messages[0]["buttons"][0]["payload"] == "/request_human"


async def test_without_a_guess_it_asks_to_rephrase() -> None:
    tracker = make_tracker(intent="nlu_fallback", intent_ranking=[{"name": "nlu_fallback", "confidence": 0.2}])
    assert (await run(ActionDefaultAskAffirmation(), tracker)).responses == ["utter_ask_rephrase"]
