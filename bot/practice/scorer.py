"""The rubric (bot/practice/rubric.yml): each turn's evidence, the feedback after every reply, the final score.

A call is judged from what happened in it, turn by turn (`TurnEvidence`: what the customer had said, what the
reply did, which offer it named and whether that suits the customer, what the flow expected); the score is a
pure function of that list, so a stored call can be scored again. Points and penalties, with the seed passage
of each: docs/PRACTICE_RUBRIC.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, Field

from bot.practice.acts import ACT_LABELS

RUBRIC_FILE = Path(__file__).resolve().with_name("rubric.yml")
PROPOSING_ACTS = frozenset({"agent_propose", "agent_retain_number"})
MAX_OFFERS = 2
LATE_EMPATHY = 8  # points of `empathy_first` when the empathy came only after the first solution


class Criterion(BaseModel):
    id: str
    points: int
    text: str
    need: str | None = None  # the criterion applies only to customers with this need


class RubricPoint(BaseModel):
    id: str
    title: str
    seed: str
    quote: str
    criteria: tuple[Criterion, ...]

    def applicable(self, need: str) -> list[Criterion]:
        return [c for c in self.criteria if c.need in (None, need)]


class ViolationRule(BaseModel):
    id: str
    title: str
    penalty: int
    seed: str
    quote: str


class Rubric(BaseModel):
    points: tuple[RubricPoint, ...]
    violations: tuple[ViolationRule, ...]

    def violation(self, act: str) -> ViolationRule:
        return next(rule for rule in self.violations if rule.id == act)


@lru_cache(maxsize=1)
def rubric(path: Path = RUBRIC_FILE) -> Rubric:
    return Rubric.parse_obj(yaml.safe_load(path.read_text(encoding="utf-8")))


class TurnEvidence(BaseModel):
    """One trainee reply and what it met."""

    turn: int
    text: str
    customer_intent: str
    customer_need: str
    first_reason_heard: bool  # before the reply the customer had given a reason (polite or real)
    reason_known: bool  # before the reply the real reason had been heard
    insisting: bool  # before the reply the customer insisted on leaving after offers
    porting: bool = False  # the customer said they port the number out (携号转网): it leaves with them
    acts: list[str]
    violations: list[dict[str, str | None]] = Field(default_factory=list)  # act, text, cue
    time_frame: str | None = None
    probes: list[str] = Field(default_factory=list)
    self_intro: bool = False
    closing: bool = False
    offer: str | None = None
    offer_name: str | None = None
    offer_suitable: bool | None = None
    offer_why_not: str | None = None
    keep_number_offer: bool = False
    expected_act: str | None = None
    expected_acts: list[str] = Field(default_factory=list)

    def has(self, act: str) -> bool:
        return act in self.acts

    @property
    def proposes(self) -> bool:
        return bool(PROPOSING_ACTS & set(self.acts))

    @property
    def solves(self) -> bool:
        """A proposal, or a commitment once the real reason is known (「我确认一下」 before it solves nothing)."""
        return self.proposes or (self.has("agent_commit") and self.reason_known)


class CriterionScore(BaseModel):
    id: str
    text: str
    points: float
    max: int
    note: str = ""


class PointScore(BaseModel):
    id: str
    title: str
    points: float
    max: int
    quote: str
    seed: str
    criteria: list[CriterionScore]


class Penalty(BaseModel):
    act: str
    title: str
    turn: int
    points: int
    text: str


class Score(BaseModel):
    score: float
    breakdown: list[PointScore]
    penalties: list[Penalty]
    flow_agreement: float | None  # share of replies that did the act the flow expected


class Feedback(BaseModel):
    good: list[str] = Field(default_factory=list)
    missing: list[str] = Field(default_factory=list)


# --- the score ------------------------------------------------------------------------------------------------


def _first(turns: list[TurnEvidence], test: Callable[[TurnEvidence], bool]) -> TurnEvidence | None:
    return next((t for t in turns if test(t)), None)


def _criterion(turns: list[TurnEvidence], cid: str, *, fix_reason: bool, insisted: bool) -> tuple[float, str]:
    """(share of the criterion earned, why), for one criterion id."""
    first = turns[0] if turns else None
    solution = _first(turns, lambda t: t.solves)
    proposal = _first(turns, lambda t: t.proposes)
    if cid == "greeting":
        return (1.0, "") if first and (first.has("agent_greet") or "您好" in first.text) else (0.0, "开场没有问候")
    if cid == "self_intro":
        return (1.0, "") if first and first.self_intro else (0.0, "开场没有自报身份")
    if cid == "probe_first":
        probe = _first(turns, lambda t: t.has("agent_probe"))
        if probe is None:
            return 0.0, "整通电话没有探询原因"
        if proposal is None or probe.turn < proposal.turn or proposal.reason_known:
            return 1.0, ""
        return 0.0, "先推荐了方案才问原因"
    if cid == "probe_deeper":
        deeper = _first(turns, lambda t: t.has("agent_probe") and t.first_reason_heard)
        return (1.0, "") if deeper else (0.0, "客户说出第一个原因后没有继续探询")
    if cid == "open_question":
        return (1.0, "") if any("open" in t.probes for t in turns) else (0.0, "没有开放式提问")
    if cid == "focused_question":
        opened = _first(turns, lambda t: "open" in t.probes)
        focused = [t for t in turns if "focused" in t.probes]
        if focused and (opened is None or any(t.turn >= opened.turn for t in focused)):
            return 1.0, ""
        return 0.0, "没有用聚焦式问题弄清细节"
    if cid == "empathy_first":
        empathy = _first(turns, lambda t: t.has("agent_empathize"))
        if empathy is None:
            return 0.0, "情感型客户，整通电话没有表达理解"
        if solution is None or empathy.turn <= solution.turn:
            return 1.0, ""
        return LATE_EMPATHY / 20, "先给了方案或承诺，之后才表达理解"
    if cid == "concrete_action":
        return _commitment(turns, partial=6 / 14)
    if cid == "acknowledge":
        return (1.0, "") if any(t.has("agent_empathize") for t in turns) else (0.0, "没有先确认客户的诉求")
    if cid == "solution":
        return _commitment(turns, partial=0.5) if fix_reason else _offer_solution(turns)
    if cid in ("timing", "restraint") and proposal is None:
        # Nothing offered: right for a fault that a promised fix answers, no free points for a call without any.
        fixed = fix_reason and _commitment(turns, partial=0.0)[0] > 0
        return (1.0, "") if fixed else (0.0, "没有给出解决办法")
    if cid == "timing":
        early = _first(turns, lambda t: t.proposes and not t.reason_known)
        return (0.0, f"第{early.turn}句：还不知道真实原因就推荐方案") if early else (1.0, "")
    if cid == "restraint":
        offers = {t.offer for t in turns if t.has("agent_propose") and t.offer and not t.keep_number_offer}
        unsuitable = _first(turns, lambda t: t.proposes and t.offer_suitable is False)
        if unsuitable is not None:
            return 0.0, f"第{unsuitable.turn}句推荐的方案不适合：{unsuitable.offer_why_not}"
        return (1.0, "") if len(offers) <= MAX_OFFERS else (0.0, f"推荐了{len(offers)}个方案")
    if cid == "keep_number":
        if not insisted:
            return 1.0, "客户没有执意要走"
        if any(t.porting for t in turns):
            return 1.0, "客户携号转网，号码跟着走，不需要建议保号"
        kept = _first(turns, lambda t: t.reason_known and (t.has("agent_retain_number") or t.keep_number_offer))
        return (1.0, "") if kept else (0.0, "客户执意要走，没有建议保号")
    if cid == "follow_up_time":
        return _commitment(turns, partial=0.5, anytime=True)
    if cid == "closing":
        if turns and turns[-1].closing:
            return 1.0, ""
        return (0.5, "说了结束语但通话没有结束") if any(t.has("agent_close") for t in turns) else (0.0, "没有结束语")
    raise KeyError(f"the scorer does not know the criterion {cid!r}")


def _commitment(turns: list[TurnEvidence], *, partial: float, anytime: bool = False) -> tuple[float, str]:
    commits = [t for t in turns if t.has("agent_commit") and (anytime or t.reason_known)]
    if any(t.time_frame for t in commits):
        return 1.0, ""
    return (partial, "承诺没有给出明确时限") if commits else (0.0, "没有承诺具体行动")


def _offer_solution(turns: list[TurnEvidence]) -> tuple[float, str]:
    good = _first(turns, lambda t: t.proposes and t.reason_known and t.offer_suitable)
    if good is not None:
        return 1.0, ""
    vague = _first(turns, lambda t: t.has("agent_propose") and t.reason_known and t.offer is None)
    return (0.5, "提出了方案但没有说具体是哪个") if vague else (0.0, "没有针对真实原因提出适合的方案")


def score(
    turns: list[TurnEvidence], *, need: str, fix_reason: bool, insisted: bool, rules: Rubric | None = None
) -> Score:
    """The call's score: every rubric point with its criteria, minus the penalties (never below 0); `insisted`:
    the customer insisted on leaving at some point (the keep-number advice is then due)."""
    rules = rules or rubric()
    breakdown = []
    for point in rules.points:
        criteria = []
        for criterion in point.applicable(need):
            share, note = _criterion(turns, criterion.id, fix_reason=fix_reason, insisted=insisted)
            criteria.append(
                CriterionScore(
                    id=criterion.id, text=criterion.text, points=round(share * criterion.points, 1),
                    max=criterion.points, note=note,
                )
            )
        breakdown.append(
            PointScore(
                id=point.id, title=point.title, points=round(sum(c.points for c in criteria), 1),
                max=sum(c.max for c in criteria), quote=point.quote, seed=point.seed, criteria=criteria,
            )
        )
    penalties = [
        Penalty(
            act=str(v["act"]), title=rules.violation(str(v["act"])).title, turn=t.turn,
            points=rules.violation(str(v["act"])).penalty, text=str(v.get("cue") or v.get("text") or ""),
        )
        for t in turns
        for v in t.violations
    ]
    total = sum(p.points for p in breakdown) - sum(p.points for p in penalties)
    judged = [t for t in turns if t.expected_act]
    agreement = sum(t.expected_act in t.acts for t in judged) / len(judged) if judged else None
    return Score(
        score=round(max(0.0, min(100.0, total)), 1),
        breakdown=breakdown,
        penalties=penalties,
        flow_agreement=round(agreement, 2) if agreement is not None else None,
    )


# --- feedback after each reply -------------------------------------------------------------------------------


def _labels(acts: Iterable[str]) -> str:
    return "、".join(ACT_LABELS.get(act, act) for act in acts)


def feedback(turn: TurnEvidence, earlier: list[TurnEvidence], *, need: str, rules: Rubric | None = None) -> Feedback:
    """What was good and what was missing in one reply, in the rubric's terms."""
    rules = rules or rubric()
    note = Feedback()
    solved_before = any(t.solves for t in earlier)
    heard_before = any(t.has("agent_empathize") for t in earlier)
    if turn.expected_act and turn.has(turn.expected_act):
        note.good.append(f"符合流程：此时应{ACT_LABELS.get(turn.expected_act, turn.expected_act)}")
    elif turn.expected_act:
        note.missing.append(f"流程此时建议：{_labels(turn.expected_acts or [turn.expected_act])}")
    if not turn.acts:
        note.missing.append("没有识别出这句话的作用，请说得更明确")
    if turn.turn == 1:
        if turn.has("agent_greet") or "您好" in turn.text:
            note.good.append("开场问候")
        if not turn.self_intro:
            note.missing.append("开场要自报身份（姓名、工号或客服身份）")
    if turn.has("agent_probe"):
        if turn.first_reason_heard:
            note.good.append("客户说出原因后继续深度探询")
        kinds = {"open": "开放式提问", "focused": "聚焦式提问"}
        note.good.extend(kinds[kind] for kind in dict.fromkeys(turn.probes))
    if turn.has("agent_empathize"):
        note.good.append("表达理解、安抚情绪")
    if turn.proposes and not turn.reason_known:
        note.missing.append("客户的真实原因还没弄清就推荐方案：先探询原因")
    if need == "emotional" and turn.solves and not (heard_before or turn.has("agent_empathize")) and not solved_before:
        note.missing.append("情感型客户：先表达理解，再给方案")
    if turn.has("agent_commit"):
        if turn.time_frame:
            note.good.append(f"承诺有明确时限：{turn.time_frame}")
        else:
            note.missing.append("承诺要给出具体时限（如「明天18:00前」）")
    if turn.offer_suitable:
        note.good.append(f"方案适合客户：{turn.offer_name}")
    elif turn.offer_suitable is False and turn.proposes:
        note.missing.append(f"方案不适合该客户：{turn.offer_why_not}")
    offers = {t.offer for t in [*earlier, turn] if t.has("agent_propose") and t.offer and not t.keep_number_offer}
    if turn.has("agent_propose") and len(offers) > MAX_OFFERS:
        note.missing.append("推荐的方案不要超过两个")
    keeps = turn.has("agent_retain_number") or turn.keep_number_offer
    if turn.insisting and keeps:
        note.good.append("客户执意要走时建议保号留网")
    elif (
        turn.insisting
        and not turn.porting
        and not any(t.has("agent_retain_number") or t.keep_number_offer for t in earlier)
    ):
        note.missing.append("客户执意要走：分析换号风险，建议保号留网")
    if turn.closing:
        note.good.append("礼貌结束通话")
    for violation in turn.violations:
        rule = rules.violation(str(violation["act"]))
        said = violation.get("cue") or violation.get("text")
        note.missing.append(f"违规：{rule.title}「{said}」（扣{rule.penalty}分）")
    return note
