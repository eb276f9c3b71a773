"""The customer dialogue: one Rasa agent per process, shared by every channel (REST, web chat, WeChat).

A channel calls `DialogueService.handle(sender_id, text, channel=..., metadata=...)` and gets the bot's
messages in the shape of Rasa's REST channel. The channel name reaches Rasa as the message's input channel:
the custom actions read it (`tracker.get_latest_input_channel()`) to find the conversation row, the
transcript recorder uses it for the same row. Sender ids must be unique across channels (a WeChat openid, a
random id per web chat session): one sender id is one Rasa tracker.

Two rules hold here for every channel, so no channel can forget them:

- **Payloads only from buttons.** Rasa runs a message that starts with "/" as an intent (`/accept_offer`,
  `/restart`, `/session_start{...}`) without asking the NLU. Such a message runs only when it is exactly a
  payload of the buttons in the bot's last reply to this sender; anything else typed that way reaches the NLU
  as the words after the slash.
- **A failed turn apologises.** When the turn fails (a store, the model, anything Rasa does not catch itself),
  the customer gets one line saying so and asking to send the message again, and the failure is logged with
  the sender; nothing the turn said before failing goes out, because it was not recorded either.
- **A turn that cannot start is refused.** When the sender's lock cannot be taken (the Redis lock store of
  several instances does not answer), nothing ran: `handle` raises `DialogueUnavailable`, which the REST
  channel answers 503 so a client knows to send again, rather than an apology that looks like a reply.
- **Text is capped before parsing.** At most MAX_MESSAGE_CHARS characters of a message reach the NLU, whatever
  the channel (REST refuses longer ones with 400; a WeChat message is cut): parsing grows with the length, and
  one 20,000-character message would hold the process for seconds.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.config import Settings, get_settings
from bot.db.models.vocabulary import CHANNELS
from bot.dialogue.action_endpoint import InProcessActionEndpoint, action_endpoint_from_settings
from bot.dialogue.stores import StoreInfo, create_lock_store, create_tracker_store, describe, ping
from bot.dialogue.transcripts import RecordingTrackerStore, TranscriptRecorder
from bot.event_loop import work_on_the_loop
from bot.nlu.parser import guard_intent_prefix, off_the_loop

logger = logging.getLogger(__name__)

HEALTH_TIMEOUT_SECONDS = 3.0
# Health checks block on the network (a database ping, a Redis PING): they get threads of their own, so that
# under load /health does not queue behind the conversations' actions and transcript writes in the default pool.
HEALTH_THREADS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="health")
MAX_MESSAGE_CHARS = 2000
# The answer to a failed turn. Not the corpus' utter_service_error: that line says the case was recorded and a
# colleague will call back, which nothing arranges when the turn itself failed; this one promises nothing.
TURN_FAILED = "抱歉，系统刚才开了个小差，没能处理您的消息。麻烦您稍后再发一次，给您添麻烦了。"


def freeze_loaded_objects() -> None:
    """Keep the loaded models' objects out of every later garbage collection (`gc.freeze`), once loaded.

    The models leave about 675,000 objects that live as long as the process; a full collection walked them all
    (0.5 s on 2 cores, longer under load) while every request of the process waited.
    """
    gc.collect()
    gc.freeze()


class DialogueUnavailable(RuntimeError):
    """The turn did not start: the sender's lock could not be taken (the lock store does not answer)."""


@dataclass(frozen=True)
class ActionStatus:
    """Custom actions the domain declares versus the actions the executor (or action server) has."""

    mode: str  # "in-process" or "external"
    target: str  # the package, or the action server URL
    expected: list[str]
    registered: list[str]
    error: str | None = None

    @property
    def missing(self) -> list[str]:
        return sorted(set(self.expected) - set(self.registered))

    @property
    def ok(self) -> bool:
        return self.error is None and not self.missing


@dataclass(frozen=True)
class StoreStatus:
    kind: str
    url: str | None
    reachable: bool
    error: str | None = None


class ModelFile:
    """What /health says of the model a dialogue runs on, read off its file name (`model_path`)."""

    model_path: Path

    @property
    def model_version(self) -> str:
        """The model file name without `.tar.gz` (`customer-<fingerprint>`)."""
        return self.model_path.name.removesuffix(".tar.gz")

    @property
    def model_fingerprint(self) -> str:
        """The fingerprint of the training inputs (bot/nlu/training.py), from the file name."""
        return self.model_version.split("-", 1)[-1]


@dataclass
class DialogueService(ModelFile):
    """A loaded customer model with its action endpoint, tracker store and lock store.

    Build it with `DialogueService.load` (blocking: Rasa compiles the TensorFlow graphs, seconds) in a worker
    thread; `handle` is then safe to call concurrently from any number of requests: Rasa's lock store runs
    the messages of one sender one after another.
    """

    agent: Any
    model_path: Path
    action_endpoint: Any
    tracker_store: Any  # the configured store (without the transcript wrapper)
    lock_store: Any
    tracker_store_info: StoreInfo
    lock_store_info: StoreInfo
    load_seconds: float = 0.0
    recorder: TranscriptRecorder = field(default_factory=TranscriptRecorder)

    @classmethod
    def load(
        cls,
        model_path: Path | None = None,
        settings: Settings | None = None,
        *,
        action_endpoint: Any | None = None,
        recorder: TranscriptRecorder | None = None,
    ) -> DialogueService:
        """Load the customer model (default: `find_model("customer")`) with the stores of `settings`."""
        from rasa.core.agent import Agent

        from bot.dialogue import action_result_validation
        from bot.nlu.training import find_model

        action_result_validation.install()
        settings = settings or get_settings()
        path = Path(model_path or find_model("customer", settings))
        started = time.perf_counter()
        endpoint = action_endpoint or action_endpoint_from_settings(settings)
        tracker_store = create_tracker_store(settings.tracker_store_url)
        lock_store = create_lock_store(settings.lock_store_url)
        recorder = recorder or TranscriptRecorder()
        logger.info("Loading the dialogue model %s", path)
        recording = RecordingTrackerStore(tracker_store, recorder)
        agent = Agent.load(str(path), tracker_store=recording, lock_store=lock_store, action_endpoint=endpoint)
        # Rasa wraps the store in a FailSafeTrackerStore: a tracker it cannot read becomes an empty one (the
        # bot forgets the conversation mid-way) and one it cannot write goes to this process's memory (other
        # instances never see it). A store that fails must fail the turn instead: the customer gets the apology
        # and sends the message again, and nothing diverges.
        agent.tracker_store = agent.processor.tracker_store = recording
        service = cls(
            agent=agent,
            model_path=path,
            action_endpoint=endpoint,
            tracker_store=tracker_store,
            lock_store=lock_store,
            tracker_store_info=describe(tracker_store, settings.tracker_store_url),
            lock_store_info=describe(lock_store, settings.lock_store_url),
            load_seconds=time.perf_counter() - started,
            recorder=recorder,
        )
        logger.info("Dialogue model %s loaded in %.1f s", service.model_version, service.load_seconds)
        return service

    # --- the model ----------------------------------------------------------------------------------------

    @property
    def has_dialogue(self) -> bool:
        """False for an NLU-only model (no policies): it can parse but not hold a conversation."""
        from rasa.shared.data import TrainingType

        return self.agent.processor.model_metadata.training_type != TrainingType.NLU

    @property
    def processes(self) -> int:
        """Processes holding conversations: this one (`DialogueWorkers` has several)."""
        return 1

    @property
    def domain(self) -> Any:
        return self.agent.domain

    @property
    def custom_actions(self) -> list[str]:
        """The custom actions the domain declares (responses excluded)."""
        return sorted(name for name in self.domain.user_actions if name not in self.domain.responses)

    # --- conversations ------------------------------------------------------------------------------------

    async def handle(
        self, sender_id: str, text: str, *, channel: str, metadata: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """The bot's messages in reply to `text`, as Rasa's REST channel returns them.

        `[{"recipient_id": sender_id, "text": ..., "buttons": [{"title", "payload"}]?, "image"?, "custom"?}]`.
        `channel` is one of CHANNELS (web, wechat, rest, ...); `metadata` reaches the actions with the message
        (`tracker.latest_message["metadata"]`; the web chat and WeChat channels put the customer's `phone`
        there). A "/" message runs as an intent only when the bot's last reply offered it as a button; a turn
        that fails is logged and answered with TURN_FAILED (module docstring). It raises DialogueUnavailable when
        the turn could not start, and ValueError for an unknown channel (a bug in the caller, not a failed turn).
        """
        from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
        from rasa.core.lock_store import LockError

        if channel not in CHANNELS:
            raise ValueError(f"unknown channel {channel!r}; expected one of {list(CHANNELS)}")
        if len(text) > MAX_MESSAGE_CHARS:
            logger.info("Sender %r wrote %d characters; the first %d are read", sender_id, len(text), MAX_MESSAGE_CHARS)
            text = text[:MAX_MESSAGE_CHARS]
        collector = CollectingOutputChannel()
        try:
            text = await self._unless_unoffered_payload(sender_id, text)
            message = UserMessage(text, collector, sender_id, input_channel=channel, metadata=metadata or None)
            # Parsed in the parsing thread (on the loop in a dialogue worker: bot/event_loop.py), before the
            # sender's lock; Rasa then uses this reading as it is.
            parse = self.agent.processor.parse_message(message)
            message.parse_data = await (parse if work_on_the_loop() else off_the_loop(parse))
            await self.agent.handle_message(message)
        except LockError as exc:
            logger.error("No lock for sender %r, the message was not handled: %s", sender_id, exc)
            raise DialogueUnavailable(
                "the lock store does not answer: the message was not handled, send it again"
            ) from exc
        except Exception:  # noqa: BLE001 - the customer gets an apology, the operator the traceback
            logger.exception("The dialogue failed on a message of sender %r; answered with an apology", sender_id)
            return [{"recipient_id": sender_id, "text": TURN_FAILED}]
        return collector.messages

    async def _unless_unoffered_payload(self, sender_id: str, text: str) -> str:
        """`text`, or without its leading slashes when it is a payload the bot did not offer this sender.

        Read before the sender's lock is taken (Rasa takes it inside `handle_message`): a reply still being
        written by a concurrent message of the same sender is not seen, which can only refuse a payload, and
        every accept is confirmed by the dialogue before anything is enrolled.
        """
        as_text = guard_intent_prefix(text)
        if as_text == text or text.strip() in await self.offered_payloads(sender_id):
            return text
        logger.info("Sender %r typed a payload the bot did not offer; read as text: %.60r", sender_id, text)
        return as_text

    async def offered_payloads(self, sender_id: str) -> set[str]:
        """The payloads of the buttons in the bot's last reply to this sender (its messages since the sender's
        last message); none before the first reply."""
        from rasa.shared.core.events import BotUttered, UserUttered

        tracker = await self.tracker(sender_id)
        payloads: set[str] = set()
        for event in reversed(tracker.events if tracker is not None else []):
            if isinstance(event, UserUttered):
                break
            if isinstance(event, BotUttered):
                buttons = (event.data or {}).get("buttons") or []
                payloads.update(str(button["payload"]) for button in buttons if button.get("payload"))
        return payloads

    async def tracker(self, sender_id: str) -> Any:
        """The sender's current tracker (None when the sender never wrote); for slots and reviews."""
        return await self.agent.tracker_store.retrieve(sender_id)

    async def slots(self, sender_id: str) -> dict[str, Any]:
        tracker = await self.tracker(sender_id)
        return tracker.current_slot_values() if tracker is not None else {}

    async def close(self, timeout: float) -> None:
        """At shutdown: transcript turns still waiting for the database get `timeout` seconds."""
        await self.recorder.close(timeout)

    # --- health -------------------------------------------------------------------------------------------

    async def action_status(self) -> ActionStatus:
        expected = self.custom_actions
        endpoint = self.action_endpoint
        if isinstance(endpoint, InProcessActionEndpoint):
            registry = endpoint.registry
            return ActionStatus("in-process", registry.package, expected, list(registry.actions), registry.error)
        return await _external_action_status(endpoint.url, expected)

    async def store_status(self) -> dict[str, StoreStatus]:
        """Whether the tracker store's and the lock store's servers answer (in-memory stores always do)."""
        result = {}
        for name, store, info in (
            ("tracker_store", self.tracker_store, self.tracker_store_info),
            ("lock_store", self.lock_store, self.lock_store_info),
        ):
            try:
                ping_store = asyncio.get_running_loop().run_in_executor(HEALTH_THREADS, ping, store)
                await asyncio.wait_for(ping_store, HEALTH_TIMEOUT_SECONDS)
                result[name] = StoreStatus(info.kind, info.url, True)
            except Exception as exc:  # noqa: BLE001 - reported, not raised
                result[name] = StoreStatus(info.kind, info.url, False, f"{type(exc).__name__}: {exc}".strip())
        return result


async def _external_action_status(url: str, expected: list[str]) -> ActionStatus:
    """Ask an external action server (rasa_sdk) which actions it has: GET <base>/actions."""
    import httpx

    base = url.rstrip("/").removesuffix("/webhook")
    try:
        async with httpx.AsyncClient(timeout=HEALTH_TIMEOUT_SECONDS) as client:
            response = await client.get(f"{base}/actions")
            response.raise_for_status()
            registered = sorted(item["name"] for item in response.json())
        return ActionStatus("external", url, expected, registered)
    except Exception as exc:  # noqa: BLE001 - reported on /health
        return ActionStatus("external", url, expected, [], f"action server unreachable: {exc}")
