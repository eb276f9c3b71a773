"""inform_phone stands only with a phone number; the next ranked intent takes over otherwise."""

from __future__ import annotations

from typing import Any

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.intent_guard import EntityBackedIntentGuard


def guard() -> EntityBackedIntentGuard:
    return EntityBackedIntentGuard.create(EntityBackedIntentGuard.get_default_config(), None, None, None)  # type: ignore[arg-type]


def parsed(text: str, ranking: list[tuple[str, float]], entities: list[dict[str, Any]]) -> Message:
    entries = [{"name": name, "confidence": confidence} for name, confidence in ranking]
    return Message(data={"text": text, "intent": dict(entries[0]), "intent_ranking": entries, "entities": entities})


def test_phone_intent_without_a_number_gives_way_to_the_next_intent() -> None:
    message = parsed("88", [("inform_phone", 0.61), ("goodbye", 0.30), ("affirm", 0.05)], [])
    (result,) = guard().process([message])
    assert result.get("intent") == {"name": "goodbye", "confidence": 0.30}
    assert [entry["name"] for entry in result.get("intent_ranking")] == ["goodbye", "affirm"]
    assert "intent" in result.as_dict(only_output_properties=True)


def test_phone_intent_with_a_number_stays() -> None:
    phone = {"entity": "phone_number", "value": "13812345678", "start": 0, "end": 11}
    message = parsed("13812345678", [("inform_phone", 0.9), ("greet", 0.05)], [phone])
    (result,) = guard().process([message])
    assert result.get("intent")["name"] == "inform_phone"
    assert len(result.get("intent_ranking")) == 2


@pytest.mark.parametrize("entities", [[], [{"entity": "amount", "value": 88, "start": 0, "end": 2}]])
def test_other_entities_do_not_support_the_phone_intent(entities: list[dict[str, Any]]) -> None:
    message = parsed("88块", [("inform_phone", 0.5), ("reason_price_high", 0.4)], entities)
    (result,) = guard().process([message])
    assert result.get("intent")["name"] == "reason_price_high"


def test_only_the_guarded_intent_is_touched() -> None:
    message = parsed("太贵了", [("reason_price_high", 0.8), ("inform_phone", 0.1)], [])
    (result,) = guard().process([message])
    assert result.get("intent") == {"name": "reason_price_high", "confidence": 0.8}
    assert [entry["name"] for entry in result.get("intent_ranking")] == ["reason_price_high", "inform_phone"]


def test_nothing_left_in_the_ranking_means_no_intent() -> None:
    (result,) = guard().process([parsed("1+1", [("inform_phone", 0.9)], [])])
    assert result.get("intent") == {"name": None, "confidence": 0.0}
