"""The scripted-conversation format of tests/conversations/*.yml (FORMAT.md there), as pydantic models.

A typo in a script (an unknown key, a wrong type) fails the load with the conversation's name, instead of
silently checking nothing.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Literal, Union

import yaml
from pydantic import BaseModel, Extra, Field

CONVERSATIONS_DIR = Path(__file__).resolve().parent / "conversations"


class _Strict(BaseModel):
    class Config:
        extra = Extra.forbid


class Profile(_Strict):
    name: str = "王先生"
    plan_fee: float = 99
    plan_name: str | None = None
    arpu: float | None = None
    mou: int = 200
    dou_gb: float = 10
    has_broadband: bool = False
    bandwidth_mbps: int | None = None
    tenure_months: int = 48
    credit_level: int = 4
    contract: Literal["none", "running", "ending", "ended"] = "none"
    device_months: int = 24
    network_type: Literal["2G", "3G", "4G", "5G"] = "5G"
    city: str = "杭州"

    def contract_end(self, today: date) -> date | None:
        return {
            "none": None,
            "running": today + timedelta(days=300),
            "ending": today + timedelta(days=30),
            "ended": today - timedelta(days=20),
        }[self.contract]


Expected = Union[bool, str, list[str]]


class TurnExpectation(_Strict):
    proposes: Union[bool, list[str]] | None = None
    confirms: Union[bool, str] | None = None
    enrolled: str | None = None
    tickets: dict[str, int] | None = None
    tickets_total: int | None = None
    asks_phone: bool | None = None
    answered: bool | None = None
    mentions_any: list[Union[str, int, float]] | None = None
    mentions_all: list[Union[str, int, float]] | None = None
    mentions_none: list[Union[str, int, float]] | None = None


class Turn(_Strict):
    say: str
    expect: TurnExpectation = Field(default_factory=TurnExpectation)


class EndExpectation(_Strict):
    enrolled: str | None = None
    tickets: dict[str, int] | None = None
    tickets_total: int | None = None
    max_proposals: int | None = None
    outcome: Literal["retained", "lost", "handoff", "open"] | None = None
    compensation_amount_promised: bool | None = None


class Conversation(_Strict):
    name: str
    about: str = ""
    customer: Profile | None = None
    identified: bool | None = None
    turns: list[Turn]
    end: EndExpectation = Field(default_factory=EndExpectation)

    @property
    def channel_knows_phone(self) -> bool:
        return self.customer is not None and self.identified is not False


class ScriptFile(_Strict):
    conversations: list[Conversation]


def load_conversations(directory: Path = CONVERSATIONS_DIR) -> list[Conversation]:
    conversations: list[Conversation] = []
    for path in sorted(directory.glob("*.yml")):
        conversations += ScriptFile.parse_obj(yaml.safe_load(path.read_text(encoding="utf-8"))).conversations
    names = [c.name for c in conversations]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"conversation names used twice: {duplicates}")
    return conversations
