"""One mobile-number rule for identification, call-back contacts, WeChat binding and log masking."""

from __future__ import annotations

import pytest

from bot.phone_numbers import mask_phones, normalize_phone


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("18912345678", "18912345678"),
        (" 189 1234 5678 ", "18912345678"),
        ("+86 189-1234-5678", "18912345678"),
        ("8618912345678", "18912345678"),
        ("0086 189 1234 5678", "18912345678"),
        ("１８９－１２３４－５６７８", "18912345678"),  # full-width, as a Chinese keyboard types it
        ("(189)1234 5678", "18912345678"),
        ("1891234567", None),
        ("28912345678", None),
        ("12912345678", None),  # 1 then 0-2 is no mobile range
        ("号码18912345678", None),
        (None, None),
        (18912345678, None),
    ],
)
def test_a_typed_number_is_read_by_the_mobile_rule(raw: object, expected: str | None) -> None:
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("客户13812345678来电", "客户138****5678来电"),
        ("+86 138-1234-5678", "+86 138****5678"),
        ("订单号2013812345678999", "订单号2013812345678999"),  # inside a longer run of digits
        ("12012345678", "12012345678"),  # not a mobile number, so not masked
    ],
)
def test_logs_mask_exactly_the_numbers_the_rule_accepts(text: str, masked: str) -> None:
    assert mask_phones(text) == masked
