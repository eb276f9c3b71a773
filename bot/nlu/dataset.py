"""Reading and writing labelled examples (text, intent, need) in Rasa's YAML format.

The evaluation split, the data lint and the supervisor's corrections all need the examples as plain records
rather than Rasa `Message`s.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    need: str | None
    source: str


def read_examples(paths: Iterable[Path]) -> list[Example]:
    """Every intent example under `paths` (files or directories of *.yml)."""
    examples: list[Example] = []
    for path in paths:
        files = sorted(path.rglob("*.yml")) if path.is_dir() else [path]
        for file in files:
            document = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
            for block in document.get("nlu") or []:
                if "intent" not in block:
                    continue
                for item in block.get("examples") or []:
                    if isinstance(item, dict):
                        need = (item.get("metadata") or {}).get("need")
                        examples.append(Example(str(item["text"]).strip(), block["intent"], need, str(file)))
                    else:
                        for line in str(item).splitlines():
                            text = line.strip().removeprefix("- ").strip()
                            if text:
                                examples.append(Example(text, block["intent"], None, str(file)))
    return examples


def write_examples(examples: Iterable[Example], path: Path) -> None:
    """One Rasa NLU file with every example (and its need, when it has one)."""
    by_intent: dict[str, list[dict]] = {}
    for example in examples:
        item: dict = {"text": example.text}
        if example.need:
            item["metadata"] = {"need": example.need}
        by_intent.setdefault(example.intent, []).append(item)
    document = {
        "version": "3.1",
        "nlu": [{"intent": intent, "examples": items} for intent, items in sorted(by_intent.items())],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
