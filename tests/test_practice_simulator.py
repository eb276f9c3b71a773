"""The simulated customer: a profile that fits the reason, words that fit the profile and read back as meant,
agenda-based reactions to the trainee's acts, and the same call for the same seed and replies."""

from __future__ import annotations

import asyncio
import dataclasses
from decimal import ROUND_HALF_UP, Decimal
from collections.abc import Iterator

import pytest

from bot import taxonomy
from bot.db.session import session_scope
from bot.flow.offer_policy import KEEP_NUMBER_TYPE
from bot.practice.acts import ReplyActs, Violation
from bot.practice.call import CallState, PracticeEngine
from bot.practice.lines import LineBook, load_rules
from bot.practice.offers import OfferMention, suitable_codes
from bot.practice.profile import COMPETITORS, DESTINATIONS
from bot.practice.scenario import ScenarioSpec, library, random_spec, spec_from_choice
from bot.practice.simulator import HANG_UP_MOOD, START_MOOD, Simulator
from practice_testing import PRACTICE_DAY, play, practice_engine

PROBING_CALL = [
    "您好，方便说说是什么原因吗？",
    "还有别的原因吗？",
    "能具体说说吗？",
    "非常理解您的心情。",
    "给您推荐一个更合适的套餐。",
    "那就这样，再见。",
]


@pytest.fixture(scope="module")
def engine() -> PracticeEngine:
    return practice_engine()


def prepared(engine: PracticeEngine, url: str, spec: ScenarioSpec) -> tuple[CallState, Simulator]:
    with session_scope(url) as session:
        state, facts = engine.prepare(session, spec, PRACTICE_DAY)
    return state, engine._simulator(state, facts)  # noqa: SLF001 - the reactions are what is under test


def reply(*acts: str, time_frame: str | None = None, closing: bool = False) -> ReplyActs:
    violations = tuple(Violation(act, "……", None) for act in acts if act in ("agent_argue", "agent_overpromise",
                                                                            "agent_disparage"))
    return ReplyActs(
        text="……", acts=acts, clauses=(), violations=violations, time_frame=time_frame, probes=(),
        self_intro=False, closing=closing, proposing_words=False,
    )


# --- the library and the profile ---------------------------------------------------------------------------


def test_the_library_covers_every_reason_need_and_difficulty() -> None:
    specs = library().scenarios
    needs, difficulties = ("emotional", "rational"), ("easy", "medium", "hard")
    assert {(s.reason, s.need, s.difficulty) for s in specs} == {
        (r, n, d) for r in taxonomy.reason_intents() for n in needs for d in difficulties
    }
    assert all(s.polite_reason is None for s in specs if s.difficulty == "easy")
    assert all(s.polite_reason not in (None, s.reason) for s in specs if s.difficulty != "easy")


def library_specs() -> Iterator[ScenarioSpec]:
    yield from (s for s in library().scenarios if s.difficulty == "medium")


@pytest.mark.parametrize("spec", list(library_specs()), ids=lambda s: s.id)
def test_the_profile_fits_the_reason(engine: PracticeEngine, dialogue_database_url: str, spec: ScenarioSpec) -> None:
    with session_scope(dialogue_database_url) as session:
        state, facts = engine.prepare(session, spec, PRACTICE_DAY)
    profile = state.profile
    assert profile.monthly_cost is not None
    if spec.reason == "reason_competitor_offer":
        assert profile.competitor in COMPETITORS
        assert profile.competitor_price is not None and profile.competitor_price < profile.monthly_cost
    if spec.reason == "reason_relocation":
        assert profile.destination in DESTINATIONS and profile.destination != profile.city
    if spec.reason == "reason_price_high":
        assert profile.monthly_cost >= 60
    if spec.reason == "reason_low_usage":
        assert profile.light
    if spec.reason == "reason_contract_end":
        assert profile.contract_end is not None and abs((profile.contract_end - PRACTICE_DAY).days) <= 60
    strategy = engine.strategies.of(spec.reason)
    assert strategy is not None
    if not strategy.fix and strategy.offer_types:  # a reason an offer answers: the customer can be retained
        assert suitable_codes(facts, engine.strategies, spec.reason, first=True)


@pytest.mark.parametrize("spec", list(library_specs()), ids=lambda s: s.id)
def test_the_words_fit_the_profile(engine: PracticeEngine, dialogue_database_url: str, spec: ScenarioSpec) -> None:
    state, _ = prepared(engine, dialogue_database_url, spec)
    profile, rules = state.profile, load_rules()
    book = LineBook(profile, spec.seed)
    lines = [line for need in ("emotional", "rational") for line in book.candidates(spec.reason, need)]
    assert lines, "the customer has something to say about their reason"
    values = [profile.monthly_cost, profile.plan_fee, profile.competitor_price, profile.overcharge]
    # a sum said loosely (「30多块」) is said in tens
    whole = [int(Decimal(v).quantize(Decimal(1), rounding=ROUND_HALF_UP)) for v in values if v is not None]
    allowed = {text for v in whole for text in (str(v), str(v // 10 * 10))}
    for line in lines:
        if not profile.has_broadband:
            assert not rules.fit["broadband"].search(line), line
        assert not rules.fit["abroad"].search(line), line
        for city in rules.cities.findall(line):
            assert city == (profile.destination if spec.reason == "reason_relocation" else profile.city), line
        for match in rules.money[0].finditer(line):
            assert match.group("num") in allowed, (line, allowed)
        if spec.reason == "reason_competitor_offer":
            named = {short for short in COMPETITORS.values() if short in line}
            assert named <= {profile.competitor_short}, line


def test_a_yes_says_neither_who_is_speaking_nor_a_product(engine: PracticeEngine, dialogue_database_url: str) -> None:
    """「对，是我」 answered a promise to call back: nobody asks the simulated customer who they are."""
    spec = next(iter(library_specs()))
    state, _ = prepared(engine, dialogue_database_url, spec)
    book = LineBook(state.profile, spec.seed)
    yeses = [line for need in ("none", "rational", "emotional") for line in book.candidates("affirm", need)]
    assert yeses and not {"对，是我", "没错，是我", "嗯，机主就是我"} & set(yeses)
    assert not any("是我" in line or "千兆" in line for line in yeses), yeses


def test_data_amounts_household_and_english_that_contradict_the_call_are_never_said(
    engine: PracticeEngine, dialogue_database_url: str
) -> None:
    spec = next(iter(library_specs()))
    state, _ = prepared(engine, dialogue_database_url, spec)
    profile = state.profile.copy(update={"dou_mb": 7 * 1024, "competitor_short": "联通", "contract_end": PRACTICE_DAY})
    examples = {
        ("reason_price_high", "rational"): (
            "跑外卖一天到晚开导航，流量一个月四十多G，现在这个套餐负担太重",
            "一个月流量也就8个G，套餐费太高了",
            "家里四个号每月快四百了，太贵",
            "一个月79我都嫌贵，有没有50块以内的",
        ),
        ("reason_contract_end", "rational"): ("iPhone16买的时候顺便办的合约，到期了不续",),
        ("reason_competitor_offer", "rational"): ("联通那边19块就有30G，你们这个太贵了",),
        ("goodbye", "none"): ("see you", "那先这样，再见"),
        ("request_cancel", "none"): ("号码都没开过机 注销", "麻烦帮我办一下销户手续"),
    }
    book = LineBook(profile, spec.seed, examples=examples)
    assert book.candidates("reason_price_high", "rational") == ["一个月流量也就8个G，套餐费太高了"]
    heavy = LineBook(profile.copy(update={"mou": 562, "dou_mb": 70 * 1024}), spec.seed, examples=examples)
    assert heavy.candidates("request_cancel", "none") == ["麻烦帮我办一下销户手续"]
    assert [line for line in book.candidates("reason_competitor_offer", "rational") if "30G" in line]
    assert book.candidates("goodbye", "none") == ["那先这样，再见"]
    contract = book.candidates("reason_contract_end", "rational")
    assert contract and all(profile.device_model in line for line in contract), contract


def test_every_line_said_reads_back_as_meant(engine: PracticeEngine, dialogue_database_url: str) -> None:
    """What the simulator says, parsed again by the customer model (not from the read-back cache): at least 95 %
    is the intent and need the simulator meant."""
    said = []
    for seed in range(6):
        call = play(engine, dialogue_database_url, random_spec(seed), PROBING_CALL)
        said += [(t.evidence.customer_intent, t.evidence.customer_need, t.customer) for t in call.turns]
        said += [(t.answer.intent, t.answer.need, t.answer.text) for t in call.turns[-1:]]
    parser = engine.readback.parser
    agree = sum(
        (parsed := asyncio.run(parser.parse(text)))["intent"]["name"] == intent and parsed["need"]["name"] == need
        for intent, need, text in said
    )
    assert agree / len(said) >= 0.95, said


def test_a_line_the_model_reads_otherwise_is_never_said(engine: PracticeEngine, dialogue_database_url: str) -> None:
    spec = spec_from_choice(reason="reason_price_high", need="rational", difficulty="easy", seed=3)
    state, simulator = prepared(engine, dialogue_database_url, spec)
    misread = "谢谢你们这些年的服务"  # a thank-you, offered as the only rational price complaint
    examples = {**simulator.book.examples, ("reason_price_high", "rational"): (misread,)}
    book = LineBook(state.profile, spec.seed, examples=examples)
    simulator = Simulator(spec, simulator.facts, engine.strategies, book, engine.readback, state.customer)
    line = asyncio.run(simulator.say("reason_price_high", "rational"))
    assert line.text != misread
    assert (line.intent, line.need) != ("reason_price_high", "rational")  # the next need was said instead
    assert asyncio.run(engine.readback.read(line.text)).means(line.intent, line.need)

# --- reactions ------------------------------------------------------------------------------------------------


def test_probing_reveals_the_polite_reason_then_the_real_one(
    engine: PracticeEngine, dialogue_database_url: str
) -> None:
    spec = spec_from_choice(reason="reason_network_quality", need="rational", difficulty="hard", seed=5)
    _, simulator = prepared(engine, dialogue_database_url, spec)
    probe = reply("agent_probe")
    assert simulator.react(probe, None)[0] == spec.polite_reason
    assert simulator.state.layer == 1
    assert simulator.react(probe, None)[0] == "request_cancel"  # hard: an evasion first
    assert simulator.react(probe, None) == (spec.reason, "rational")
    assert simulator.state.reason_known
    assert simulator.react(probe, None) == (spec.reason, "rational")  # details
    assert simulator.state.layer == 3


def test_empathy_calms_an_emotional_customer_and_a_rational_one_wants_action(
    engine: PracticeEngine, dialogue_database_url: str
) -> None:
    emotional = spec_from_choice(reason="reason_poor_service", need="emotional", temperament="angry", seed=1)
    _, simulator = prepared(engine, dialogue_database_url, emotional)
    simulator.react(reply("agent_probe"), None)
    simulator.react(reply("agent_empathize"), None)
    assert simulator.state.heard and simulator.state.mood < START_MOOD["angry"]

    rational = spec_from_choice(reason="reason_billing_error", need="rational", difficulty="easy", seed=1)
    _, simulator = prepared(engine, dialogue_database_url, rational)
    simulator.react(reply("agent_probe"), None)
    assert simulator.react(reply("agent_empathize"), None) == ("reason_billing_error", "rational")
    assert simulator.react(reply("agent_commit"), None) == ("ask_ticket_progress", "rational")  # 「具体什么时候？」
    assert not simulator.state.action
    simulator.react(reply("agent_commit", time_frame="明天18:00前"), None)
    assert simulator.state.action and simulator.state.fix_agreed


def test_offers_are_judged_by_timing_suitability_and_need(engine: PracticeEngine, dialogue_database_url: str) -> None:
    spec = spec_from_choice(reason="reason_price_high", need="emotional", difficulty="easy", temperament="calm", seed=2)
    state, simulator = prepared(engine, dialogue_database_url, spec)
    facts = simulator.facts
    good = suitable_codes(facts, engine.strategies, spec.reason, first=True)[0]
    bad = next(o for o in facts.offers if o not in suitable_codes(facts, engine.strategies, spec.reason, first=False))
    as_mentioned = {o.code: OfferMention(o.code, o.name, o in (good,), False) for o in (good, bad)}
    propose = reply("agent_propose")
    assert simulator.react(propose, as_mentioned[good.code])[0] == "reject_offer"  # before the reason is known
    simulator.react(reply("agent_probe"), None)
    assert simulator.react(propose, as_mentioned[good.code])[0] in ("reject_offer", "request_cancel")  # not heard
    simulator.react(reply("agent_empathize"), None)
    assert simulator.react(propose, as_mentioned[bad.code])[0] in ("reject_offer", "request_cancel")
    assert bad.code in simulator.state.refused
    assert simulator.react(propose, as_mentioned[good.code]) == ("accept_offer", "none")
    assert simulator.state.accepted == good.code
    simulator.react(reply("agent_close", closing=True), None)
    assert simulator.state.ended and simulator.state.outcome == "retained"


def test_violations_anger_then_a_supervisor_then_a_hang_up(engine: PracticeEngine, dialogue_database_url: str) -> None:
    spec = spec_from_choice(reason="reason_competitor_offer", need="emotional", temperament="impatient", seed=4)
    _, simulator = prepared(engine, dialogue_database_url, spec)
    mood = simulator.state.mood
    assert simulator.react(reply("agent_disparage"), None)[1] == "emotional"
    assert simulator.state.mood > mood and simulator.state.distrust > 0
    intents = [simulator.react(reply("agent_argue"), None)[0] for _ in range(3) if not simulator.state.ended]
    assert "request_human" in intents
    assert simulator.state.ended and simulator.state.outcome == "escalated"
    assert simulator.state.mood >= HANG_UP_MOOD or simulator.state.asked_supervisor


def insisting_customer(engine: PracticeEngine, url: str) -> Simulator:
    """A relocating customer who turned down two offers that did not fit and now insists on leaving."""
    spec = spec_from_choice(reason="reason_relocation", need="rational", difficulty="easy", seed=6)
    _, simulator = prepared(engine, url, spec)
    simulator.react(reply("agent_probe"), None)
    simulator.react(reply("agent_propose"), OfferMention("X", "某方案", False, False, "不适合"))
    simulator.react(reply("agent_propose"), OfferMention("Y", "另一个方案", False, False, "不适合"))
    assert simulator.state.insisting
    return simulator


def test_a_keep_number_advice_keeps_an_insisting_customer(engine: PracticeEngine, dialogue_database_url: str) -> None:
    simulator = insisting_customer(engine, dialogue_database_url)
    assert simulator.react(reply("agent_retain_number"), None) == ("accept_offer", "none")
    simulator.react(reply("agent_close", closing=True), None)
    assert simulator.state.outcome == "kept_number"


def test_a_keep_number_plan_the_customer_cannot_have_is_not_taken(
    engine: PracticeEngine, dialogue_database_url: str
) -> None:
    """Trial of 7 December: 「8元保号套餐」, ineligible in the contract term, was accepted and scored 保号留网."""
    simulator = insisting_customer(engine, dialogue_database_url)
    plan = next(o for o in simulator.facts.offers if o.type == KEEP_NUMBER_TYPE)
    out_of_reach = dataclasses.replace(plan, eligible=False, why_not=("协议期内不可办理",))
    simulator.facts = dataclasses.replace(
        simulator.facts, offers=tuple(out_of_reach if o is plan else o for o in simulator.facts.offers)
    )
    mention = OfferMention(plan.code, plan.name, False, True, "协议期内不可办理")
    assert simulator.react(reply("agent_retain_number"), mention)[0] in ("reject_offer", "request_cancel")
    assert not simulator.state.kept_number and plan.code in simulator.state.refused
    assert simulator.react(reply("agent_retain_number"), None) == ("accept_offer", "none")  # plain advice still keeps

# --- determinism ----------------------------------------------------------------------------------------------

REPLIES = [
    "您好，我是客服小王，请问您为什么想销户呢？",
    "除了这个，还有别的原因吗？",
    "非常理解您的心情，给您添麻烦了。",
    "我明天下午6点前给您回电话，告诉您处理结果。",
    "感谢您的耐心，祝您生活愉快，再见！",
]


def test_the_same_seed_and_replies_give_the_same_call(engine: PracticeEngine, dialogue_database_url: str) -> None:
    spec = random_spec(2026)
    first = play(engine, dialogue_database_url, spec, REPLIES)
    second = play(engine, dialogue_database_url, spec, REPLIES)
    assert first.state.json() == second.state.json()
    assert [t.json() for t in first.turns] == [t.json() for t in second.turns]
    other = play(engine, dialogue_database_url, random_spec(2027), REPLIES)
    assert other.state.transcript != first.state.transcript
