"""`metadata.phone` signed by the embedding site: the one way a channel vouches for a number without a code.

The operator's logged-in customer area knows who the customer is; it passes the number to the chat as
`metadata: {"phone": P, "expires": <unix seconds>, "signature": <hex HMAC-SHA256 of "P|expires">}` with the
secret both sides hold (CHANNEL_IDENTITY_SECRET). Anything else — no signature, a wrong or expired one, no
secret configured — leaves `phone` a claim like a typed number: verified by SMS code, never an error shown to
the customer.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from pydantic import BaseModel, StrictInt, StrictStr, ValidationError

# How long a signature made by `signed_metadata` (tests, scripts, the demo) stays good: about a page view.
DEFAULT_LIFETIME_SECONDS = 600


class SignedPhone(BaseModel):
    """The signed form of `metadata` (extra keys such as `source` are the channel's and ignored here)."""

    phone: StrictStr
    expires: StrictInt
    signature: StrictStr


def signature_of(phone: str, expires: int, secret: str) -> str:
    """The hex HMAC-SHA256 of "phone|expires" under `secret`, as the embedding site computes it."""
    return hmac.new(secret.encode(), f"{phone}|{expires}".encode(), hashlib.sha256).hexdigest()


def signed_metadata(phone: str, secret: str, *, now: float, lifetime: int = DEFAULT_LIFETIME_SECONDS) -> dict[str, Any]:
    """The metadata a site sends for `phone`, good for `lifetime` seconds from `now`."""
    if not secret:
        raise ValueError("signing needs CHANNEL_IDENTITY_SECRET")
    expires = int(now) + lifetime
    return {"phone": phone, "expires": expires, "signature": signature_of(phone, expires, secret)}


def vouched_phone(metadata: dict[str, Any] | None, secret: str, *, now: float, max_lifetime: int) -> str | None:
    """The phone of `metadata` when its signature is good and unexpired under `secret`, else None.

    An expiry more than `max_lifetime` seconds ahead is refused as well: the site is told to sign for minutes,
    and a signature made (or leaked) with an expiry years away must not act as the customer for years.

    The comparison takes the same time however many characters match (hmac.compare_digest), so the signature
    cannot be found a character at a time. The number is returned as signed; the caller normalises it.
    """
    if not secret or not metadata:
        return None
    try:
        signed = SignedPhone.parse_obj(metadata)
    except ValidationError:
        return None
    if not now <= signed.expires <= now + max_lifetime:
        return None
    expected = signature_of(signed.phone, signed.expires, secret)
    # bytes: compare_digest refuses str with non-ASCII characters, which a forged signature may well have
    if not hmac.compare_digest(expected.encode(), signed.signature.strip().lower().encode()):
        return None
    return signed.phone
