"""Transcripts: every customer message and every bot reply, from any channel, as Turns of the app database.

Where they are written: in `RecordingTrackerStore.save`, a wrapper around the configured tracker store.
Rasa saves the tracker once per message, at the end of `MessageProcessor.handle_message`, while the sender's
lock (lock store) is held — on every path in: our DialogueService, `Agent.handle_text`, any Rasa channel. So
two app instances sharing a Redis lock store cannot interleave the turns of one sender, and `record_turns`'
read-then-write of the next `seq` is safe.

Why a tracker-store wrapper and not an EventBroker: `EventBroker.publish` is synchronous and called on the
event loop, one event at a time; a database write there would block every conversation of the process (for
up to the connect timeout when the database is down). The wrapper computes the same difference Rasa streams to
a broker (`TrackerEventDiffEngine`), then awaits one transaction per message in a worker thread.

A recording failure never costs the reply, and the turns are not dropped: when the database does not answer
(a restart, a network cut), they wait in this process and are written, in order and in one transaction per
attempt, as soon as it answers again; a later message handled by this process queues behind them. The write
stays on the request path otherwise: written before the reply goes out and under the sender's lock, every
acknowledged turn is in the database even if the process dies next, and the next message of the sender, on
whichever instance, is transcribed after it. Only turns that waited for the database may land after turns
another instance wrote once it was back (docs/DEPLOY.md).
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import DBAPIError, DisconnectionError

from rasa.core.tracker_store import TrackerStore
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker, TrackerEventDiffEngine
from rasa.shared.nlu.constants import INTENT_RANKING_KEY

from bot.db.models.vocabulary import CHANNELS
from bot.event_loop import blocking
from bot.flow.state import STATE_SLOT

logger = logging.getLogger(__name__)

CONVERSATION_MODE = "customer"
# An input channel outside the vocabulary (Agent.handle_text, rasa shell): the same as actions/_db.py uses.
DEFAULT_CHANNEL = "cli"
# Bookkeeping of Rasa itself, not worth a line in a transcript.
_SILENT_ACTIONS = frozenset({"action_listen", "action_session_start", "action_extract_slots"})
# Waiting turns are tried again after this, doubling up to the maximum while the database stays away.
RETRY_FIRST_SECONDS = 0.5
RETRY_MAX_SECONDS = 8.0
STORED_COUNTS_KEPT = 10_000


def conversation_channel(input_channel: str | None) -> str:
    """The conversation channel (vocabulary CHANNELS) of a Rasa input channel name.

    DialogueService passes a channel of CHANNELS as the input channel; anything else (`Agent.handle_text`
    gives none, `rasa shell` says "cmdline") is recorded under "cli", like the custom actions do, so the
    turns and the outcome still land on one conversation row.
    """
    return input_channel if input_channel in CHANNELS else DEFAULT_CHANNEL


@dataclass
class TurnDraft:
    """One turn to append, with the NLU reading (customer) or the actions that produced it (bot)."""

    role: str
    text: str
    channel: str
    intent: str | None = None
    intent_confidence: float | None = None
    need: str | None = None
    need_confidence: float | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)


def _rounded(value: Any) -> float | None:
    return None if value is None else round(float(value), 4)


def customer_annotations(parse_data: dict[str, Any]) -> dict[str, Any]:
    """Intent, need and entities of a message as the transcript keeps them.

    The intent is the best label of the taxonomy, like `retention-bot parse` reports it: below the fallback
    threshold Rasa says `nlu_fallback`, which is no label a supervisor could confirm or correct; the low
    confidence still shows it. `need` is absent for button payloads (`/accept_offer`), which skip the NLU.
    """
    ranking = [
        item
        for item in parse_data.get(INTENT_RANKING_KEY) or []
        if item.get("name") != DEFAULT_NLU_FALLBACK_INTENT_NAME
    ]
    top = ranking[0] if ranking else parse_data.get("intent") or {}
    if top.get("name") == DEFAULT_NLU_FALLBACK_INTENT_NAME:
        top = {}
    need = parse_data.get("need") or {}
    return {
        "intent": top.get("name"),
        "intent_confidence": _rounded(top.get("confidence")),
        "need": need.get("name"),
        "need_confidence": _rounded(need.get("confidence")),
        "entities": [
            {key: entity.get(key) for key in ("entity", "value", "start", "end")}
            for entity in parse_data.get("entities") or []
        ],
    }


def turns_from_events(events: Iterable[Event], latest_channel: str | None = None) -> list[TurnDraft]:
    """The turns of the new events of one message.

    - The first UserUttered is the customer's message. A later one in the same batch is an action re-logging
      an earlier message (the two-stage fallback after an affirmation), not something the customer said.
    - Each BotUttered is a bot turn; its `actions` are the actions run since the previous turn, ending with
      the one that said it, followed by the response name when a custom action said a domain response
      (`action_create_ticket`, `utter_commit_ticket`). Silent actions after the last reply join that reply.
    """
    turns: list[TurnDraft] = []
    channel = conversation_channel(latest_channel)
    pending: list[str] = []
    customer_seen = False
    last_bot: TurnDraft | None = None
    for event in events:
        if isinstance(event, UserUttered):
            if customer_seen:
                continue
            customer_seen = True
            channel = conversation_channel(event.input_channel)
            turns.append(TurnDraft("customer", event.text or "", channel, **customer_annotations(event.parse_data)))
            pending, last_bot = [], None
        elif isinstance(event, ActionExecuted):
            if event.action_name and event.action_name not in _SILENT_ACTIONS:
                pending.append(event.action_name)
        elif isinstance(event, BotUttered):
            actions = list(pending)
            response = (event.metadata or {}).get("utter_action")
            if response and (not actions or actions[-1] != response):
                actions.append(response)
            last_bot = TurnDraft("bot", event.text or "", channel, actions=actions)
            turns.append(last_bot)
            pending = []
    if pending and last_bot is not None:
        last_bot.actions.extend(pending)
    return turns


@dataclass(frozen=True)
class PendingMessage:
    """The turns of one message that could not be written yet."""

    sender_id: str
    turns: list[TurnDraft]
    conversation_id: int | None


def _database_unavailable(exc: BaseException) -> bool:
    """A failure that another attempt can cure: the connection, not the data."""
    return isinstance(exc, DisconnectionError) or (isinstance(exc, DBAPIError) and exc.connection_invalidated) or (
        type(getattr(exc, "orig", None)).__name__ in ("OperationalError", "InterfaceError")
    )


def conversation_of(tracker: DialogueStateTracker) -> int | None:
    """The conversation row the turn action used for this message (bot/flow/state.py `conversation_id`)."""
    flow = tracker.get_slot(STATE_SLOT)
    value = flow.get("conversation_id") if isinstance(flow, dict) else None
    return value if isinstance(value, int) else None


class TranscriptRecorder:
    """Appends turns to the sender's current conversation, one transaction per message.

    `database_url` None means the configured DATABASE_URL at the time of writing, the same database the
    custom actions use to find the conversation row (`current_conversation` with the same sender and channel).
    """

    def __init__(self, database_url: str | None = None) -> None:
        self.database_url = database_url
        self.pending: list[PendingMessage] = []  # in the order the messages were handled
        self._retrying: asyncio.Task[None] | None = None

    def record(self, sender_id: str, turns: list[TurnDraft], conversation_id: int | None = None) -> list[int]:
        """Write `turns`; returns the new Turn ids. Raises on a database error (the caller logs it).

        `conversation_id`: the row the turn action worked out for this message (its context, handed over in the
        flow state), so both write to one row without deciding it twice; without it (a message no action saw)
        the sender's current row of the turn's channel.
        """
        return self.record_all([PendingMessage(sender_id, turns, conversation_id)])

    def record_all(self, messages: list[PendingMessage]) -> list[int]:
        """Write the turns of several messages in one transaction, in order; returns the new Turn ids."""
        from bot.db.session import session_scope

        with session_scope(self.database_url) as session:
            return [turn_id for message in messages for turn_id in _write(session, message)]

    async def record_events(
        self, sender_id: str, events: list[Event], latest_channel: str | None, conversation_id: int | None = None
    ) -> None:
        """Record the turns of `events` in a worker thread (bot/event_loop.py); never raises (module docstring)."""
        try:
            turns = turns_from_events(events, latest_channel)
        except Exception:  # noqa: BLE001 - the reply must go out whatever happens to the transcript
            logger.exception("Could not read the turns of sender %r; the reply was still sent", sender_id)
            return
        if not turns:
            return
        message = PendingMessage(sender_id, turns, conversation_id)
        if self.pending:  # earlier messages wait for the database: this one goes after them
            self.pending.append(message)
            return
        try:
            await blocking(self.record_all, [message])
        except Exception as exc:  # noqa: BLE001 - the reply must go out whatever happens to the transcript
            if not _database_unavailable(exc):
                logger.exception("Could not record the transcript of sender %r; the reply was still sent", sender_id)
                return
            logger.error("The database does not answer; the transcript of sender %r will be written later: %s",
                         sender_id, str(getattr(exc, "orig", exc)).strip().splitlines()[:1])
            self.pending.append(message)
            if self._retrying is None or self._retrying.done():
                self._retrying = asyncio.create_task(self._retry(), name="transcript retry")

    async def _retry(self) -> None:
        """Write what waits, all at once, until it is written. When the data (not the connection) fails, the
        oldest message is tried alone and, failing again, logged and dropped, so one bad row blocks nothing."""
        delay = RETRY_FIRST_SECONDS
        while self.pending:
            await asyncio.sleep(delay)
            batch = list(self.pending)
            try:
                await asyncio.to_thread(self.record_all, batch)
            except Exception as exc:  # noqa: BLE001 - logged; the loop goes on until the database is back
                if _database_unavailable(exc):
                    delay = min(delay * 2, RETRY_MAX_SECONDS)
                    continue
                batch = batch[:1]
                try:
                    await asyncio.to_thread(self.record_all, batch)
                except Exception as exc:  # noqa: BLE001
                    if _database_unavailable(exc):
                        continue
                    logger.exception("Could not record the transcript of sender %r; dropped", batch[0].sender_id)
            del self.pending[: len(batch)]
            delay = RETRY_FIRST_SECONDS
        logger.info("The transcripts that waited for the database are written")

    async def close(self, timeout: float) -> None:
        """At shutdown: give the waiting turns `timeout` seconds to be written, then say what is lost."""
        if self._retrying is None or self._retrying.done():
            return
        try:
            await asyncio.wait_for(asyncio.shield(self._retrying), timeout)
        except asyncio.TimeoutError:
            self._retrying.cancel()
            turns = sum(len(message.turns) for message in self.pending)
            logger.error("Shutting down with %d transcript turns the database never took; they are lost", turns)


def _write(session: Any, message: PendingMessage) -> list[int]:
    """Append one message's turns, all of a conversation at once. Each conversation row is locked (PostgreSQL)
    before its next `seq` is read: turns that waited for the database are written outside the sender's lock,
    maybe while another instance writes the sender's next message, and the two must not take the same `seq`."""
    from sqlalchemy import select

    from bot.db.models import Conversation
    from bot.db.queries import current_conversation, record_turns

    conversations: dict[str, int] = {}
    row = session.get(Conversation, message.conversation_id) if message.conversation_id is not None else None
    if row is not None and row.ended_at is None and row.sender_id == message.sender_id:
        conversations[row.channel] = row.id
    by_conversation: dict[int, list[dict[str, Any]]] = {}
    for turn in message.turns:
        if turn.channel not in conversations:
            conversation = current_conversation(
                session, mode=CONVERSATION_MODE, channel=turn.channel, sender_id=message.sender_id
            )
            conversations[turn.channel] = conversation.id
        fields = {name: value for name, value in vars(turn).items() if name != "channel"}
        by_conversation.setdefault(conversations[turn.channel], []).append(fields)
    ids = []
    for conversation_id, turns in by_conversation.items():
        session.execute(select(Conversation.id).where(Conversation.id == conversation_id).with_for_update())
        ids.extend(row.id for row in record_turns(session, conversation_id, turns))
    return ids


class RecordingTrackerStore(TrackerStore):
    """The configured tracker store, plus the transcript of each saved message (see the module docstring).

    What is new in a saved tracker is what follows the events it had when Rasa retrieved it, under the same
    lock, a moment before; that count is remembered per sender (the most recent STORED_COUNTS_KEPT senders), so
    a save does not read and deserialise the whole stored tracker again. A sender not remembered is read.
    """

    def __init__(self, inner: TrackerStore, recorder: TranscriptRecorder) -> None:
        self.inner = inner
        self.recorder = recorder
        self._stored_counts: OrderedDict[str, int] = OrderedDict()
        super().__init__(inner.domain, None)

    @property
    def domain(self) -> Any:
        return self.inner.domain

    @domain.setter
    def domain(self, domain: Any) -> None:
        self.inner.domain = domain

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Save, then transcribe what was saved: a tracker the store refused is a failed turn (the customer is
        asked to send it again), and transcribing it would record that message twice."""
        new_events = await self._new_events(tracker)
        await self.inner.save(tracker)
        self._remember(tracker.sender_id, len(tracker.events))
        if new_events:
            await self.recorder.record_events(
                tracker.sender_id, new_events, tracker.get_latest_input_channel(), conversation_of(tracker)
            )

    async def _new_events(self, tracker: DialogueStateTracker) -> list[Event]:
        stored = self._stored_counts.pop(tracker.sender_id, None)
        if stored is not None:
            return list(tracker.events)[stored:]
        try:
            previous = await self.inner.retrieve(tracker.sender_id)
        except Exception:  # noqa: BLE001 - without the stored tracker the difference is unknown
            logger.exception("Could not read the stored tracker of %r; this message is not transcribed", tracker.sender_id)
            return []
        return TrackerEventDiffEngine.event_difference(previous, tracker)

    def _remember(self, sender_id: str, count: int) -> None:
        self._stored_counts[sender_id] = count
        self._stored_counts.move_to_end(sender_id)
        if len(self._stored_counts) > STORED_COUNTS_KEPT:
            self._stored_counts.popitem(last=False)

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        tracker = await self.inner.retrieve(sender_id)
        self._remember(sender_id, len(tracker.events) if tracker is not None else 0)
        return tracker

    async def retrieve_full_tracker(self, conversation_id: str) -> DialogueStateTracker | None:
        return await self.inner.retrieve_full_tracker(conversation_id)

    async def keys(self) -> Iterator[str]:  # type: ignore[override]
        return await self.inner.keys()

    async def exists(self, conversation_id: str) -> bool:
        return await self.inner.exists(conversation_id)
