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
