"""Reading the tracker the way every action needs it."""

from __future__ import annotations

from rasa_sdk import Tracker


def latest_intent(tracker: Tracker) -> str | None:
    """The intent of the latest user message, nlu_fallback included.

    Read from `intent`, not `intent_ranking`: a button payload such as /accept_offer may come without a
    ranking, and rasa_sdk's get_intent_of_latest_message then answers None.
    """
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


def latest_text(tracker: Tracker) -> str:
    return (tracker.latest_message or {}).get("text") or ""


def actions_since_user_message(tracker: Tracker) -> list[str]:
    """The actions run since the latest user message, oldest first (the running action not included)."""
    names: list[str] = []
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            break
        if event.get("event") == "action" and event.get("name"):
            names.append(event["name"])
    return names[::-1]
