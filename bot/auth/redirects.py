"""Where a login may send the browser afterwards: only to a path on this site (no open redirect).

`/login?next=https://evil.example` must not make our own login page the first step of a phishing site.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

LOGIN_PATH = "/login"
MAX_NEXT_CHARS = 2000


def safe_next(target: str | None, default: str) -> str:
    """`target` when it is a local path, else `default`.

    Refused besides absolute URLs: `//host` (scheme-relative), any backslash (browsers read `/\\host` as
    `//host`) and control characters or spaces (browsers drop tabs and newlines, so `/\\t/host` is `//host`).
    """
    if not target or len(target) > MAX_NEXT_CHARS or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target or any(ord(char) <= 0x20 or ord(char) == 0x7F for char in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def login_url(target: str) -> str:
    """The login page that comes back to `target` (a path with its query) afterwards."""
    return f"{LOGIN_PATH}?{urlencode({'next': target})}"
