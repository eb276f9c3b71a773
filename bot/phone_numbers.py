"""The mainland mobile-number rule in one place: which numbers count, how a typed one is read, how logs mask it.

Identification, the call-back contact, WeChat binding, the SMS sender and log masking all ask the same question
("is this a customer's mobile number?"); one rule keeps a number that one of them accepts from being refused or
left unmasked by another.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

# 1, then 3-9 (the mobile ranges), then nine digits.
_HEAD = r"1[3-9]\d"
_MOBILE = re.compile(_HEAD + r"\d{8}")
_SEPARATORS = re.compile(r"[\s\-—()（）]")
_COUNTRY_CODE = re.compile(r"^(?:\+|00)?86(?=1\d{10}$)")
# In running text: maybe +86, spaces or dashes between the groups, never inside a longer run of digits.
_IN_TEXT = re.compile(rf"(?<!\d)((?:\+?86[\s-]?)?{_HEAD})[\s-]?\d{{4}}[\s-]?(\d{{4}})(?!\d)")


def normalize_phone(raw: Any) -> str | None:
    """The 11-digit mobile number that `raw` is ("+86 133-1234-5678", 「１３８－…」), else None.

    NFKC first: a Chinese keyboard often gives full-width digits, plus signs and dashes.
    """
    if not isinstance(raw, str):
        return None
    digits = _COUNTRY_CODE.sub("", _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw).strip()))
    return digits if _MOBILE.fullmatch(digits) else None


def mask_phones(text: str) -> str:
    """`13812345678` → `138****5678` (a country code and separators are kept before the mask)."""
    return _IN_TEXT.sub(r"\1****\2", text)
