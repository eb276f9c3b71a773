"""The customer model's reading of a candidate line: a line is said only if the model reads it back as the
intent and need the simulator meant, so the coach's expectations follow from what the customer really said.

Readings are cached in one JSON file per customer model (`$RETENTION_VAR_DIR/practice/readback-<model>.json`): a
call then parses only the lines no earlier call has tried, and a new model starts a new file.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from bot.nlu.chinese_numbers import parse_amount


class CustomerParser(Protocol):
    model_version: str

    async def parse(self, text: str) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Reading:
    intent: str
    need: str
    fallback: bool  # below the model's fallback threshold: not a clear reading
    entities: dict[str, Any] = field(default_factory=dict)  # first value of each entity (amounts as numbers)

    def means(self, intent: str, need: str) -> bool:
        return not self.fallback and (self.intent, self.need) == (intent, need)


def _entities(parsed: dict[str, Any]) -> dict[str, Any]:
    """The first value of each entity, as the customer bot's flow takes them (actions/retention.py)."""
    values: dict[str, Any] = {}
    for entity in parsed.get("entities") or []:
        name, value = entity.get("entity"), entity.get("value")
        if name and name not in values:
            values[name] = parse_amount(str(value)) if name == "amount" and isinstance(value, str) else value
    return values


class ReadBack:
    """Readings by text for one customer model, parsed on first use and kept on disk."""

    def __init__(self, parser: CustomerParser, cache_dir: Path) -> None:
        self.parser = parser
        self.path = cache_dir / f"readback-{parser.model_version}.json"
        self._readings: dict[str, Reading] = self._load()
        self._new: dict[str, Reading] = {}

    def _load(self) -> dict[str, Reading]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {text: Reading(**value) for text, value in raw.items()}

    async def read(self, text: str) -> Reading:
        reading = self._readings.get(text)
        if reading is None:
            parsed = await self.parser.parse(text)
            reading = Reading(
                intent=parsed["intent"]["name"],
                need=parsed["need"]["name"],
                fallback=bool(parsed.get("fallback")),
                entities=_entities(parsed),
            )
            self._readings[text] = self._new[text] = reading
        return reading

    def save(self) -> None:
        """Write the new readings, merged with what other processes wrote meanwhile (atomic replace)."""
        if not self._new:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        merged = {**self._load(), **self._new}
        data = {text: reading.__dict__ for text, reading in merged.items()}
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".readback-", suffix=".json")
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump(data, file, ensure_ascii=False, sort_keys=True)
        os.replace(temporary, self.path)
        self._readings.update(merged)
        self._new.clear()
