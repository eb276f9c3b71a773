"""One pushed message → at most one bot turn → a passive reply within WeChat's 5-second window.

WeChat waits 5 s for the passive reply, then sends the same message again (three tries in all), and a retry
may reach another app instance. The design:

1. **Claim once, in the database.** Every message is first inserted into `wechat_messages` under its dedupe
   key (sender + MsgId; sender + CreateTime for events). Only the request whose insert wins runs it; the
   row's unique key makes this hold across instances and under simultaneous retries.
2. **Run it in a task of its own**, not in the request: the bot turn completes and its reply is stored even
   when the request gives up waiting, and a retry can never cancel it.
3. **Answer within the budget** (4.5 s from the request's arrival, leaving time for the network). The first
   request waits for its task that long. A retry of a claimed message runs nothing: it polls the row
   (any instance may hold the task) until the reply is stored or its own budget is spent — so whichever
   request is still open when the reply is ready sends it, and it is the same reply however often asked.
4. **Too slow: answer "success", deliver later.** A request whose budget runs out answers "success" (WeChat
   then shows nothing and stops retrying) rather than let WeChat time out (which shows the customer "该公众号
   暂时无法提供服务"). The reply stays in its row, undelivered, and goes out at the head of the next passive
   reply to the same openid — a passive reply is the only message an account without the customer-service
   API may send.

The channel also remembers, per openid (`wechat_users`), the bot's last options, so "1" or an option's title
is sent as its payload (`options`). The number bound to the openid is not the channel's business: the custom
action binds it once the customer has typed the SMS code and reads it on every message (actions/_identity.py),
so no message of this channel carries a phone the bot would have to trust.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from bot.channels.wechat import texts
from bot.channels.wechat.options import answer_to_message, render_messages
from bot.channels.wechat.protocol import Incoming, Signed
from bot.db.queries.wechat import (
    answer_message,
    claim_message,
    claim_signature,
    collect_replies,
    last_buttons,
    message_answered,
    remember_buttons,
)
from bot.db.session import session_scope
from bot.dialogue.service import TURN_FAILED

logger = logging.getLogger(__name__)

CHANNEL = "wechat"
REPLY_BUDGET_SECONDS = 4.5
POLL_SECONDS = 0.1
# Several replies in one passive reply (a late one first) are set apart by an empty line.
REPLY_SEPARATOR = "\n\n"

T = TypeVar("T")


class Dialogue(Protocol):
    """What the channel needs of the dialogue service (`bot.dialogue.DialogueService`)."""

    async def handle(
        self, sender_id: str, text: str, *, channel: str, metadata: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]: ...


class WechatConversations:
    """Answers pushed messages for one app process; holds the bot turns still running (see module docstring)."""

    def __init__(
        self,
        database_url: str | None = None,
        *,
        budget_seconds: float = REPLY_BUDGET_SECONDS,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self.database_url = database_url
        self.budget_seconds = budget_seconds
        self.poll_seconds = poll_seconds
        self._running: set[asyncio.Task[None]] = set()

    async def answer(self, dialogue: Dialogue, incoming: Incoming, received_at: float) -> str:
        """The text of the passive reply ("" = answer "success"); `received_at` is `time.monotonic()`."""
        deadline = received_at + self.budget_seconds
        if await self._db(claim_message, incoming.dedupe_key, incoming.openid):
            task = asyncio.create_task(self._run(dialogue, incoming), name=f"wechat {incoming.dedupe_key}")
            self._running.add(task)
            task.add_done_callback(self._finished)
            done, _ = await asyncio.wait({task}, timeout=max(0.0, deadline - time.monotonic()))
            if task in done:
                task.result()  # a failure to store the reply is a server error, not a silent "success"
            else:
                logger.warning("WeChat %s: no reply in %.1f s, success sent", incoming.dedupe_key, self.budget_seconds)
                return ""
        elif not await self._wait_for_reply(incoming.dedupe_key, deadline):
            logger.info("WeChat retry of %s: the reply is not ready; answering success", incoming.dedupe_key)
            return ""
        return REPLY_SEPARATOR.join(await self._db(collect_replies, incoming.dedupe_key))

    async def signature_unused(self, signed: Signed, body: bytes, *, oldest: int) -> bool:
        """True the first time a signature is seen, and again for the same body (a retry); False for another.

        Recorded in the database, so a replay to another instance is refused too; signatures older than
        `oldest` (seconds since the epoch) are forgotten.
        """
        digest = hashlib.sha256(body).hexdigest()
        return await self._db(claim_signature, signed.timestamp, signed.nonce, digest, oldest)

    async def drain(self) -> None:
        """Wait for the bot turns still running (tests use it to see what a late turn stored)."""
        if self._running:
            await asyncio.wait(set(self._running))

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("WeChat %s failed", task.get_name(), exc_info=task.exception())

    async def _run(self, dialogue: Dialogue, incoming: Incoming) -> None:
        if incoming.kind == "text" and incoming.text.strip():
            reply = await self._bot_reply(dialogue, incoming)
        elif incoming.kind == "subscribe":
            reply = texts.welcome()
        elif incoming.kind in ("media", "text"):  # an empty text is no more readable than a picture
            reply = texts.ASK_FOR_TEXT
        else:
            reply = ""
        await self._db(answer_message, incoming.dedupe_key, reply)

    async def _bot_reply(self, dialogue: Dialogue, incoming: Incoming) -> str:
        """The bot's reply, or the dialogue's apology when the channel's own part fails.

        The dialogue answers a failed turn itself (TURN_FAILED); what can still fail here is the channel's
        state around it (the follower's stored options). The customer then gets the same
        apology instead of a retry loop ending in silence, and it is stored like any reply, so WeChat's
        retries deliver it.
        """
        try:
            buttons = await self._db(last_buttons, incoming.openid)
            message = answer_to_message(incoming.text, buttons)
            messages = await dialogue.handle(incoming.openid, message, channel=CHANNEL)
            reply, new_buttons = render_messages(messages)
            await self._db(remember_buttons, incoming.openid, new_buttons)
        except Exception:  # noqa: BLE001 - the customer gets an apology instead of silence
            logger.exception("WeChat %s from %s failed; answered with an apology", incoming.dedupe_key, incoming.openid)
            return TURN_FAILED
        return reply

    async def _wait_for_reply(self, dedupe_key: str, deadline: float) -> bool:
        while not await self._db(message_answered, dedupe_key):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            await asyncio.sleep(min(self.poll_seconds, remaining))
        return True

    async def _db(self, work: Callable[..., T], *args: Any) -> T:
        """One transaction in a worker thread: a slow database must not stall the other conversations."""

        def run() -> T:
            with session_scope(self.database_url) as session:
                return work(session, *args)

        return await asyncio.to_thread(run)

