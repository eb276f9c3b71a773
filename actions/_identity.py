"""Who the customer is: the phone number from the conversation or the channel, and the customer row."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from rasa_sdk import Tracker
from sqlalchemy.orm import Session

from bot.db.models import Customer
from bot.db.queries import find_customer_by_phone, normalize_phone

# Mainland mobile numbers: 1, then 3-9, then nine digits (normalize_phone only checks "1 and 10 digits").
_MOBILE = re.compile(r"1[3-9]\d{9}")
# The latest message's metadata key under which the web chat and WeChat channels pass a number they know.
METADATA_PHONE = "phone"


def normalized_phone(raw: Any) -> str | None:
    """The 11-digit mobile number in what a customer typed, else None.

    NFKC first: a Chinese keyboard often gives full-width digits, plus and dashes (１３８－…), which
    normalize_phone's patterns do not match.
    """
    if not isinstance(raw, str):
        return None
    number = normalize_phone(unicodedata.normalize("NFKC", raw))
    return number if number is not None and _MOBILE.fullmatch(number) else None


def phone_from(tracker: Tracker) -> str | None:
    """The customer's number: the `phone` slot (asked or confirmed earlier), else the one the channel knows."""
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    for raw in (tracker.get_slot("phone"), metadata.get(METADATA_PHONE)):
        number = normalized_phone(raw)
        if number is not None:
            return number
    return None


def customer_of(session: Session, tracker: Tracker) -> Customer | None:
    """The customer this dialogue is with, when the number is known and in the database."""
    phone = phone_from(tracker)
    return None if phone is None else find_customer_by_phone(session, phone)
