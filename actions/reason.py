"""action_register_reason: what the customer's leaving message says about why, and what they need.

It runs first on every leaving message (stories/rules.yml) because it reads the latest message, which a
phone number given later would replace.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions._tracker import latest_intent
from bot import taxonomy

# Messages that want to leave without saying why: the first 「我要销号」 and the vague answers to a probe
# (an nlu_fallback right after a probe counts as one, docs/DIALOGUE.md §3).
VAGUE_INTENTS = frozenset({"request_cancel", "deny", "nlu_fallback"})
NO_NEED = "none"


def need_of(latest_message: dict[str, Any]) -> str:
    """The need our NLU adds to the parse data (`need: {name, confidence}`); none when it is missing.

    A button payload such as /reason_price_high carries no need; none is then treated as emotional by the
    flows, which is never wrong (docs/DIALOGUE.md §2).
    """
    name = (latest_message.get("need") or {}).get("name")
    return name if name in taxonomy.needs() else NO_NEED


class ActionRegisterReason(Action):
    """Sets leave_reason and customer_need from a reason message, and counts the vague answers.

    A reason message always sets both (the latest reason wins). A vague message sets customer_need only while
    none is known — the first 「我要销号」 — so that 「销了吧」 after a stated reason does not overwrite the need
    behind that reason; it never touches leave_reason. probe_count counts the vague messages.
    """

    def name(self) -> str:
        return "action_register_reason"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        intent = latest_intent(tracker)
        need = need_of(tracker.latest_message or {})
        if intent in taxonomy.reason_intents():
            return [SlotSet("leave_reason", intent), SlotSet("customer_need", need)]
        if intent not in VAGUE_INTENTS:
            return []
        events = [SlotSet("probe_count", float(tracker.get_slot("probe_count") or 0) + 1)]
        if tracker.get_slot("customer_need") is None:
            events.append(SlotSet("customer_need", need))
        return events
