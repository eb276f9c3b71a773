"""action_default_ask_affirmation: the two-stage fallback's first question, in Chinese.

Rasa's built-in asks "Did you mean 'reason_price_high'?"; this one says utter_ask_affirmation with the
taxonomy description of the guessed intent, and offers the same two answers as the built-in (the guess as a
payload, or out_of_scope), so the two-stage fallback works as Rasa designed it.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot import taxonomy

NLU_FALLBACK = "nlu_fallback"
DENIAL_PAYLOAD = "/out_of_scope"
# The descriptions end with a note for the people who label data, e.g. 「（没有提到别家）」: not for customers.
_LABELLER_NOTE = re.compile(r"（[^（）]*）$")


def guessed_intent(latest_message: dict[str, Any]) -> str | None:
    """The intent to confirm: the best one after nlu_fallback; None when there is no customer intent to ask about."""
    intent = (latest_message.get("intent") or {}).get("name")
    if intent == NLU_FALLBACK:
        ranking = latest_message.get("intent_ranking") or []
        intent = ranking[1].get("name") if len(ranking) > 1 else None
    return intent if intent in taxonomy.customer_intents() else None


def intent_description(intent: str) -> str:
    """{intent_description}: e.g. 「觉得资费太贵、套餐不划算、用不完还要付钱」."""
    return _LABELLER_NOTE.sub("", taxonomy.description(intent))


class ActionDefaultAskAffirmation(Action):
    """Says utter_ask_affirmation with buttons 是的 → /<guess> and 不是 → /out_of_scope; with nothing to
    guess it asks to rephrase instead of confirming a meaningless label."""

    def name(self) -> str:
        return "action_default_ask_affirmation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        intent = guessed_intent(tracker.latest_message or {})
        if intent is None:
            dispatcher.utter_message(response="utter_ask_rephrase")
            return []
        dispatcher.utter_message(
            response="utter_ask_affirmation",
            intent_description=intent_description(intent),
            buttons=[{"title": "是的", "payload": f"/{intent}"}, {"title": "不是", "payload": DENIAL_PAYLOAD}],
        )
        return []
