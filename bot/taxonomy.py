"""The label contract (shared/taxonomy.yml): customer intents, needs and agent acts.

A copy lives in the package (bot/taxonomy.yml) so an installed or cloned project works on its own; a test
keeps it identical to ../shared/taxonomy.yml whenever that file is beside the project. Labels the project adds
(the contract allows adding, never renaming) are in PROJECT_CUSTOMER_INTENTS, not in the copy.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

TAXONOMY_FILE = Path(__file__).resolve().with_name("taxonomy.yml")
REASON_PREFIX = "reason_"
# Customers type their number unprompted or in answer to another question; without its own intent a bare
# number is read as whatever it resembles (goodbye, affirm) and the conversation goes astray.
PROJECT_CUSTOMER_INTENTS = {"inform_phone": "只报了手机号码（主动报号，或回答核对身份的问题）"}


@lru_cache(maxsize=1)
def _taxonomy() -> dict[str, dict[str, str]]:
    return yaml.safe_load(TAXONOMY_FILE.read_text(encoding="utf-8"))


def customer_intents() -> list[str]:
    return [*_taxonomy()["customer_intents"], *PROJECT_CUSTOMER_INTENTS]


def reason_intents() -> list[str]:
    return [name for name in customer_intents() if name.startswith(REASON_PREFIX)]


def needs() -> list[str]:
    return list(_taxonomy()["needs"])


def agent_acts() -> list[str]:
    return list(_taxonomy()["agent_acts"])


def description(label: str) -> str:
    """The Chinese description of a label, for UIs and reports."""
    for section in (*_taxonomy().values(), PROJECT_CUSTOMER_INTENTS):
        if label in section:
            return section[label]
    raise KeyError(label)
