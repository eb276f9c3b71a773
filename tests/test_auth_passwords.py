"""Password hashes: argon2id, salted, verified without crashing on damaged hashes, upgraded when weaker."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, profiles

from bot.auth import passwords


def test_hash_is_salted_argon2id_and_verifies_only_its_password() -> None:
    first, second = passwords.hash_password("密码 correct horse"), passwords.hash_password("密码 correct horse")
    assert first.startswith("$argon2id$") and "correct" not in first
    assert first != second  # a fresh salt each time: equal passwords do not give equal hashes
    assert passwords.verify_password(first, "密码 correct horse")
    assert passwords.verify_password(second, "密码 correct horse")
    assert not passwords.verify_password(first, "密码 correct hors")
    assert not passwords.verify_password(first, "")


@pytest.mark.parametrize("damaged", ["", "plain-text-password", "$argon2id$v=19$m=65536,t=3,p=4$broken"])
def test_a_damaged_hash_is_a_mismatch_not_a_crash(damaged: str) -> None:
    assert not passwords.verify_password(damaged, "plain-text-password")


def test_default_cost_is_rfc_9106_and_weaker_hashes_need_rehashing() -> None:
    strong = passwords.hash_password("x" * 12)
    assert "m=65536,t=3,p=4" in strong
    assert not passwords.needs_rehash(strong)
    weak = PasswordHasher.from_parameters(profiles.CHEAPEST).hash("x" * 12)
    assert passwords.needs_rehash(weak)
    assert passwords.verify_password(weak, "x" * 12)  # still accepted, so the login can upgrade it
