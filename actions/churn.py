"""action_fetch_churn_score: how likely this customer is to leave, right before the first offer."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.types import DomainDict
from sqlalchemy.orm import Session

from actions._db import DatabaseAction, Reply
from actions._identity import phone_from
from bot.churn import UnknownCustomer, score_customer


def _no_score() -> Reply:
    return Reply(events=[SlotSet("churn_probability", None), SlotSet("churn_band", None)])


class ActionFetchChurnScore(DatabaseAction):
    """Sets churn_probability and churn_band (高/中/低); bookkeeping, it says nothing.

    The score is heuristic until a churn model is trained (bot.churn). No number, an unknown customer or a
    failure leave both slots empty: nothing in the flow waits for them.
    """

    def name(self) -> str:
        return "action_fetch_churn_score"

    def work(self, session: Session, tracker: Tracker, domain: DomainDict) -> Reply:
        phone = phone_from(tracker)
        if phone is None:
            return _no_score()
        try:
            result = score_customer(session, phone)
        except UnknownCustomer:
            return _no_score()
        return Reply(
            events=[SlotSet("churn_probability", round(result.probability, 4)), SlotSet("churn_band", result.band)]
        )

    def fallback(self, tracker: Tracker) -> Reply:
        return _no_score()
