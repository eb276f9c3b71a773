"""A tiny rasa-sdk action package for the dialogue runtime tests (the real one is `actions/`).

It exercises what the in-process endpoint must pass through unchanged: messages with buttons, a domain
response with a template variable, slot events, the input channel and metadata of the latest message, a
rejection (what form validation raises) and a crash.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.interfaces import ActionExecutionRejection


class ActionTestGreet(Action):
    def name(self) -> str:
        return "action_test_greet"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict]:
        metadata = tracker.latest_message.get("metadata") or {}
        dispatcher.utter_message(
            text="您好，请问是本人吗？",
            buttons=[{"title": "是的", "payload": "/affirm"}, {"title": "不是", "payload": "/deny"}],
        )
        dispatcher.utter_message(response="utter_test_ticket", ticket_id="T-1")
        return [
            SlotSet("channel_seen", tracker.get_latest_input_channel()),
            SlotSet("phone_seen", metadata.get("phone")),
        ]


class ActionTestAsync(Action):
    def name(self) -> str:
        return "action_test_async"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict]:
        dispatcher.utter_message(text=f"sender {tracker.sender_id}")
        return []


class ActionTestReject(Action):
    def name(self) -> str:
        return "action_test_reject"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict]:
        raise ActionExecutionRejection(self.name(), "号码格式不对，换一个动作")


class ActionTestCrash(Action):
    def name(self) -> str:
        return "action_test_crash"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict]:
        raise RuntimeError("database exploded")
