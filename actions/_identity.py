"""The customer's phone number as typed or passed by the channel: one rule for what counts as a mobile number."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from bot.db.queries import normalize_phone

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
