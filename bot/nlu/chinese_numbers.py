"""Amounts of money as customers write them: 「199元」「88块」「一百九十九块钱」「两千」「¥39.9」."""

from __future__ import annotations

import re

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
_ARABIC = re.compile(r"\d+(?:\.\d+)?")
_CHINESE = re.compile(r"[零〇一二两三四五六七八九十百千万]+")


def chinese_to_int(numeral: str) -> int | None:
    """「一百九十九」→ 199, 「两千五」→ 2500, 「十五」→ 15; None when it is not a well-formed numeral."""
    if not numeral or any(ch not in _DIGITS and ch not in _UNITS for ch in numeral):
        return None
    total, section, digit = 0, 0, None
    last_unit = 1
    for ch in numeral:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
            continue
        unit = _UNITS[ch]
        if unit == 10000:
            total += ((section + (digit or 0)) or 1) * unit
            section, digit, last_unit = 0, None, 10000
            continue
        section += (1 if digit is None else digit) * unit
        digit, last_unit = None, unit
    if digit is not None:
        # 「两千五」: a trailing digit after a unit means one step down (五百), otherwise it is the units digit.
        section += digit * (last_unit // 10 if last_unit >= 100 and numeral[-2] in _UNITS else 1)
    return total + section


def parse_amount(text: str) -> int | float | None:
    """The amount in yuan in an entity's text, or None when it is vague (「一百多」)."""
    if "多" in text or "几" in text:
        return None
    arabic = _ARABIC.search(text)
    if arabic:
        value = float(arabic.group())
        return int(value) if value.is_integer() else value
    chinese = _CHINESE.search(text)
    return chinese_to_int(chinese.group()) if chinese else None
