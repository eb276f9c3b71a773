"""What the customer bot's own flow would do now: the expected act and the model answer, from `decide`.

The coach keeps a FlowState that mirrors the practice call. For each customer line it asks `decide` what the bot
would say; the expected act is the act of the decision's first line (the greeting only on the first reply, where
`decide` itself greets), and the recommended line is the decision rendered from the corpus with every
placeholder filled (a ticket line quotes 「（练习）」 and the due time a real ticket of that kind would get).

After the trainee's reply the coach takes the decision's next state but undoes what the trainee did not do: a
proposal not made is not on the table, a ticket not promised is not open, a probe not asked is not counted, a
call not closed is not closed; what the trainee did instead is put in (the offer they named, a ticket for the
promise they made), and `last_step` follows the trainee's act. So the next expectation is about the call as it
really went. Business steps of the decision (tickets, offer history, outcomes) are never saved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.corpus.model import ScriptCorpus
from bot.flow.decide import Identity, Message, decide
from bot.flow.facts import CustomerFacts
from bot.flow.promises import due_phrase, follow_up_due
from bot.flow.render import render
from bot.flow.state import FlowState, TicketPromise
from bot.flow.strategy import Strategies
from bot.practice.acts import ReplyActs
from bot.practice.offers import OfferMention
from bot.practice.simulator import CustomerLine

PRACTICE_TICKET = "（练习）"
CALLBACK = "callback"
# The flow's `last_step` after a reply, from the most decisive act in it.
LAST_STEPS: tuple[tuple[str, str], ...] = (
    ("agent_propose", "propose"),
    ("agent_retain_number", "keep_number"),
    ("agent_commit", "commit"),
    ("agent_probe", "probe"),
)


@dataclass(frozen=True)
class Expectation:
    act: str | None  # the act of the decision's first line
    acts: tuple[str, ...]  # every act of the decision, in order
    responses: tuple[str, ...]
    recommended: str  # the decision's lines rendered: the model answer
    proposes: tuple[str, ...]  # offers the bot would put
    opens: tuple[str, ...]  # ticket kinds the bot would open
    state: FlowState  # the decision's next state (with practice tickets)


class Coach:
    """The flow's view of one call: a customer with facts, the corpus, a clock for due times.

    Practice calls always know the customer; the desk's live take-over (bot/review/takeover.py) also asks the
    coach about a web chat whose customer may not be identified yet (`facts` None), and names the tickets its
    lines promise by `ticket_label`, since they are not opened by the suggestion either.
    """

    def __init__(
        self,
        facts: CustomerFacts | None,
        strategies: Strategies,
        corpus: ScriptCorpus,
        *,
        now: datetime,
        seed: int,
        ticket_label: str = PRACTICE_TICKET,
    ) -> None:
        self.facts = facts
        self.strategies = strategies
        self.corpus = corpus
        self.now = now
        self.seed = seed
        self.ticket_label = ticket_label

    def initial_state(self) -> FlowState:
        """The customer is known from the start (the agent sees who calls), as after identification."""
        assert self.facts is not None  # nosec B101 - a practice call always has its customer (type narrowing)
        return FlowState(phone=self.facts.phone, churn_band=self.facts.churn_band)

    def promise(self, kind: str) -> TicketPromise:
        return TicketPromise(id=self.ticket_label, due=due_phrase(follow_up_due(kind, self.now)))

    def hears_reason(self, state: FlowState, line: CustomerLine) -> bool:
        """True when the flow takes a reason line as that reason (and not, say, as a question about an offer)."""
        message = Message(intent=line.intent, need=line.need, text=line.text, entities=dict(line.entities))
        return decide(state, message, Identity(facts=self.facts), self.strategies).state.reason == line.intent

    def expect(self, state: FlowState, line: CustomerLine) -> Expectation:
        message = Message(intent=line.intent, need=line.need, text=line.text, entities=dict(line.entities))
        decision = decide(state, message, Identity(facts=self.facts), self.strategies)
        for kind in decision.open_tickets:
            decision.state.tickets.setdefault(kind, self.promise(kind))
        acts = [self.corpus.act_of(item.response) for item in decision.lines]
        rendered = render(decision, self.corpus, self.facts, seed=self.seed + state.replies)
        return Expectation(
            act=acts[0] if acts else None,
            acts=tuple(dict.fromkeys(acts)),
            responses=tuple(item.response for item in decision.lines),
            recommended="".join(item.text for item in rendered),
            proposes=tuple(decision.propose),
            opens=tuple(decision.open_tickets),
            state=decision.state,
        )

    def follow(
        self, before: FlowState, expected: Expectation, reply: ReplyActs, offer: OfferMention | None
    ) -> FlowState:
        """The flow state after the trainee's reply (see the module docstring)."""
        after = expected.state.copy(deep=True)
        self._proposals(before, after, expected, reply, offer)
        self._keep_number(before, after, reply, offer)
        self._tickets(before, after, reply)
        if not reply.has("agent_probe"):
            after.vague_probes = before.vague_probes
        if reply.closing:
            after.closed = True
        else:
            after.closed, after.outcome = before.closed, before.outcome
        after.last_step = next((step for act, step in LAST_STEPS if reply.has(act)), None)
        if after.last_step == "commit":
            strategy = self.strategies.of(after.reason)
            after.last_step = "fix" if strategy is not None and strategy.fix in after.tickets else "wait"
        return after

    @staticmethod
    def _proposals(
        before: FlowState, after: FlowState, expected: Expectation, reply: ReplyActs, offer: OfferMention | None
    ) -> None:
        named = offer is not None and offer.code is not None and not offer.keep_number
        if reply.has("agent_propose") and named:
            assert offer is not None and offer.code is not None  # nosec B101 - `named` checked both (type narrowing)
            after.proposed = [code for code in after.proposed if code not in expected.proposes or code == offer.code]
            if offer.code not in after.proposed:
                after.proposed.append(offer.code)
            after.on_table = offer.code
            return
        if reply.has("agent_propose"):
            return  # a proposal without a concrete offer: the flow's own stands in for it
        after.proposed = [code for code in after.proposed if code not in expected.proposes]
        if after.on_table in expected.proposes:
            after.on_table = before.on_table if before.on_table not in after.rejected else None
        if not reply.has("agent_commit"):
            after.pending = None

    @staticmethod
    def _keep_number(before: FlowState, after: FlowState, reply: ReplyActs, offer: OfferMention | None) -> None:
        if reply.has("agent_retain_number") or (offer is not None and offer.keep_number):
            after.keep_number_done = True
            if offer is not None and offer.keep_number and offer.code:
                after.keep_number_code = after.on_table = offer.code
            return
        if after.keep_number_code and after.keep_number_code != before.keep_number_code:
            after.on_table = before.on_table if after.on_table == after.keep_number_code else after.on_table
        after.keep_number_done, after.keep_number_code = before.keep_number_done, before.keep_number_code

    def _tickets(self, before: FlowState, after: FlowState, reply: ReplyActs) -> None:
        if not reply.has("agent_commit"):
            after.tickets = {kind: promise for kind, promise in after.tickets.items() if kind in before.tickets}
            return
        if set(after.tickets) - set(before.tickets):
            return
        strategy = self.strategies.of(after.reason)
        kind = (strategy.fix or strategy.follow_up) if strategy is not None and after.reason_status != "none" else None
        kind = kind or CALLBACK
        after.tickets.setdefault(kind, self.promise(kind))

