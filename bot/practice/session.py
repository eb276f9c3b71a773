"""Practice calls with the database: start, reply, end — what the web page and the command line both call.

Database work runs in short transactions around the models' work (`asyncio.to_thread`, since the queries are
synchronous), never across it: a reply reads the call, judges it with no transaction open, then stores it with
the optimistic check of bot/practice/storage.py.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date

from bot.db.models import User
from bot.db.session import session_scope
from bot.flow.facts import CustomerFacts
from bot.practice.call import CallEnded, CallState, PracticeEngine, Report, TurnResult
from bot.practice.scenario import ScenarioSpec
from bot.practice.storage import load_call, new_call, record_end, record_reply


@dataclass(frozen=True)
class StartedCall:
    id: int
    state: CallState


@dataclass(frozen=True)
class Replied:
    result: TurnResult
    report: Report | None  # when the call ended with this reply
    state: CallState


class PracticeSessions:
    """Practice calls of one app database (`url`; None: DATABASE_URL) on one loaded engine."""

    def __init__(self, engine: PracticeEngine, url: str | None = None) -> None:
        self.engine = engine
        self.url = url

    async def start(
        self, spec: ScenarioSpec, *, user_id: int | None, today: date, exam: bool = False
    ) -> StartedCall:
        def prepare() -> tuple[CallState, CustomerFacts]:
            with session_scope(self.url) as session:
                return self.engine.prepare(session, spec, today, exam=exam)

        def store(state: CallState) -> int:
            with session_scope(self.url) as session:
                return new_call(session, state, user_id)

        state, facts = await asyncio.to_thread(prepare)
        await self.engine.open(state, facts)
        return StartedCall(await asyncio.to_thread(store, state), state)

    async def reply(self, call_id: int, text: str, viewer: User | None) -> Replied:
        """Judge and store one reply; with the report when the call ended with it."""

        def read() -> tuple[CallState, CustomerFacts]:
            with session_scope(self.url) as session:
                state = load_call(session, call_id, viewer)
                return state, self.engine.facts(session, state)

        state, facts = await asyncio.to_thread(read)
        if state.ended:
            raise CallEnded("this call is over")
        result = await self.engine.reply(state, facts, text)
        report = self.engine.report(state) if state.ended else None

        def write() -> None:
            with session_scope(self.url) as session:
                record_reply(session, call_id, state, result)
                if report is not None:
                    record_end(session, call_id, state, report)

        await asyncio.to_thread(write)
        return Replied(result, report, state)

    async def end(self, call_id: int, viewer: User | None) -> Report:
        """End the call where it stands (or read the report of one that ended) and store it."""

        def finish() -> Report:
            with session_scope(self.url) as session:
                state = load_call(session, call_id, viewer)
                report = self.engine.report(state)
                record_end(session, call_id, state, report)
                return report

        return await asyncio.to_thread(finish)

    async def hint(self, call_id: int, viewer: User | None) -> str:
        """The recommended line for the reply the trainee is about to give."""

        def read() -> tuple[CallState, CustomerFacts]:
            with session_scope(self.url) as session:
                state = load_call(session, call_id, viewer)
                return state, self.engine.facts(session, state)

        state, facts = await asyncio.to_thread(read)
        return self.engine.hint(state, facts)

    async def state(self, call_id: int, viewer: User | None) -> CallState:
        def read() -> CallState:
            with session_scope(self.url) as session:
                return load_call(session, call_id, viewer)

        return await asyncio.to_thread(read)
