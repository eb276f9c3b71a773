"""Password hashing with argon2id (argon2-cffi): the one place that knows how a password is stored.

A hash is a PHC string that carries its own salt and cost parameters, so the parameters can be raised later:
`needs_rehash` tells the login to store a new hash while it has the password in hand.
"""

from __future__ import annotations

import functools
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# argon2-cffi's default, RFC 9106's low-memory profile (argon2id, 64 MiB, 3 passes): about 0.1 s per login.
_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when `password` is the one `password_hash` was made from; a damaged hash is a mismatch, not a crash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


@functools.lru_cache(maxsize=1)
def _unknown_user_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def spend_verification_time(password: str) -> None:
    """Verify against a hash no password matches: a login for an unknown username then takes as long as one
    for a real account, so the response time does not tell which usernames exist."""
    verify_password(_unknown_user_hash(), password)
