"""A decision's lines as text: the corpus variant for the reason and need, never one said before in the
conversation, with every placeholder filled from the decision and the data (never a raw `{customer_name}`).
"""

from __future__ import annotations

import string
import zlib
from dataclasses import dataclass
from typing import Any

from bot.corpus.model import ScriptCorpus, ScriptEntry
from bot.flow.decide import Decision, Line
from bot.flow.facts import CustomerFacts
from bot.flow.state import FlowState
from bot.flow.wording import offer_params

ANSWER_BUTTONS: tuple[dict[str, str], ...] = (
    {"title": "好的，就办这个", "payload": "/accept_offer"},
    {"title": "不需要", "payload": "/reject_offer"},
)
CONFIRM_BUTTONS: tuple[dict[str, str], ...] = (
    {"title": "确认办理", "payload": "/affirm"},
    {"title": "先不办", "payload": "/deny"},
)
BUTTONS: dict[str, tuple[dict[str, str], ...]] = {
    "utter_propose_offer": ANSWER_BUTTONS,
    "utter_retain_number": ANSWER_BUTTONS,
    "utter_confirm_enrolment": CONFIRM_BUTTONS,
}


class MissingPlaceholder(KeyError):
    """A line needs a value the decision did not give: a bug, never sent to a customer."""


@dataclass(frozen=True)
class Rendered:
    response: str
    text: str
    buttons: tuple[dict[str, str], ...] = ()


def _applies(entry: ScriptEntry, reason: str | None, need: str | None, conditions: dict[str, Any]) -> bool:
    return (
        entry.reason in ("any", reason)
        and entry.need in ("any", need)
        and all(conditions.get(slot) == value for slot, value in entry.when)
    )


def _variants(corpus: ScriptCorpus, response: str, state: FlowState, conditions: dict[str, Any]) -> list[str]:
    """Variants of the best-matching entries (exact reason/need and slot conditions before generic ones)."""
    entries = [e for e in corpus.entries_of(response) if _applies(e, state.reason, state.need, conditions)]
    if not entries:
        raise KeyError(f"no corpus entry of {response!r} applies (reason {state.reason}, need {state.need})")
    best = max(len(e.when) * 4 + e.specificity(state.reason, state.need) for e in entries)
    return [v for e in entries if len(e.when) * 4 + e.specificity(state.reason, state.need) == best for v in e.variants]


def _params(line: Line, state: FlowState, facts: CustomerFacts | None) -> dict[str, str]:
    values: dict[str, str] = {}
    if facts is not None:
        values["customer_name"] = facts.name
    if line.ticket is not None and line.ticket in state.tickets:
        promise = state.tickets[line.ticket]
        values |= {"ticket_id": promise.id, "ticket_due": promise.due}
    offer = facts.offer(line.offer) if facts is not None and line.offer else None
    if offer is not None:
        values |= offer_params(offer, facts.monthly_cost)  # type: ignore[union-attr]
    return values | line.params


def render(
    decision: Decision,
    corpus: ScriptCorpus,
    facts: CustomerFacts | None,
    *,
    seed: int = 0,
) -> list[Rendered]:
    """The lines of `decision` as text; records each variant in the decision's state as said."""
    state = decision.state
    conditions = {"customer_found": facts is not None}
    rendered = []
    for line in decision.lines:
        variants = _variants(corpus, line.response, state, conditions)
        keys = [f"{line.response}#{hash_variant(v)}" for v in variants]
        order = [(seed + i) % len(variants) for i in range(len(variants))]
        index = next((i for i in order if keys[i] not in state.said), order[0])
        values = _params(line, state, facts)
        fields = {name for _, name, _, _ in string.Formatter().parse(variants[index]) if name}
        missing = fields - set(values)
        if missing:
            raise MissingPlaceholder(f"{line.response} needs {sorted(missing)}")
        state.said.append(keys[index])
        rendered.append(Rendered(line.response, variants[index].format_map(values), BUTTONS.get(line.response, ())))
    return rendered


def hash_variant(text: str) -> str:
    """A short stable key of a variant (the state keeps keys, not whole lines)."""
    return format(zlib.crc32(text.encode("utf-8")), "08x")
