"""The rubric on whole calls: for every leave reason × need a well-run call scores at least 70 and a poor one at
most 50, 25 points apart; each violation costs its penalty; the score is a pure function of the evidence.

The well-run trainee says, every turn, the model answer of the script corpus for what the flow expects (the
corpus is written from the seeds); the poor one proposes before asking, argues, over-promises and disparages —
or, without a single violation, only proposes without asking. The independent pairs (written before the scorer
by someone who had not seen it) are in tests/test_practice_pairs.py.
"""

from __future__ import annotations

import asyncio

import pytest

from bot import taxonomy
from bot.db.session import session_scope
from bot.practice.call import PracticeEngine
from bot.practice.scenario import spec_from_choice
from bot.practice.scorer import rubric, score
from practice_testing import PRACTICE_DAY, play, practice_engine

GOOD, POOR, GAP = 70, 50, 25
MAX_TURNS = 10
POOR_REPLIES = [
    "您好，给您推荐升级5G畅享199元套餐，流量多多，您办一个吧。",
    "这是您自己的问题，跟我们没关系。",
    "我保证以后永远不会再出任何问题。",
    "联通的套餐都是骗人的，信号也是垃圾。",
    "那就这样吧，再见。",
]
PUSHY_REPLIES = [  # no violation at all: only selling before asking
    "您好，给您推荐升级5G畅享199元套餐，流量多多，您办一个吧。",
    "我们还有全家享199元融合套餐，主副卡加宽带，很划算。",
    "那就这样吧，再见。",
]
CASES = [(reason, need) for reason in taxonomy.reason_intents() for need in ("emotional", "rational")]


@pytest.fixture(scope="module")
def engine() -> PracticeEngine:
    return practice_engine()


async def _model_call(engine: PracticeEngine, url: str, reason: str, need: str) -> float:
    spec = spec_from_choice(reason=reason, need=need, difficulty="medium", seed=7)
    with session_scope(url) as session:
        state, facts = engine.prepare(session, spec, PRACTICE_DAY)
    await engine.open(state, facts)
    for _ in range(MAX_TURNS):
        if state.ended:
            break
        await engine.reply(state, facts, engine.hint(state, facts))
    return engine.report(state).score.score


@pytest.mark.parametrize(("reason", "need"), CASES)
def test_a_well_run_call_scores_well_and_a_poor_one_badly(
    engine: PracticeEngine, dialogue_database_url: str, reason: str, need: str
) -> None:
    good = asyncio.run(_model_call(engine, dialogue_database_url, reason, need))
    spec = spec_from_choice(reason=reason, need=need, difficulty="medium", seed=7)
    poor = play(engine, dialogue_database_url, spec, POOR_REPLIES).report
    pushy = play(engine, dialogue_database_url, spec, PUSHY_REPLIES).report
    assert good >= GOOD
    assert poor.score.score <= POOR and pushy.score.score <= POOR
    assert good - max(poor.score.score, pushy.score.score) >= GAP
    assert {p.act for p in poor.score.penalties} >= {"agent_argue", "agent_overpromise"}


def test_each_violation_costs_its_penalty_in_the_turn_it_was_made(
    engine: PracticeEngine, dialogue_database_url: str
) -> None:
    spec = spec_from_choice(reason="reason_price_high", need="rational", difficulty="easy", seed=11)
    polite = [
        "您好，我是客服小王，请问您想销户是什么原因呢？",
        "理解您，不过这个资费是您自己选的，怪不了我们。",  # argue inside a polite reply
        "感谢您的耐心，换了套餐我保证您再也不会觉得贵。",  # over-promise
    ]
    call = play(engine, dialogue_database_url, spec, polite)
    penalties = {(p.act, p.turn) for p in call.report.score.penalties}
    assert ("agent_argue", 2) in penalties
    assert ("agent_overpromise", 3) in penalties or call.state.customer.ended
    rules = rubric()
    earned = sum(p.points for p in call.report.score.breakdown)
    charged = sum(rules.violation(act).penalty for act, _ in penalties)
    assert call.report.score.score == max(0, round(earned - charged, 1))


def test_the_score_is_a_function_of_the_evidence(engine: PracticeEngine, dialogue_database_url: str) -> None:
    spec = spec_from_choice(reason="reason_network_quality", need="emotional", seed=3)
    call = play(engine, dialogue_database_url, spec, POOR_REPLIES[:2])
    again = score(
        call.state.evidence, need="emotional", fix_reason=True, insisted=call.state.customer.insisting
    )
    assert again == call.report.score
    without_violations = [t.copy(update={"violations": []}) for t in call.state.evidence]
    relieved = score(without_violations, need="emotional", fix_reason=True, insisted=call.state.customer.insisting)
    assert relieved.score >= call.report.score.score and relieved.penalties == []


def test_every_rubric_point_quotes_a_seed_and_the_points_add_up_to_100() -> None:
    rules = rubric()
    for need in ("emotional", "rational"):
        assert sum(c.points for point in rules.points for c in point.applicable(need)) == 100
    assert all(point.quote and point.seed for point in rules.points)
    assert {v.id for v in rules.violations} == {"agent_argue", "agent_overpromise", "agent_disparage"}


def test_the_rubric_document_quotes_every_point_and_violation() -> None:
    from bot.config import get_settings

    document = (get_settings().project_root / "docs" / "PRACTICE_RUBRIC.md").read_text(encoding="utf-8")
    rules = rubric()
    for item in (*rules.points, *rules.violations):
        assert item.title in document
        for sentence in item.quote.replace(" ", "").split("。"):
            assert sentence in document.replace(" ", ""), sentence


def test_a_customer_porting_out_is_not_owed_the_keep_number_advice(
    engine: PracticeEngine, dialogue_database_url: str
) -> None:
    """携号转网 takes the number along (practice trial of 7 December: 0/5 and 「建议保号」 feedback every turn)."""
    spec = spec_from_choice(reason="reason_competitor_offer", need="rational", seed=2)
    call = play(engine, dialogue_database_url, spec, ["您好，我是客服小王，请问您为什么想走呢？", "好的，再见。"])

    def keep_number_points(porting: bool) -> tuple[float, str]:
        turns = [t.copy(update={"porting": porting, "insisting": True}) for t in call.state.evidence]
        result = score(turns, need="rational", fix_reason=False, insisted=True)
        criterion = next(c for point in result.breakdown for c in point.criteria if c.id == "keep_number")
        return criterion.points, criterion.note

    assert keep_number_points(porting=False)[0] == 0
    assert keep_number_points(porting=True) == (5, "客户携号转网，号码跟着走，不需要建议保号")


def test_compensation_nobody_asked_for_is_an_over_promise(engine: PracticeEngine, dialogue_database_url: str) -> None:
    """Practice trial of 7 December: 「我直接给您补偿100元话费，您别走了好吗？」 was read as empathy alone, no penalty."""
    spec = spec_from_choice(reason="reason_price_high", need="emotional", seed=16)
    call = play(engine, dialogue_database_url, spec, ["非常理解您的心情，我直接给您补偿100元话费，您别走了好吗？"])
    turn = call.state.evidence[0]
    assert call.state.evidence[0].customer_intent != "request_compensation"
    assert [(v["act"], v["cue"]) for v in turn.violations] == [("agent_overpromise", "补偿100元")]
    assert "agent_overpromise" in turn.acts and "agent_empathize" in turn.acts
    assert call.report.score.penalties, "the over-promise costs its penalty"


def test_a_customer_who_asked_for_compensation_may_hear_an_amount(
    engine: PracticeEngine, dialogue_database_url: str
) -> None:
    """The bot's own rule: compensation when the customer asks for it (then the catalogue decides the amount)."""

    async def answer_a_request_for_compensation() -> list[str]:
        spec = spec_from_choice(reason="reason_network_quality", need="rational", seed=3)
        with session_scope(dialogue_database_url) as session:
            state = engine.prepare(session, spec, PRACTICE_DAY)[0]
            facts = engine.facts(session, state)
        await engine.open(state, facts)
        asking = {"intent": "request_compensation", "text": "断网这么多天，得补偿我"}
        state.last_customer = state.last_customer.copy(update=asking)
        await engine.reply(state, facts, "给您申请话费补偿50元，审批后次月抵扣。")
        return [str(v["act"]) for v in state.evidence[0].violations]

    assert "agent_overpromise" not in asyncio.run(answer_a_request_for_compensation())
