"""The simulated customer, in the manner of an agenda-based user simulator (Schatzmann et al. 2007).

The customer keeps a stack of what they still want to say or get (the agenda: the polite reason, an evasion on
hard calls, the real reason, its details, their need met, a decision) and a mood; each trainee reply, read as
agent acts, changes the mood and pops or answers the top of the stack:

- probe → the next layer (the polite reason, the real one after one or two more questions, then details);
- empathize → an emotional customer calms and opens up; a rational one wants action instead;
- commit with a concrete time → a rational customer cooperates; for a fault, they agree to wait for the fix;
- propose → accepted or refused by suitability for this profile and reason (the bot's own rules), timing (before
  the real reason is known → refused), the need (an emotional customer not yet heard refuses, a fault comes
  before any offer), the mood and the churn band (a customer at high risk turns the first offer down once);
- retain_number → a customer who insists on leaving keeps the number where that makes sense for them;
- argue / disparage / over-promise → angrier and distrustful; then a supervisor; then they hang up;
- a closing reply ends the call: retained, kept number, lost or escalated.

The reaction is decided first as (intent, need); the words come from bot/practice/lines.py and are said only if
the customer model reads them back as meant (bot/practice/readback.py) and, for a leave reason, only if the
customer bot's flow takes them as that reason (`flow_hears`: 「人家那边的客户经理天天打电话」 reads as a competitor
line but the flow answers it as a question about calls elsewhere, so the coach's expectation would be about
something the customer did not mean). Everything follows from the seed and the replies, so a call can be replayed.
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel, Field

from bot.flow.facts import CustomerFacts
from bot.flow.offer_policy import KEEP_NUMBER_TYPE
from bot.flow.strategy import Strategies
from bot.practice.acts import ReplyActs
from bot.practice.lines import LineBook
from bot.practice.offers import OfferMention, suitable_codes
from bot.practice.readback import ReadBack
from bot.practice.scenario import ScenarioSpec
from bot.taxonomy import REASON_PREFIX

START_MOOD: dict[str, int] = {"calm": 0, "impatient": 2, "angry": 4}  # 0 calm … 10 furious
EMOTIONAL_MOOD = 5  # from here on the customer's words are emotional, whatever their need
SUPERVISOR_MOOD = 7  # this angry (or MAX_DISTRUST): asks for a supervisor
HANG_UP_MOOD = 9
MAX_DISTRUST = 3
# Mood from which an offer is turned down, by churn band: who is about to leave is harder to win back.
REFUSE_MOOD: dict[str | None, int] = {"高": 5, "中": 6, "低": 7, None: 6}
SETTLED_MOOD = 5  # a fault customer no angrier than this stays once the fix is promised
EMPATHY_CALMS = 2
COMMITMENT_CALMS = 1
# (mood, distrust) each violation adds: arguing angers, disparaging and over-promising breed distrust.
VIOLATION_EFFECTS: dict[str, tuple[int, int]] = {
    "agent_argue": (3, 1),
    "agent_disparage": (1, 2),
    "agent_overpromise": (1, 2),
}
MAX_TURNS = 12  # trainee replies before the customer gives up
REFUSALS_TO_INSIST = 2  # offers turned down before the customer insists on leaving
LINE_TRIES = 8  # candidate lines read back per (intent, need) before the next need is tried
REVEALS = ("polite", "evade", "real", "details")


class CustomerLine(BaseModel):
    """What the customer said, as meant and as the customer model read it back."""

    intent: str
    need: str
    text: str
    entities: dict[str, object] = Field(default_factory=dict)


class CustomerState(BaseModel):
    """The customer's side of a call, kept as JSON between replies."""

    agenda: list[str]  # top last
    mood: int
    layer: int = 0  # what the trainee has heard: 0 「我要销户」, 1 the polite reason, 2 the real one, 3 details
    distrust: int = 0
    heard: bool = False  # emotional need met: they felt understood
    action: bool = False  # rational need met: a concrete step with a time
    fix_agreed: bool = False  # a fault customer agreed to wait for the promised fix
    refused: list[str] = Field(default_factory=list)  # offers turned down for good
    refusals: int = 0  # every no to a proposal, for whatever reason
    refused_once: bool = False  # the hard customer's first no is spent
    accepted: str | None = None
    kept_number: bool = False
    insisting: bool = False  # offers did not win them: they still want to leave
    asked_supervisor: bool = False
    turns: int = 0
    ended: bool = False
    outcome: str | None = None
    said: list[str] = Field(default_factory=list)

    @property
    def reason_known(self) -> bool:
        return self.layer >= 2


def initial_state(spec: ScenarioSpec) -> CustomerState:
    reveals = ["polite", *["evade"] * max(spec.probes_to_real - 1, 0)] if spec.polite_reason else []
    agenda = ["decide", "need", "details", "real", *reversed(reveals)]
    return CustomerState(agenda=agenda, mood=START_MOOD[spec.temperament])


class Simulator:
    """One customer: the scenario, the profile's facts, the lines they may say and their state (mutated)."""

    def __init__(
        self,
        spec: ScenarioSpec,
        facts: CustomerFacts,
        strategies: Strategies,
        book: LineBook,
        readback: ReadBack,
        state: CustomerState,
        flow_hears: Callable[[CustomerLine], bool] = lambda _line: True,
    ) -> None:
        self.spec = spec
        self.flow_hears = flow_hears
        self.facts = facts
        self.strategies = strategies
        self.book = book
        self.readback = readback
        self.state = state
        strategy = strategies.of(spec.reason)
        assert strategy is not None  # nosec B101 - the scenario's reason is one of the taxonomy's (type narrowing)
        self.strategy = strategy

    # --- words --------------------------------------------------------------------------------------------
    async def opening(self) -> CustomerLine:
        return await self.say("request_cancel", "emotional" if self.state.mood >= EMOTIONAL_MOOD - 1 else "none")

    async def say(self, intent: str, need: str) -> CustomerLine:
        """A line of (intent, need) the customer model reads back as such; the need is relaxed, then the intent,
        when no line passes (an intent without emotional examples is said calmly)."""
        needs = [need, *(n for n in (self.spec.need, "none", "rational", "emotional") if n != need)]
        attempts = [(intent, n) for n in dict.fromkeys(needs)] + [("request_cancel", "none")]
        for wanted_intent, wanted_need in attempts:
            line = await self._line(wanted_intent, wanted_need)
            if line is not None:
                self.state.said.append(line.text)
                return line
        raise RuntimeError(f"no line of {intent}/{need} reads back as meant for this profile")

    async def _line(self, intent: str, need: str) -> CustomerLine | None:
        candidates = self.book.candidates(intent, need)
        fresh = [text for text in candidates if text not in self.state.said] or candidates
        for text in fresh[:LINE_TRIES]:
            reading = await self.readback.read(text)
            if reading.means(intent, need):
                line = CustomerLine(intent=intent, need=need, text=text, entities=reading.entities)
                if not intent.startswith(REASON_PREFIX) or self.flow_hears(line):
                    return line
        return None

    def _need(self, calm_need: str = "none") -> str:
        return "emotional" if self.state.mood >= EMOTIONAL_MOOD else calm_need

    # --- reactions ----------------------------------------------------------------------------------------
    async def respond(self, reply: ReplyActs, offer: OfferMention | None) -> CustomerLine:
        """The customer's answer to one trainee reply; the state changes with it."""
        intent, need = self.react(reply, offer)
        return await self.say(intent, need)

    def react(self, reply: ReplyActs, offer: OfferMention | None) -> tuple[str, str]:
        state = self.state
        state.turns += 1
        if reply.violations:
            return self._offended(reply)
        if reply.closing:
            return self._end()
        self._feel(reply)
        if state.turns >= MAX_TURNS:
            return self._end(gave_up=True)
        if state.accepted or state.kept_number:
            return "thank" if reply.has("agent_commit") else "affirm", "none"
        keeps_number = reply.has("agent_retain_number") or (offer is not None and offer.keep_number)
        if keeps_number and (state.insisting or not reply.has("agent_propose")):
            return self._answer_keep_number(offer)
        if reply.has("agent_propose"):
            return self._answer_offer(offer)
        if reply.has("agent_probe"):
            return self._reveal()
        if reply.has("agent_commit"):
            return self._after_commitment(reply)
        if reply.has("agent_empathize"):
            return self._after_empathy()
        if reply.has("agent_compare") and self.spec.need == "rational" and state.reason_known:
            return "ask_offer", "rational"
        return self._wants()

    def _feel(self, reply: ReplyActs) -> None:
        """What the reply does to the customer's mood and needs, whatever they answer."""
        state = self.state
        if reply.has("agent_empathize") and self.spec.need == "emotional" and not state.heard:
            state.heard = True
            state.mood = max(0, state.mood - EMPATHY_CALMS)
            self._done("need")
        if reply.has("agent_commit") and reply.time_frame:
            state.action = True
            state.mood = max(0, state.mood - COMMITMENT_CALMS)
            if self.spec.need == "rational":
                self._done("need")
            if self.strategy.fix and state.reason_known and (self.spec.need == "rational" or state.heard):
                state.fix_agreed = state.mood <= SETTLED_MOOD
                if state.fix_agreed:
                    self._done("decide")
        if not set(reply.acts) - {"agent_greet"} and self.spec.temperament != "calm":
            state.mood += 1  # nothing moves on: an impatient customer gets more so

    def _done(self, item: str) -> None:
        if item in self.state.agenda:
            self.state.agenda.remove(item)

    def _reveal(self) -> tuple[str, str]:
        state = self.state
        top = state.agenda[-1] if state.agenda else "decide"
        if top not in REVEALS:
            if self.spec.temperament != "calm":
                state.mood += 1  # asked again what they already said
            return self._wants()
        state.agenda.pop()
        if top == "polite":
            state.layer = 1
            return self.spec.polite_reason or self.spec.reason, self._need("rational")
        if top == "evade":
            return "request_cancel", self._need()
        state.layer = 2 if top == "real" else 3
        return self.spec.reason, self.spec.need

    def _wants(self) -> tuple[str, str]:
        """Everything said: what the customer still wants (their need, then a decision)."""
        state = self.state
        if not state.reason_known:
            return "request_cancel", self._need()
        if self.spec.need == "emotional" and not state.heard:
            return self.spec.reason, "emotional"
        if self.spec.need == "rational" and not state.action:
            return (self.spec.reason, "rational") if self.strategy.fix else ("ask_offer", "rational")
        if state.fix_agreed:
            return "affirm", "none"
        return "ask_offer", self._need("rational" if self.spec.need == "rational" else "none")

    def _after_empathy(self) -> tuple[str, str]:
        """An emotional customer who feels heard opens up; a rational one wants to hear what will be done."""
        if self.spec.need == "emotional" and self.state.agenda and self.state.agenda[-1] in REVEALS:
            return self._reveal()
        return self._wants()

    def _after_commitment(self, reply: ReplyActs) -> tuple[str, str]:
        state = self.state
        if state.fix_agreed:
            return "affirm", "none"
        if not reply.time_frame and self.spec.need == "rational" and state.reason_known:
            return "ask_ticket_progress", "rational"  # 「具体什么时候？」
        return self._wants()

    def _answer_offer(self, offer: OfferMention | None) -> tuple[str, str]:
        state = self.state
        if not state.reason_known:
            state.mood += 1  # selling before listening
            return self._refuse()
        if offer is None or offer.code is None:
            return "ask_offer_details", "none"  # 「什么方案？多少钱？」
        turned_down = (
            not offer.suitable
            or (self.spec.need == "emotional" and not state.heard)
            or (self.strategy.fix is not None and not state.fix_agreed)
            or state.mood >= REFUSE_MOOD[self.facts.churn_band]
        )
        if not offer.suitable:
            state.refused.append(offer.code)
            state.mood += 1
        elif not turned_down and self._holds_out():
            state.refused_once = True
            state.refused.append(offer.code)
            turned_down = True
        if turned_down:
            return self._refuse()
        if offer.keep_number:
            state.kept_number = True
        else:
            state.accepted = offer.code
        self._done("decide")
        return "accept_offer", "none"

    def _holds_out(self) -> bool:
        """A hard customer, or one at high risk who is not calm, turns the first good offer down once."""
        if self.state.refused_once:
            return False
        return self.spec.difficulty == "hard" or (self.facts.churn_band == "高" and self.spec.temperament != "calm")

    def _refuse(self) -> tuple[str, str]:
        state = self.state
        state.refusals += 1
        left = suitable_codes(self.facts, self.strategies, self.spec.reason, state.refused, first=False)
        if state.reason_known and (state.refusals >= REFUSALS_TO_INSIST or not left):
            state.insisting = True
            return "request_cancel", self._need()
        return "reject_offer", self._need("rational" if self.spec.need == "rational" else "none")

    def _answer_keep_number(self, offer: OfferMention | None) -> tuple[str, str]:
        state = self.state
        if not state.reason_known:
            state.mood += 1
            return self._refuse()
        named = self.facts.offer(offer.code) if offer is not None and offer.code is not None else None
        if named is not None and not named.eligible:
            state.refused.append(named.code)  # a plan the customer cannot have is not taken, however it is put
            return self._refuse()
        plans = suitable_codes(self.facts, self.strategies, self.spec.reason, first=False)
        sensible = state.insisting or self.strategy.keep_number or any(o.type == KEEP_NUMBER_TYPE for o in plans)
        if sensible and state.mood < REFUSE_MOOD[self.facts.churn_band]:
            state.kept_number = True
            self._done("decide")
            return "accept_offer", "none"
        return self._refuse()

    def _offended(self, reply: ReplyActs) -> tuple[str, str]:
        state = self.state
        for violation in reply.violations:
            mood, distrust = VIOLATION_EFFECTS[violation.act]
            state.mood += mood
            state.distrust += distrust
        if state.accepted:
            state.accepted = None  # 「算了，不办了」
            state.agenda.append("decide")
        if state.asked_supervisor or state.mood >= HANG_UP_MOOD:
            return self._end(hung_up=True)
        if state.mood >= SUPERVISOR_MOOD or state.distrust >= MAX_DISTRUST:
            state.asked_supervisor = True
            return "request_human", "emotional"
        return (self.spec.reason if state.reason_known else "request_cancel"), "emotional"

    def _end(self, *, gave_up: bool = False, hung_up: bool = False) -> tuple[str, str]:
        state = self.state
        state.ended = True
        state.outcome = outcome_of(state)
        if hung_up or gave_up:
            return "goodbye", "emotional" if hung_up else "none"
        return ("thank" if state.outcome in ("retained", "kept_number") else "goodbye"), "none"


def outcome_of(state: CustomerState) -> str:
    """How the call ends for the customer, as things stand: retained, kept_number, lost or escalated."""
    if state.accepted:
        return "retained"
    if state.kept_number:
        return "kept_number"
    if state.fix_agreed and state.mood <= SETTLED_MOOD:
        return "retained"
    return "escalated" if state.asked_supervisor else "lost"


def finish(state: CustomerState) -> None:
    """End a call the trainee leaves (or whose replies ran out) where it stands."""
    if not state.ended:
        state.ended = True
        state.outcome = outcome_of(state)
