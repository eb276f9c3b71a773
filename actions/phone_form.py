"""validate_phone_form: the number phone_form asks for, checked and normalised before identification."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions._identity import normalized_phone
from actions._tracker import latest_text

# Something meant as a number: five or more digits, maybe with a plus and separators (「138 1234 5678」,
# 「+86-138…」, 「12345」). The NLU's phone_number entity only matches a valid number written in one piece.
_NUMBER_LIKE = re.compile(r"\+?\d(?:[\s\-—]*\d){4,}")


class ValidatePhoneForm(FormValidationAction):
    """Accepts 11-digit mobile numbers 1[3-9]… however typed; anything else gets utter_invalid_phone."""

    def name(self) -> str:
        return "validate_phone_form"

    async def extract_phone(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The custom mapping of `phone`: a number the entity did not catch, so that a number typed with
        spaces is accepted and a wrong one is answered with utter_invalid_phone, not the same question."""
        if tracker.get_slot("requested_slot") != "phone":
            return {}
        entities = (tracker.latest_message or {}).get("entities") or []
        if any(entity.get("entity") == "phone_number" for entity in entities):
            return {}
        match = _NUMBER_LIKE.search(unicodedata.normalize("NFKC", latest_text(tracker)))
        return {"phone": match.group()} if match else {}

    def validate_phone(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        value = slot_value[0] if isinstance(slot_value, list) and slot_value else slot_value
        number = normalized_phone(value)
        if number is None:
            dispatcher.utter_message(response="utter_invalid_phone")
        return {"phone": number}
