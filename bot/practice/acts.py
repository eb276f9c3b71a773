"""What a trainee's reply does: its agent acts, clause by clause, and the violations in it.

A reply often does several things (「非常理解您的心情，方便说说是哪方面的问题吗？」 is empathize + probe), so it is cut
into clauses at sentence and comma marks (pieces too short to mean anything alone join the next one) and the
agent-act model reads each. Violations are also found by word cues (bot/practice/cues.yml): a violation inside
an otherwise polite reply still counts, and a costly penalty should not hang on one model reading. The reply's
concrete time frame, its kinds of question (open / focused) and a self-introduction are read by the same cues.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import yaml

from bot.corpus.model import FORBIDDEN_ACTS
from bot.nlu.text_normalization import normalize_text

CUES_FILE = Path(__file__).resolve().with_name("cues.yml")
SENTENCE_MARKS = re.compile(r"(?<=[。！？!?；;\n])")
CLAUSE_MARKS = re.compile(r"(?<=[，,、：:])")
SPACE_BETWEEN_WORDS = re.compile(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")  # 「你好 我是小张」: a comma
MIN_CLAUSE_CHARS = 8  # 「您好，」「明白，」「我想再确认一下，」 say nothing alone: they join the next piece
MIN_ACT_CONFIDENCE = 0.5  # below this a clause's act is not counted (unless no clause reaches it)
MIN_FALLBACK_CONFIDENCE = 0.3  # ... then the best clause counts if it reaches this
# A violation read by the model alone (no cue word) must be clear: it costs heavy points, and below this the model
# also reads plain facts (「月费比现在低」) as over-promises.
MIN_VIOLATION_CONFIDENCE = 0.8
CLOSING_CONFIDENCE = 0.9  # a closing clause this sure ends the call even without words of leave-taking
OUR_COMPANY = "中国电信"
OFFERING_ACTS = frozenset({"agent_propose", "agent_retain_number"})

# Short Chinese names of the acts, for feedback and reports.
ACT_LABELS: dict[str, str] = {
    "agent_greet": "问候/自我介绍",
    "agent_probe": "探询原因",
    "agent_empathize": "表达理解/共情",
    "agent_propose": "提出方案",
    "agent_compare": "客观对比",
    "agent_retain_number": "建议保号",
    "agent_commit": "承诺跟进",
    "agent_close": "结束语",
    "agent_argue": "与客户争执",
    "agent_overpromise": "过度承诺",
    "agent_disparage": "诋毁竞争对手",
}


class Parser(Protocol):
    async def parse(self, text: str) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Clause:
    text: str
    act: str
    confidence: float


@dataclass(frozen=True)
class Violation:
    act: str
    text: str  # the sentence it is in
    cue: str | None  # the words that gave it away; None when the model read it


@dataclass(frozen=True)
class ReplyActs:
    """One reply as the coach reads it."""

    text: str
    acts: tuple[str, ...]  # every act, in the order they first appear; violations included
    clauses: tuple[Clause, ...]
    violations: tuple[Violation, ...]
    time_frame: str | None  # the concrete time named (「明天下午6点前」), if any
    probes: tuple[str, ...]  # "open" / "focused" for each probing clause, in order
    self_intro: bool
    closing: bool  # the reply ends the call: its last clause closes and takes leave
    proposing_words: bool  # words that put an offer (「建议您改签…」), for a proposal the model missed

    def has(self, act: str) -> bool:
        return act in self.acts

    def with_act(self, act: str) -> ReplyActs:
        """The same reading with `act` added (the call adds a proposal it recognised by the offer named)."""
        return replace(self, acts=tuple(dict.fromkeys([*self.acts, act])))


# What follows a time that describes usage or a past moment rather than a deadline.
_DESCRIBED_BY_WHAT_FOLLOWS = re.compile(r"\s*(的|通话|流量|短信|语音)")
_DEADLINE_ENDINGS = ("内", "前", "后")


@dataclass(frozen=True)
class Cues:
    violations: dict[str, tuple[re.Pattern[str], ...]]
    competitors: re.Pattern[str]
    time_frame: tuple[re.Pattern[str], ...]
    open_probe: re.Pattern[str]
    focused_probe: re.Pattern[str]
    self_intro: re.Pattern[str]
    farewell: re.Pattern[str]
    propose: re.Pattern[str]
    keep_number: re.Pattern[str]
    question: re.Pattern[str]
    compensation_amount: re.Pattern[str]

    def violation_cues(self, sentence: str) -> list[tuple[str, str]]:
        """(act, cue words) of every violation cue in one sentence; disparaging needs a competitor named in it."""
        found = []
        for act, patterns in self.violations.items():
            if act == "agent_disparage" and not self.competitors.search(sentence):
                continue
            for pattern in patterns:
                match = pattern.search(sentence)
                if match:
                    found.append((act, match.group(0)))
                    break
        return found

    def time_frame_in(self, text: str) -> str | None:
        """The deadline a reply commits to: a time described by what follows it (「200分钟通话」, 「今天上午的通话」)
        is usage or the past; among the rest one that ends in 内/前/后 wins, then the first."""
        found = [
            m
            for pattern in self.time_frame
            for m in pattern.finditer(text)
            if not _DESCRIBED_BY_WHAT_FOLLOWS.match(text, m.end())
        ]
        if not found:
            return None
        best = min(found, key=lambda m: (not m.group(0).endswith(_DEADLINE_ENDINGS), m.start()))
        return best.group(0)

    def asks_only(self, clause: Clause) -> bool:
        """A question read as an offer that offers nothing: 「这个号码上还绑着银行卡、微信这些吗？」."""
        return (
            clause.act in OFFERING_ACTS
            and bool(self.question.search(clause.text))
            and not self.propose.search(clause.text)
            and not self.keep_number.search(clause.text)
        )

    def probe_kind(self, clause: str) -> str:
        if self.open_probe.search(clause):
            return "open"
        return "focused" if self.focused_probe.search(clause) else "open"


def _any_of(patterns: Iterable[str]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p) for p in patterns)


def _competitor_pattern(gazetteer: Path) -> re.Pattern[str]:
    spec = yaml.safe_load(gazetteer.read_text(encoding="utf-8"))
    names = {
        str(phrase).lower()
        for canonical, phrases in spec["competitor"]["phrases"].items()
        if canonical != OUR_COMPANY
        for phrase in (canonical, *phrases)
    }
    names |= {"他们", "那家", "对方"}  # 「他们那种便宜卡都是虚标」: the competitor the customer named
    return re.compile("|".join(sorted(map(re.escape, names), key=len, reverse=True)))


@lru_cache(maxsize=1)
def load_cues(path: Path = CUES_FILE) -> Cues:
    from bot.config import get_settings

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Cues(
        violations={act: _any_of(patterns) for act, patterns in data["violations"].items()},
        competitors=_competitor_pattern(get_settings().nlu_data_dir / "gazetteer.yml"),
        time_frame=_any_of(data["time_frame"]),
        open_probe=re.compile(data["probes"]["open"]),
        focused_probe=re.compile(data["probes"]["focused"]),
        self_intro=re.compile(data["self_intro"]),
        farewell=re.compile(data["farewell"]),
        propose=re.compile(data["propose"]),
        keep_number=re.compile(data["keep_number"]),
        question=re.compile(data["question"]),
        compensation_amount=re.compile(data["compensation_amount"]),
    )


def sentences(text: str) -> list[str]:
    return [piece.strip() for piece in SENTENCE_MARKS.split(text) if piece.strip()]


def clauses(text: str) -> list[str]:
    """The reply cut at sentence and comma marks; a piece shorter than MIN_CLAUSE_CHARS joins the next one."""
    pieces: list[str] = []
    for sentence in sentences(text):
        carry = ""
        for part in CLAUSE_MARKS.split(SPACE_BETWEEN_WORDS.sub("，", sentence)):
            carry += part
            if len(carry.strip("，,、：: ")) >= MIN_CLAUSE_CHARS:
                pieces.append(carry.strip())
                carry = ""
        if carry.strip():
            if pieces and len(carry.strip("。！？!?；; ")) < MIN_CLAUSE_CHARS:
                pieces[-1] += carry.strip()
            else:
                pieces.append(carry.strip())
    return pieces


class ActReader:
    """Reads replies with the agent-act model (loaded once by the caller) and the cues."""

    def __init__(self, parser: Parser, cues: Cues | None = None) -> None:
        self.parser = parser
        self.cues = cues or load_cues()

    async def read(self, text: str, *, compensation_asked: bool = True) -> ReplyActs:
        """`compensation_asked`: the customer asked for compensation in this call; if not, an amount of it offered
        is an over-promise (seed 000 不做过多承诺; the bot itself offers none unasked)."""
        normalized = normalize_text(text)
        parsed: list[Clause] = []
        for piece in clauses(normalized):
            intent = (await self.parser.parse(piece))["intent"]
            clause = Clause(piece, intent["name"], float(intent["confidence"]))
            parsed.append(replace(clause, act="agent_probe") if self.cues.asks_only(clause) else clause)
        counted = [c for c in parsed if c.confidence >= MIN_ACT_CONFIDENCE and c.act not in FORBIDDEN_ACTS]
        if not counted and parsed:
            best = max(parsed, key=lambda c: c.confidence)
            if best.confidence >= MIN_FALLBACK_CONFIDENCE and best.act not in FORBIDDEN_ACTS:
                counted = [best]
        violations = self._violations(normalized, parsed, compensation_asked=compensation_asked)
        acts = [c.act for c in counted] + [v.act for v in violations]
        last = parsed[-1] if parsed else None
        closing = (
            last is not None
            and last in counted
            and last.act == "agent_close"
            and (last.confidence >= CLOSING_CONFIDENCE or bool(self.cues.farewell.search(sentences(normalized)[-1])))
        )
        return ReplyActs(
            text=text,
            acts=tuple(dict.fromkeys(acts)),
            clauses=tuple(parsed),
            violations=tuple(violations),
            time_frame=self.cues.time_frame_in(normalized),
            probes=tuple(self.cues.probe_kind(c.text) for c in counted if c.act == "agent_probe"),
            self_intro=bool(self.cues.self_intro.search(normalized)),
            closing=closing,
            proposing_words=bool(self.cues.propose.search(normalized)),
        )

    def _violations(self, text: str, parsed: list[Clause], *, compensation_asked: bool) -> list[Violation]:
        """One per violation act: by cue in any sentence, else by a clear model reading of one clause (a polite
        clause beside it does not dilute it), else by an amount of compensation nobody asked for."""
        found: dict[str, Violation] = {}
        for sentence in sentences(text):
            for act, cue in self.cues.violation_cues(sentence):
                found.setdefault(act, Violation(act, sentence, cue))
        for clause in parsed:
            if clause.act in FORBIDDEN_ACTS and clause.confidence >= MIN_VIOLATION_CONFIDENCE:
                found.setdefault(clause.act, Violation(clause.act, clause.text, None))
        if not compensation_asked:
            amount = next(
                (m for sentence in sentences(text) if (m := self.cues.compensation_amount.search(sentence))), None
            )
            if amount is not None:
                found.setdefault("agent_overpromise", Violation("agent_overpromise", amount.string, amount.group(0)))
        return list(found.values())
