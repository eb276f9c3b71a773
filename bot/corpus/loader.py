"""Reading scripts_corpus/ and rejecting anything the bot or practice mode could not use.

Every problem is collected and reported at once with its file and entry, so a writer fixes a batch of lines
in one pass instead of one error per run.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from bot.corpus.model import ANY, FORBIDDEN_ACTS, INTERNAL_ACT, STEPS, ScriptCorpus, ScriptEntry
from bot.taxonomy import agent_acts, needs, reason_intents

ACTIONS_FILE = "actions.yml"
ACTION_SECTIONS = ("custom_actions", "forms", "rasa_actions")
ENTRY_KEYS = {
    "response", "act", "step", "reason", "need", "when", "uttered_by", "said_on_failure_by", "fills", "variants"
}
MIN_VARIANTS, MAX_VARIANTS = 3, 5
_RESPONSE_NAME = re.compile(r"^utter_[a-z0-9_]+$")
_ACTION_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class CorpusError(ValueError):
    """The corpus is invalid; `problems` lists every finding, the message shows them one per line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid script corpus:\n  " + "\n  ".join(problems))


def placeholders(text: str) -> list[str]:
    """The `{name}` fields of a line; ValueError for broken braces."""
    return [field for _, field, _, _ in string.Formatter().parse(text) if field is not None]


def load_corpus(directory: Path) -> ScriptCorpus:
    """Load and validate the corpus under `directory` (actions.yml + every other *.yml, recursively)."""
    if not directory.is_dir():
        raise CorpusError([f"{directory}: no such directory"])
    problems: list[str] = []
    actions = _load_action_tags(directory / ACTIONS_FILE, problems)
    entries: list[ScriptEntry] = []
    for file in sorted(directory.rglob("*.yml")):
        if file == directory / ACTIONS_FILE:
            continue
        entries.extend(_load_lines(file, directory, problems))
    _check_responses(entries, actions, problems)
    if problems:
        raise CorpusError(problems)
    return ScriptCorpus(tuple(entries), actions["custom_actions"], actions["forms"], actions["rasa_actions"])


def _read_yaml(file: Path, problems: list[str]) -> Any:
    try:
        return yaml.safe_load(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        problems.append(f"{file}: cannot read ({exc})".replace("\n", " "))
        return None


def _load_action_tags(file: Path, problems: list[str]) -> dict[str, dict[str, str]]:
    tags: dict[str, dict[str, str]] = {section: {} for section in ACTION_SECTIONS}
    if not file.is_file():
        problems.append(f"{file}: missing (the act of every action lives there)")
        return tags
    document = _read_yaml(file, problems)
    if not isinstance(document, dict):
        problems.append(f"{file}: expected a mapping with {', '.join(ACTION_SECTIONS)}")
        return tags
    for extra in sorted(set(document) - set(ACTION_SECTIONS)):
        problems.append(f"{file}: unknown section {extra!r}")
    valid_acts = {*agent_acts(), INTERNAL_ACT} - FORBIDDEN_ACTS
    seen: set[str] = set()
    for section in ACTION_SECTIONS:
        items = document.get(section) or {}
        if not isinstance(items, dict):
            problems.append(f"{file}: {section} must map action names to acts")
            continue
        for name, act in items.items():
            if not isinstance(name, str) or not _ACTION_NAME.match(name) or name.startswith("utter_"):
                problems.append(f"{file}: {section}: {name!r} is not an action name")
            elif name in seen:
                problems.append(f"{file}: {name} is tagged twice")
            elif act not in valid_acts:
                problems.append(f"{file}: {name}: act {act!r} is not an agent act of the taxonomy or 'internal'")
            else:
                tags[section][name] = act
            seen.add(str(name))
    return tags


def _load_lines(file: Path, root: Path, problems: list[str]) -> list[ScriptEntry]:
    document = _read_yaml(file, problems)
    relative = file.relative_to(root.parent) if root.parent in file.parents else file
    if document is None:
        return []
    if not isinstance(document, dict) or set(document) != {"lines"} or not isinstance(document["lines"], list):
        problems.append(f"{relative}: expected exactly one key `lines` holding a list of entries")
        return []
    entries = []
    for index, raw in enumerate(document["lines"], start=1):
        where = f"{relative} entry {index}"
        entry = _parse_entry(raw, where, problems)
        if entry is not None:
            entries.append(entry)
    return entries


def _parse_entry(raw: Any, where: str, problems: list[str]) -> ScriptEntry | None:
    if not isinstance(raw, dict):
        problems.append(f"{where}: expected a mapping")
        return None
    name = raw.get("response")
    if isinstance(name, str):
        where = f"{where} ({name})"
    found: list[str] = []
    for extra in sorted(set(raw) - ENTRY_KEYS):
        found.append(f"{where}: unknown key {extra!r}")
    if not isinstance(name, str) or not _RESPONSE_NAME.match(name):
        found.append(f"{where}: `response` must be a name like utter_probe_reason")
    act, step = raw.get("act"), raw.get("step")
    if act in FORBIDDEN_ACTS:
        found.append(f"{where}: act {act!r} is a forbidden act; the bot never argues, over-promises or disparages")
    elif act not in agent_acts():
        found.append(f"{where}: act {act!r} is not an agent act of the taxonomy (spoken lines are never internal)")
    if step not in STEPS:
        found.append(f"{where}: step {step!r} is not one of {', '.join(STEPS)}")
    reason, need = raw.get("reason", ANY), raw.get("need", ANY)
    if reason != ANY and reason not in reason_intents():
        found.append(f"{where}: reason {reason!r} is not a reason_* intent of the taxonomy or 'any'")
    if need != ANY and need not in needs():
        found.append(f"{where}: need {need!r} is not one of {', '.join(needs())} or 'any'")
    when = raw.get("when") or {}
    if not isinstance(when, Mapping) or not all(isinstance(v, (str, bool, int, float)) for v in when.values()):
        found.append(f"{where}: `when` must map slot names to single values")
        when = {}
    fills = raw.get("fills") or []
    if not isinstance(fills, list) or not all(isinstance(f, str) and f.isidentifier() for f in fills):
        found.append(f"{where}: `fills` must list the placeholder names the uttering action passes")
        fills = []
    uttered_by = raw.get("uttered_by")
    if uttered_by is not None and not isinstance(uttered_by, str):
        found.append(f"{where}: `uttered_by` must be an action or form name")
    if fills and uttered_by is None:
        found.append(f"{where}: `fills` needs `uttered_by` (only an action can pass values)")
    on_failure = raw.get("said_on_failure_by") or []
    if not isinstance(on_failure, list) or not all(isinstance(name, str) for name in on_failure):
        found.append(f"{where}: `said_on_failure_by` must list action names")
        on_failure = []
    found.extend(_variant_problems(raw.get("variants"), where))
    problems.extend(found)
    if found:
        return None
    return ScriptEntry(
        response=name,
        act=act,
        step=step,
        reason=reason,
        need=need,
        variants=tuple(v.strip() for v in raw["variants"]),
        when=tuple(sorted(when.items())),
        uttered_by=uttered_by,
        said_on_failure_by=tuple(on_failure),
        fills=tuple(fills),
        source=where,
    )


def _variant_problems(variants: Any, where: str) -> list[str]:
    if not isinstance(variants, list) or not MIN_VARIANTS <= len(variants) <= MAX_VARIANTS:
        return [f"{where}: `variants` must list {MIN_VARIANTS} to {MAX_VARIANTS} lines"]
    found = []
    texts = [v.strip() if isinstance(v, str) else v for v in variants]
    for number, text in enumerate(texts, start=1):
        if not isinstance(text, str) or not text:
            found.append(f"{where}: variant {number} is empty or not text")
            continue
        try:
            fields = placeholders(text)
        except ValueError as exc:
            found.append(f"{where}: variant {number} has broken braces ({exc})")
            continue
        bad = [f for f in fields if not f.isidentifier()]
        if bad:
            found.append(f"{where}: variant {number} has placeholders that are not plain names: {bad}")
    if len({t for t in texts if isinstance(t, str)}) < len(texts):
        found.append(f"{where}: two variants are identical")
    return found


def _check_responses(entries: list[ScriptEntry], actions: dict[str, dict[str, str]], problems: list[str]) -> None:
    """Rules across the entries of one response: one act, one step, one speaker, distinct keys, a default."""
    known_speakers = {name for section in actions.values() for name in section}
    by_response: dict[str, list[ScriptEntry]] = {}
    for entry in entries:
        by_response.setdefault(entry.response, []).append(entry)
        if entry.uttered_by is not None and entry.uttered_by not in known_speakers:
            problems.append(f"{entry.source}: uttered_by {entry.uttered_by!r} is not an action in {ACTIONS_FILE}")
        for speaker in sorted(set(entry.said_on_failure_by) - known_speakers):
            problems.append(f"{entry.source}: said_on_failure_by {speaker!r} is not an action in {ACTIONS_FILE}")
        used = {field for variant in entry.variants for field in placeholders(variant)}
        unused = set(entry.fills) - used
        if unused:
            problems.append(f"{entry.source}: `fills` names placeholders no variant uses: {sorted(unused)}")
    for group in by_response.values():
        where = group[0].source
        for attribute in ("act", "step", "uttered_by", "said_on_failure_by"):
            values = {getattr(e, attribute) for e in group}
            if len(values) > 1:
                problems.append(f"{where}: the entries of this response disagree on {attribute}: "
                                f"{sorted(map(str, values))}")
        keys = [e.key() for e in group]
        if len(set(keys)) < len(keys):
            problems.append(f"{where}: two entries of this response have the same reason, need and `when`")
        if not any(e.is_default for e in group) and (len(group) > 1 or group[0].when):
            problems.append(
                f"{where}: a response with conditional entries needs one entry with reason and need `any` and no "
                "`when`, the line Rasa says when no condition matches"
            )
