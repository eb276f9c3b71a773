"""The offer catalogue (offers.yml) read into rows for the offers table, with every rule checked first."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from bot.db.models.vocabulary import OFFER_TYPES
from bot.db.offer_rules import RuleError, parse_eligibility, parse_suitability

OFFERS_FILE = Path(__file__).resolve().with_name("offers.yml")
REQUIRED_KEYS = frozenset({"code", "name", "type", "description", "eligibility", "suitability"})
OPTIONAL_KEYS = frozenset({"monthly_price", "one_off_value", "active"})


def _price(value: Any, where: str) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise RuleError(f"{where}: expected a non-negative amount in 元, got {value!r}")
    return Decimal(str(value)).quantize(Decimal("0.01"))


def load_offer_catalogue(path: Path = OFFERS_FILE) -> list[dict[str, Any]]:
    """Rows for the offers table; RuleError names the offer and key of the first problem found."""
    entries = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("offers") or []
    rows: list[dict[str, Any]] = []
    codes: set[str] = set()
    for number, entry in enumerate(entries, start=1):
        where = f"{path.name} offer {entry.get('code', number) if isinstance(entry, dict) else number}"
        if not isinstance(entry, dict):
            raise RuleError(f"{where}: expected a mapping")
        missing = REQUIRED_KEYS - set(entry)
        unknown = set(entry) - REQUIRED_KEYS - OPTIONAL_KEYS
        if missing or unknown:
            raise RuleError(f"{where}: missing {sorted(missing)}, unknown {sorted(unknown)}")
        if entry["type"] not in OFFER_TYPES:
            raise RuleError(f"{where}: type {entry['type']!r} is not one of {list(OFFER_TYPES)}")
        if entry["code"] in codes:
            raise RuleError(f"{where}: duplicate code")
        codes.add(entry["code"])
        parse_eligibility(entry["eligibility"], f"{where} eligibility")
        parse_suitability(entry["suitability"], f"{where} suitability")
        rows.append(
            {
                "code": entry["code"],
                "name": entry["name"],
                "type": entry["type"],
                "monthly_price": _price(entry.get("monthly_price"), f"{where} monthly_price"),
                "one_off_value": _price(entry.get("one_off_value"), f"{where} one_off_value"),
                "description": entry["description"],
                "eligibility": entry["eligibility"] or {},
                "suitability": entry["suitability"] or {},
                "active": bool(entry.get("active", True)),
            }
        )
    return rows
