"""action_retention_turn: the customer bot's one step per message — decide, save, say.

Rasa's rules route every customer message here (stories/turns.yml), so the policy predicts twice per message
(this action, then listening) and the flow itself is decided by rules over data (bot.flow.decide), never by a
learned generalisation of a business step. The database work runs in one transaction; the lines go out only
after it committed, so no line promises a ticket or an enrolment that a failed commit took back.
"""

from __future__ import annotations

import logging
import zlib
from datetime import datetime, timezone
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions._db import conversation_for
from actions._identity import identify
from actions._tracker import latest_intent, latest_text
from bot.corpus import default_corpus
from bot.db.session import session_scope
from bot.flow.decide import FALLBACK_INTENT, Message, decide
from bot.flow.render import render
from bot.flow.save import save
from bot.flow.state import STATE_SLOT, FlowState
from bot.nlu.chinese_numbers import parse_amount

logger = logging.getLogger(__name__)
NO_NEED = "none"


def message_of(tracker: Tracker) -> Message:
    """The latest customer message as the flow reads it: intent, need, text, the first value of each entity."""
    latest = tracker.latest_message or {}
    entities: dict[str, Any] = {}
    for entity in latest.get("entities") or []:
        name, value = entity.get("entity"), entity.get("value")
        if name and name not in entities:
            entities[name] = parse_amount(str(value)) if name == "amount" and isinstance(value, str) else value
    need = (latest.get("need") or {}).get("name") or NO_NEED
    ranking = [item.get("name") for item in latest.get("intent_ranking") or []]
    guess = next((name for name in ranking if name and name != FALLBACK_INTENT), None)
    return Message(intent=latest_intent(tracker) or FALLBACK_INTENT, need=need, text=latest_text(tracker),
                   entities=entities, guess=guess)


class ActionRetentionTurn(Action):
    def name(self) -> str:
        return "action_retention_turn"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        state = FlowState.from_slot(tracker.get_slot(STATE_SLOT))
        message = message_of(tracker)
        now = datetime.now(timezone.utc)
        try:
            with session_scope() as session:
                conversation = conversation_for(session, tracker)
                state.conversation_id = conversation.id  # handed to the transcript recorder with the state
                identity = identify(session, tracker, state, message, now)
                decision = decide(state, message, identity)
                save(
                    session,
                    decision,
                    conversation=conversation,
                    facts=identity.facts,
                    customer_words=message.text,
                    now=now,
                )
                lines = render(decision, default_corpus(), identity.facts, seed=zlib.crc32(tracker.sender_id.encode()))
        except Exception:  # noqa: BLE001 - whatever broke, the customer still gets an answer
            logger.exception("action_retention_turn failed for sender %r", tracker.sender_id)
            dispatcher.utter_message(response="utter_service_error")
            return []
        for line in lines:
            # The text is chosen and filled here; `utter_action` names the corpus response in the event's metadata
            # exactly as Rasa does for `response=` (the transcript and practice mode read it), without asking
            # Rasa's generator to fill placeholders a second time from slots that do not exist.
            dispatcher.utter_message(text=line.text, buttons=list(line.buttons) or None, utter_action=line.response)
        return [SlotSet(STATE_SLOT, decision.state.to_slot())]
