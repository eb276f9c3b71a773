"""Building trackers and data, running an action (the style of Rasa's example assistants' action tests).

Each action runs with rasa_sdk's CollectingDispatcher on a rasa_sdk Tracker built from realistic slots,
latest message and events; the tests then look at the returned events, the dispatched responses and the rows
in the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from bot.flow.promises import CHINA_TIME
from bot.db.models import Conversation, Customer, MonthlyUsage
from bot.db.seed.customers import add_months
from bot.db.session import session_scope

ROOT = Path(__file__).resolve().parents[2]
DOMAIN: dict[str, Any] = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
SENDER = "web-session-1"


def today() -> date:
    return datetime.now(CHINA_TIME).date()


# --- data ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Month:
    """One month of usage, newest last in a customer's list."""

    mou: int
    dou_mb: int
    arpu: float
    roaming_minutes: int = 0
    zero_call_days: int = 0
    competitor_marketing_contacts: int = 0
    competitor_hotline_calls: int = 0


def add_customer(url: str, phone: str, usage: list[Month], **overrides: Any) -> int:
    """A customer with `usage` for the months up to last month (the latest usage month of a real export)."""
    values: dict[str, Any] = {
        "phone": phone,
        "name": "王先生",
        "city": "广州",
        "status": "正常",
        "brand": "天翼",
        "plan_name": "天翼畅享套餐",
        "plan_fee": Decimal("99.00"),
        "credit_level": 4,
        "tenure_months": 36,
        "network_type": "4G",
        "device_model": "iPhone 11",
        "device_months": 30,
        "has_broadband": False,
        "bandwidth_mbps": None,
        "contract_end_date": None,
    }
    values.update(overrides)
    last_month = add_months(today().replace(day=1), -1)
    with session_scope(url) as session:
        customer = Customer(**values)
        session.add(customer)
        session.flush()
        for back, month in enumerate(reversed(usage)):
            session.add(
                MonthlyUsage(
                    customer_id=customer.id,
                    month=add_months(last_month, -back),
                    arpu=Decimal(str(month.arpu)),
                    mou=month.mou,
                    dou_mb=month.dou_mb,
                    roaming_minutes=month.roaming_minutes,
                    zero_call_days=month.zero_call_days,
                    competitor_marketing_contacts=month.competitor_marketing_contacts,
                    competitor_hotline_calls=month.competitor_hotline_calls,
                )
            )
        return customer.id


def conversation_of(url: str, sender_id: str = SENDER, channel: str = "web") -> Conversation | None:
    with session_scope(url) as session:
        return session.execute(
            select(Conversation).where(Conversation.sender_id == sender_id, Conversation.channel == channel)
        ).scalar_one_or_none()


# --- trackers and running ------------------------------------------------------------------------------------


def make_tracker(
    *,
    intent: str = "greet",
    text: str = "",
    slots: dict[str, Any] | None = None,
    need: str | None = None,
    metadata: dict[str, Any] | None = None,
    entities: list[dict[str, Any]] | None = None,
    intent_ranking: list[dict[str, Any]] | None = None,
    channel: str | None = "web",
    events_before: list[dict[str, Any]] | None = None,
    actions_after: tuple[str, ...] = (),
    events_after: list[dict[str, Any]] | None = None,
    sender_id: str = SENDER,
) -> Tracker:
    """A tracker whose latest user event is the customer's message, followed by `actions_after` (actions run
    in this turn) and `events_after` (e.g. the SlotSet of action_extract_slots)."""
    latest: dict[str, Any] = {
        "intent": {"name": intent, "confidence": 0.93},
        "intent_ranking": intent_ranking or [{"name": intent, "confidence": 0.93}],
        "entities": entities or [],
        "text": text,
        "metadata": metadata or {},
    }
    if need is not None:
        latest["need"] = {"name": need, "confidence": 0.88}
    user = {"event": "user", "text": text, "parse_data": latest, "input_channel": channel, "metadata": metadata}
    after = [{"event": "action", "name": name} for name in actions_after] + (events_after or [])
    values = {name: definition.get("initial_value") for name, definition in DOMAIN["slots"].items()}
    values.update(slots or {})
    return Tracker(
        sender_id, values, latest, [*(events_before or []), user, *after], False, None, {}, "action_listen"
    )


@dataclass
class Outcome:
    events: list[dict[str, Any]]
    messages: list[dict[str, Any]]

    @property
    def slots(self) -> dict[str, Any]:
        """The slot values set, by name (the last event wins)."""
        return {event["name"]: event["value"] for event in self.events if event["event"] == "slot"}

    @property
    def responses(self) -> list[str]:
        return [message.get("response") or message["utter_action"] for message in self.messages]


async def run(action: Action, tracker: Tracker) -> Outcome:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, DOMAIN)
    return Outcome(events, dispatcher.messages)
