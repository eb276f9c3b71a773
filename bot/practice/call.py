"""One practice call: the scenario's customer speaks, the trainee replies, the coach judges, the customer reacts.

`PracticeEngine` holds what is loaded once (the agent-act model, the customer model's read-back cache, the
corpus, the strategies); `CallState` is everything a call needs to go on, as JSON, so the web call can continue
on any instance and the command line can replay one. A reply's turn: acts (model + cues) → expected act and
model answer (`decide` on the mirrored flow state) → the offer named, judged → evidence and feedback → the flow
state follows the trainee → the customer answers. Nothing is written to the database here (bot/practice/storage.py
does, and never tickets, offer history or outcomes for the real customer behind the profile).
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import date, datetime, time
from pathlib import Path

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from bot.corpus.lookup import default_corpus
from bot.corpus.model import ScriptCorpus
from bot.db.models import Customer
from bot.flow.facts import CustomerFacts, load_customer_facts
from bot.flow.promises import CHINA_TIME
from bot.flow.state import FlowState
from bot.flow.strategy import Strategies, strategies as default_strategies
from bot.practice.acts import ActReader, Parser
from bot.practice.coach import Coach
from bot.practice.lines import LineBook
from bot.practice.offers import mentioned_offer
from bot.practice.profile import Profile, build_profile, choose_customer
from bot.practice.readback import CustomerParser, ReadBack
from bot.practice.scenario import ScenarioSpec
from bot.practice.scorer import Feedback, Score, TurnEvidence, feedback, score
from bot.practice.simulator import CustomerLine, CustomerState, Simulator, finish, initial_state

# The notional time of every practice call (due times in model answers are quoted from it): the same seed and
# replies give the same output all day, whatever the clock says.
CALL_TIME = time(10, 0)
KEPT = 256  # calls whose customer facts and lines are kept in memory between replies
OUTCOME_LABELS: dict[str, str] = {
    "retained": "挽留成功",
    "kept_number": "保号留网",
    "lost": "客户流失",
    "escalated": "升级处理（客户要求主管）",
}


class CallEnded(RuntimeError):
    """A reply to a call that is over."""


class TranscriptLine(BaseModel):
    role: str  # customer / trainee
    text: str


class CallState(BaseModel):
    """A call as it stands: scenario, customer, both sides' state, the evidence so far, the transcript."""

    spec: ScenarioSpec
    profile: Profile
    today: date
    exam: bool = False  # exam mode: no feedback until the report
    customer: CustomerState
    flow: FlowState
    last_customer: CustomerLine
    evidence: list[TurnEvidence] = Field(default_factory=list)
    transcript: list[TranscriptLine] = Field(default_factory=list)

    @property
    def ended(self) -> bool:
        return self.customer.ended


class TurnResult(BaseModel):
    """One trainee reply judged, with the customer's answer."""

    turn: int
    customer: str  # what the trainee answered
    trainee: str
    acts: list[str]
    expected_act: str | None
    expected_acts: list[str]
    feedback: Feedback
    recommended: str
    answer: CustomerLine  # the customer's reaction
    ended: bool
    outcome: str | None
    score: float  # the call's score so far
    evidence: TurnEvidence


class Report(BaseModel):
    """The final report: score with the breakdown per rubric point, the outcome, the transcript."""

    score: Score
    outcome: str
    outcome_label: str
    scenario: str
    customer: dict[str, str]
    transcript: list[TranscriptLine]
    turns: list[TurnEvidence]


class PracticeEngine:
    """The loaded parts of practice mode; one per process."""

    def __init__(
        self,
        agent_parser: Parser,
        customer_parser: CustomerParser,
        *,
        cache_dir: Path | None = None,
        corpus: ScriptCorpus | None = None,
        strategies: Strategies | None = None,
        examples: dict[tuple[str, str], tuple[str, ...]] | None = None,
    ) -> None:
        from bot.config import get_settings

        self.reader = ActReader(agent_parser)
        self.readback = ReadBack(customer_parser, cache_dir or get_settings().var_dir / "practice")
        self.corpus = corpus or default_corpus()
        self.strategies = strategies or default_strategies()
        self.examples = examples
        self._facts: OrderedDict[tuple[int, date], CustomerFacts] = OrderedDict()
        self._books: OrderedDict[tuple[str, int], LineBook] = OrderedDict()

    @classmethod
    def load(cls) -> PracticeEngine:
        """The engine on the trained agent-act and customer models (seconds: TensorFlow graphs)."""
        from bot.nlu.parser import NluParser

        return cls(NluParser.load("agent"), NluParser.load("customer"))

    # --- the parts of one call ------------------------------------------------------------------------------
    def _book(self, state: CallState) -> LineBook:
        """The customer's lines, kept between replies (filling them takes milliseconds; a reply has 50)."""
        key = (state.profile.json(), state.spec.seed)
        if key not in self._books:
            self._books[key] = LineBook(state.profile, state.spec.seed, examples=self.examples)
        self._books.move_to_end(key)
        while len(self._books) > KEPT:
            self._books.popitem(last=False)
        return self._books[key]

    def _simulator(self, state: CallState, facts: CustomerFacts) -> Simulator:
        book = self._book(state)
        coach = self._coach(state, facts)
        return Simulator(
            state.spec, facts, self.strategies, book, self.readback, state.customer,
            flow_hears=lambda line: coach.hears_reason(state.flow, line),
        )

    def _coach(self, state: CallState, facts: CustomerFacts) -> Coach:
        now = datetime.combine(state.today, CALL_TIME, CHINA_TIME)
        return Coach(facts, self.strategies, self.corpus, now=now, seed=state.spec.seed)

    def _remember(self, customer_id: int, today: date, facts: CustomerFacts) -> None:
        self._facts[(customer_id, today)] = facts
        self._facts.move_to_end((customer_id, today))
        while len(self._facts) > KEPT:
            self._facts.popitem(last=False)

    def facts(self, session: Session, state: CallState) -> CustomerFacts:
        """The customer's facts as on the call's day (kept in memory; read again on another instance)."""
        key = (state.profile.customer_id, state.today)
        if key not in self._facts:
            customer = session.get(Customer, state.profile.customer_id)
            if customer is None:
                raise CallEnded("the practice customer is no longer in the database")
            self._remember(*key, load_customer_facts(session, customer, state.today, state.profile.churn_band))
        return self._facts[key]

    # --- the call -------------------------------------------------------------------------------------------
    def prepare(
        self, session: Session, spec: ScenarioSpec, today: date, *, exam: bool = False
    ) -> tuple[CallState, CustomerFacts]:
        """A new call's state with the customer who fits the scenario (database work only)."""
        customer, facts = choose_customer(session, spec, today, self.strategies)
        profile = build_profile(customer, facts, spec)
        self._remember(profile.customer_id, today, facts)
        state = CallState(
            spec=spec, profile=profile, today=today, exam=exam, customer=initial_state(spec), flow=FlowState(),
            last_customer=CustomerLine(intent="request_cancel", need="none", text=""),
        )
        state.flow = self._coach(state, facts).initial_state()
        return state, facts

    async def open(self, state: CallState, facts: CustomerFacts) -> None:
        """The customer's first words."""
        state.last_customer = await self._simulator(state, facts).opening()
        state.transcript.append(TranscriptLine(role="customer", text=state.last_customer.text))
        self.readback.save()

    async def start(self, session: Session, spec: ScenarioSpec, today: date) -> CallState:
        """A new call, the customer's first words said."""
        state, facts = self.prepare(session, spec, today)
        await self.open(state, facts)
        return state

    async def reply(self, state: CallState, facts: CustomerFacts, text: str) -> TurnResult:
        """Judge one trainee reply and let the customer answer; `state` is updated in place."""
        if state.ended:
            raise CallEnded("this call is over")
        asked_compensation = any(
            intent == "request_compensation"
            for intent in (state.last_customer.intent, *(e.customer_intent for e in state.evidence))
        )
        reading = await self.reader.read(text, compensation_asked=asked_compensation)
        coach, simulator = self._coach(state, facts), self._simulator(state, facts)
        expected = coach.expect(state.flow, state.last_customer)
        offer = mentioned_offer(
            text, facts, self.strategies, state.spec.reason, exclude=state.customer.refused,
            first=not state.flow.proposed,
        )
        if offer is not None and reading.proposing_words and not {"agent_propose", "agent_retain_number"} & set(
            reading.acts
        ):
            reading = reading.with_act("agent_retain_number" if offer.keep_number else "agent_propose")
        if not {"agent_propose", "agent_retain_number"} & set(reading.acts):
            offer = None  # an offer named in a question or a comparison is not put to the customer
        evidence = TurnEvidence(
            turn=len(state.evidence) + 1,
            text=text,
            customer_intent=state.last_customer.intent,
            customer_need=state.last_customer.need,
            first_reason_heard=state.customer.layer >= 1,
            reason_known=state.customer.reason_known,
            insisting=state.customer.insisting,
            porting=expected.state.leave_topic == "port",
            acts=list(reading.acts),
            violations=[{"act": v.act, "text": v.text, "cue": v.cue} for v in reading.violations],
            time_frame=reading.time_frame,
            probes=list(reading.probes),
            self_intro=reading.self_intro,
            closing=reading.closing,
            offer=offer.code if offer else None,
            offer_name=offer.name if offer else None,
            offer_suitable=offer.suitable if offer and offer.code else None,
            offer_why_not=offer.why_not if offer else None,
            keep_number_offer=bool(offer and offer.keep_number),
            expected_act=expected.act,
            expected_acts=list(expected.acts),
        )
        advice = feedback(evidence, state.evidence, need=state.spec.need)
        state.flow = coach.follow(state.flow, expected, reading, offer)
        answer = await simulator.respond(reading, offer)
        replied_to = state.last_customer.text
        state.evidence.append(evidence)
        state.transcript += [
            TranscriptLine(role="trainee", text=text), TranscriptLine(role="customer", text=answer.text)
        ]
        state.last_customer = answer
        self.readback.save()
        return TurnResult(
            turn=evidence.turn,
            customer=replied_to,
            trainee=text,
            acts=list(reading.acts),
            expected_act=expected.act,
            expected_acts=list(expected.acts),
            feedback=advice,
            recommended=expected.recommended,
            answer=answer,
            ended=state.ended,
            outcome=state.customer.outcome,
            score=self.score(state).score,
            evidence=evidence,
        )

    def hint(self, state: CallState, facts: CustomerFacts) -> str:
        """The model answer to the customer's last words (what the flow would say now), before replying."""
        return self._coach(state, facts).expect(state.flow, state.last_customer).recommended

    def score(self, state: CallState) -> Score:
        strategy = self.strategies.of(state.spec.reason)
        fix_reason = strategy is not None and strategy.fix is not None
        insisted = state.customer.insisting or any(turn.insisting for turn in state.evidence)
        return score(state.evidence, need=state.spec.need, fix_reason=fix_reason, insisted=insisted)

    def report(self, state: CallState) -> Report:
        """The final report; a call not over yet is ended where it stands."""
        finish(state.customer)
        outcome = state.customer.outcome or "lost"
        return Report(
            score=self.score(state),
            outcome=outcome,
            outcome_label=OUTCOME_LABELS[outcome],
            scenario=state.spec.label(),
            customer=state.profile.summary(),
            transcript=state.transcript,
            turns=state.evidence,
        )
