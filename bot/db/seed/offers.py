"""An offer catalogue file (offers.yml) read into rows for the offers table, with every field checked first.

Used by `db seed` (the shipped catalogue) and `offers load FILE` (a catalogue the business edited). A file is
checked as a whole and every problem is reported, each naming the offer and key, so that one run shows the
author everything to fix; a file with any problem gives no rows at all.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from bot.db.models import Offer
from bot.db.models.vocabulary import OFFER_TYPES
from bot.db.offer_facts import parse_facts
from bot.db.offer_rules import RuleError, parse_eligibility, parse_suitability

OFFERS_FILE = Path(__file__).resolve().with_name("offers.yml")


class CatalogueError(RuleError):
    """A catalogue file with problems; `problems` holds one line per problem."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        super().__init__(f"{path.name}: {len(problems)} problem(s)\n" + "\n".join(problems))
        self.problems = problems


def _text(column: Any) -> Callable[[Any, str], str]:
    """A check for a text column: non-empty, and within the column's length (PostgreSQL enforces it, SQLite not)."""
    limit = getattr(column.type, "length", None)

    def check(value: Any, where: str) -> str:
        if not isinstance(value, str) or not value.strip() or (limit is not None and len(value) > limit):
            bound = f" of at most {limit} characters" if limit else ""
            raise RuleError(f"{where}: expected a non-empty text{bound}, got {value!r}")
        return value

    return check


def _offer_type(value: Any, where: str) -> str:
    if value not in OFFER_TYPES:
        raise RuleError(f"{where}: {value!r} is not one of {list(OFFER_TYPES)}")
    return value


def _price(value: Any, where: str) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise RuleError(f"{where}: expected a non-negative amount in 元, got {value!r}")
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _term(value: Any, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise RuleError(f"{where}: expected a positive whole number of months, or null for no term, got {value!r}")
    return value


def _rules(parse: Callable[[Any, str], Any]) -> Callable[[Any, str], dict[str, Any]]:
    """Rules are stored as written (the business's data) once `parse` accepted them."""

    def check(value: Any, where: str) -> dict[str, Any]:
        parse(value, where)
        return value or {}

    return check


def _active(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise RuleError(f"{where}: expected true or false, got {value!r}")
    return value


# Each key of an offer entry and how it becomes the column of the same name; absent optional keys get None
# (no price, no value) except `active`, which defaults to true.
FIELDS: dict[str, Callable[[Any, str], Any]] = {
    "code": _text(Offer.code),
    "name": _text(Offer.name),
    "type": _offer_type,
    "monthly_price": _price,
    "one_off_value": _price,
    "description": _text(Offer.description),
    "term_months": _term,
    "facts": parse_facts,
    "eligibility": _rules(parse_eligibility),
    "suitability": _rules(parse_suitability),
    "active": _active,
}
DEFAULTS: dict[str, Any] = {"active": True}
OPTIONAL_KEYS = frozenset({"monthly_price", "one_off_value", "active"})
# term_months and facts are required although they may be null / empty: the author has to decide them.
REQUIRED_KEYS = frozenset(FIELDS) - OPTIONAL_KEYS


def _entries(path: Path) -> list[Any]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise CatalogueError(path, [f"{path.name}: not UTF-8 text ({exc.reason} at byte {exc.start})"]) from exc
    except yaml.YAMLError as exc:
        raise CatalogueError(path, [f"{path.name}: not valid YAML: {exc}"]) from exc
    entries = document.get("offers") if isinstance(document, dict) else None
    if not isinstance(entries, list) or not entries:
        # An empty catalogue is refused rather than loaded: `offers load` would retire every offer.
        raise CatalogueError(path, [f"{path.name}: expected a mapping with a non-empty list under 'offers'"])
    return entries


def _row(entry: dict[str, Any], where: str, problems: list[str]) -> dict[str, Any]:
    """The row of one entry; each problem found is appended to `problems` (the row is then not to be used)."""
    missing = REQUIRED_KEYS - set(entry)
    unknown = set(map(str, entry)) - set(FIELDS)
    if missing:
        problems.append(f"{where}: missing key(s) {sorted(missing)}")
    if unknown:
        problems.append(f"{where}: unknown key(s) {sorted(unknown)}")
    row: dict[str, Any] = {}
    for key, parse in FIELDS.items():
        try:
            row[key] = parse(entry[key], f"{where} {key}") if key in entry else DEFAULTS.get(key)
        except RuleError as exc:
            problems.append(str(exc))
    return row


def load_offer_catalogue(path: Path = OFFERS_FILE) -> list[dict[str, Any]]:
    """Rows for the offers table, in file order; CatalogueError lists every problem with its offer and key.

    OSError when the file cannot be read.
    """
    rows: list[dict[str, Any]] = []
    problems: list[str] = []
    codes: set[str] = set()
    for number, entry in enumerate(_entries(path), start=1):
        code = entry.get("code") if isinstance(entry, dict) else None
        where = f"{path.name} offer {code if code is not None else f'#{number}'}"
        if not isinstance(entry, dict):
            problems.append(f"{where}: expected a mapping")
            continue
        if isinstance(code, str):
            if code in codes:
                problems.append(f"{where}: duplicate code")
            codes.add(code)
        rows.append(_row(entry, where, problems))
    if problems:
        raise CatalogueError(path, problems)
    return rows
