"""The script corpus in memory: agent lines keyed by reason × need × step, and the act of every action.

One object answers both modes: the domain builder turns the lines into Rasa responses for the customer bot,
and practice mode asks it for the recommended line of the act the flow expects (`lines_for`, `lines_of`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

ANY = "any"
INTERNAL_ACT = "internal"
# 维系挽留四步法 + 圆满结束 (seed 000), in the order a conversation goes through them.
STEPS: tuple[str, ...] = ("建立关系", "探询原因", "提供建议", "跟进执行", "圆满结束")
# The conditions a corpus entry's `when` may name: what the flow knows when it picks a variant.
WHEN_KEYS: tuple[str, ...] = ("customer_found",)
# Acts the training material forbids (argue, over-promise, disparage): valid labels for a trainee's message,
# never for a line the bot says or recommends.
FORBIDDEN_ACTS: frozenset[str] = frozenset({"agent_argue", "agent_overpromise", "agent_disparage"})


@dataclass(frozen=True)
class ScriptEntry:
    """One corpus entry: the variants of one response for one reason/need (and optional slot condition)."""

    response: str
    act: str
    step: str
    reason: str
    need: str
    variants: tuple[str, ...]
    when: tuple[tuple[str, object], ...] = ()
    uttered_by: str | None = None
    # Actions that say the line only when the system fails them (a service error): it is theirs to say, but
    # never their model answer, so `lines_of` leaves it out.
    said_on_failure_by: tuple[str, ...] = ()
    fills: tuple[str, ...] = ()
    source: str = ""

    @property
    def is_default(self) -> bool:
        """True for the entry that applies whatever the reason, need and slots."""
        return self.reason == ANY and self.need == ANY and not self.when

    def key(self) -> tuple[str, str, tuple[tuple[str, object], ...]]:
        return self.reason, self.need, self.when

    def specificity(self, reason: str | None, need: str | None) -> int:
        """How closely the entry matches a requested reason/need: exact matches rank before `any`."""
        return int(reason is not None and self.reason == reason) * 2 + int(need is not None and self.need == need)


@dataclass(frozen=True)
class ScriptLine:
    """One recommended line, with what it is for (what practice mode shows a trainee)."""

    text: str
    response: str
    act: str
    step: str
    reason: str
    need: str
    when: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class ScriptCorpus:
    entries: tuple[ScriptEntry, ...]
    custom_actions: Mapping[str, str]
    forms: Mapping[str, str]
    rasa_actions: Mapping[str, str]

    # --- names -------------------------------------------------------------------------------------------
    def response_names(self) -> list[str]:
        """Every response, in corpus order (the order domain.yml lists them)."""
        return list(dict.fromkeys(entry.response for entry in self.entries))

    def entries_of(self, response: str) -> list[ScriptEntry]:
        return [entry for entry in self.entries if entry.response == response]

    def action_acts(self) -> dict[str, str]:
        """The act of every action that is not a response: custom actions, forms, Rasa's own actions."""
        return {**self.rasa_actions, **self.forms, **self.custom_actions}

    # --- lookups -----------------------------------------------------------------------------------------
    def act_of(self, name: str) -> str:
        """The agent act (or `internal`) of a response or an action; KeyError for a name the corpus lacks."""
        for entry in self.entries:
            if entry.response == name:
                return entry.act
        acts = self.action_acts()
        if name in acts:
            return acts[name]
        raise KeyError(f"{name!r} is neither a corpus response nor a tagged action")

    def lines_for(self, act: str, reason: str | None = None, need: str | None = None) -> list[ScriptLine]:
        """The lines that perform `act`, best match first.

        With a reason (need), entries for that reason (need) and generic `any` entries qualify, exact matches
        first; entries for another reason (need) are left out. None means "not known": every entry qualifies
        and generic ones come first.
        """
        chosen = [
            e
            for e in self.entries
            if e.act == act and not e.said_on_failure_by and _fits(e.reason, reason) and _fits(e.need, need)
        ]  # an apology for a failed database call is never a model answer
        return _lines(_ranked(chosen, reason, need))

    def lines_of(self, name: str, reason: str | None = None, need: str | None = None) -> list[ScriptLine]:
        """The lines a response says, or the lines an action says (the responses it utters), best match first."""
        chosen = [
            e
            for e in self.entries
            if name in (e.response, e.uttered_by) and _fits(e.reason, reason) and _fits(e.need, need)
        ]
        return _lines(_ranked(chosen, reason, need))


def _fits(value: str, wanted: str | None) -> bool:
    return wanted is None or value in (wanted, ANY)


def _ranked(entries: list[ScriptEntry], reason: str | None, need: str | None) -> list[ScriptEntry]:
    if reason is None and need is None:
        return sorted(entries, key=lambda e: not e.is_default)
    return sorted(entries, key=lambda e: -e.specificity(reason, need))


def _lines(entries: Iterable[ScriptEntry]) -> list[ScriptLine]:
    return [
        ScriptLine(text, e.response, e.act, e.step, e.reason, e.need, dict(e.when))
        for e in entries
        for text in e.variants
    ]
