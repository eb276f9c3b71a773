"""Corrections as training data, and a conversation as a Rasa test story.

`export_training` writes the newest correction of every corrected turn into one file per model,
`nlu_data/customer/corrections.yml` and `nlu_data/agent/corrections.yml`, rebuilt from the database each time
(so a correction changed twice leaves one example) and never touching another file: hand-written files keep their
comments. An example whose text (spaces and punctuation aside) is already anywhere else in the data under the
same label is skipped; under another label it is a conflict, reported and left out, because one text under
two labels teaches the model nothing but noise (tests/test_nlu_data_lint.py refuses it too).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import Conversation, Turn, TurnCorrection
from bot.nlu.dataset import Example, read_examples, write_examples
from bot.review.corrections import current_value

CORRECTIONS_FILE = "corrections.yml"
_PUNCTUATION = re.compile(r"[\s\W_]+", re.UNICODE)
# Bot actions a policy predicts in a test story; response names a custom action said are not predicted.
_STORY_ACTION_PREFIX = "action_"


def text_key(text: str) -> str:
    """Two examples that differ only in spaces and punctuation are the same example."""
    return _PUNCTUATION.sub("", text).lower()


@dataclass
class ExportReport:
    written: dict[str, int] = field(default_factory=dict)  # role -> examples in its corrections file
    duplicates: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _corrected_examples(session: Session) -> dict[str, list[Example]]:
    """role ("customer" / "agent") -> one example per corrected turn, with its current labels."""
    turn_ids = session.execute(select(TurnCorrection.turn_id).distinct()).scalars().all()
    examples: dict[str, list[Example]] = {"customer": [], "agent": []}
    for turn in session.execute(select(Turn).where(Turn.id.in_(turn_ids)).order_by(Turn.id)).scalars():
        source = f"turn {turn.id}"
        if turn.role == "customer":
            intent, need = current_value(session, turn, "intent"), current_value(session, turn, "need")
            if intent and need:
                examples["customer"].append(Example(turn.text.strip(), intent, need, source))
        elif turn.role == "trainee":
            act = current_value(session, turn, "act")
            if act:
                examples["agent"].append(Example(turn.text.strip(), act, None, source))
    return examples


def export_training(session: Session, nlu_dir: Path) -> ExportReport:
    """Rewrite each role's corrections file from the corrections in the database; see the module docstring."""
    report = ExportReport()
    for role, examples in _corrected_examples(session).items():
        target = nlu_dir / role / CORRECTIONS_FILE
        existing: dict[str, set[str]] = {}
        for example in read_examples([nlu_dir / role]):
            if Path(example.source).name != CORRECTIONS_FILE:
                existing.setdefault(text_key(example.text), set()).add(example.intent)
        kept: dict[str, Example] = {}
        for example in examples:
            key = text_key(example.text)
            labels = existing.get(key, set())
            if not key:
                report.skipped.append(f"{example.source}: no words to learn from")
            elif example.intent in labels:
                report.duplicates.append(f"{example.source}: 「{example.text}」 is already {example.intent}")
            elif labels:
                report.conflicts.append(
                    f"{example.source}: 「{example.text}」 corrected to {example.intent}, but the data has it as "
                    f"{', '.join(sorted(labels))}"
                )
            else:
                kept[key] = example  # the same text corrected in two turns: the later turn wins
        if kept:
            write_examples(kept.values(), target)
        elif target.exists():
            target.unlink()
        report.written[role] = len(kept)
    return report


def story_yaml(session: Session, conversation: Conversation) -> str:
    """The conversation as a Rasa test story: each customer message with its (corrected) intent, then the
    actions the bot ran; `rasa test core` replays it against the dialogue policies."""
    steps: list[dict[str, str]] = []
    turns = session.execute(select(Turn).where(Turn.conversation_id == conversation.id).order_by(Turn.seq)).scalars()
    for turn in turns:
        if turn.role == "customer":
            steps.append({"user": turn.text, "intent": current_value(session, turn, "intent") or "nlu_fallback"})
        elif turn.role == "bot":
            steps.extend(
                {"action": action} for action in turn.actions if str(action).startswith(_STORY_ACTION_PREFIX)
            )
    document = {"version": "3.1", "stories": [{"story": f"conversation {conversation.id}", "steps": steps}]}
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
