"""The label contract (shared/taxonomy.yml): customer intents, needs and agent acts.

A copy lives in the package (bot/taxonomy.yml) so an installed or cloned project works on its own; a test
keeps it identical to ../shared/taxonomy.yml whenever that file is beside the project.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

TAXONOMY_FILE = Path(__file__).resolve().with_name("taxonomy.yml")
REASON_PREFIX = "reason_"


@lru_cache(maxsize=1)
def _taxonomy() -> dict[str, dict[str, str]]:
    return yaml.safe_load(TAXONOMY_FILE.read_text(encoding="utf-8"))


def customer_intents() -> list[str]:
    return list(_taxonomy()["customer_intents"])


def reason_intents() -> list[str]:
    return [name for name in customer_intents() if name.startswith(REASON_PREFIX)]


def needs() -> list[str]:
    return list(_taxonomy()["needs"])


def agent_acts() -> list[str]:
    return list(_taxonomy()["agent_acts"])


def description(label: str) -> str:
    """The Chinese description of a label, for UIs and reports."""
    for section in _taxonomy().values():
        if label in section:
            return section[label]
    raise KeyError(label)
