"""Dialogue worker processes: one instance that uses every core (`DIALOGUE_WORKERS`, docs/DEPLOY.md).

Why processes: a Python process runs Python on one core at a time, and a customer message costs about 22 ms of
it (NLU, Rasa's prediction loop, the action, the transcript), so one process tops out near 45 messages/s on an
idle machine however many cores it has. With N workers the app process (HTTP, the desk, practice mode) hands
each customer message to a worker and awaits the answer.

Why by sender: a sender always goes to the same worker (CRC-32 of the sender id, modulo N). Its tracker then
lives in that worker's tracker store, its lock in that worker's lock store, and its messages run one after
another as with one process: the embedded default (in-memory stores, SQLite) keeps working with N workers, and
with the scaled stores (PostgreSQL, Redis) nothing changes. A worker that dies is started again; until it
answers, its senders' messages raise `DialogueUnavailable` (REST answers 503, "send it again"), and with the
in-memory tracker store its conversations start afresh, as they would after a restart of a single process.

`DialogueWorkers` offers what the app uses of `DialogueService` (handle, slots, health, close), so routes do
not know which one they hold.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import logging
import os
import shutil
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.dialogue.service import ActionStatus, DialogueUnavailable, ModelFile, StoreStatus
from bot.dialogue.worker import encode_frame, read_frame

logger = logging.getLogger(__name__)

START_TIMEOUT_SECONDS = 600.0  # loading compiles TensorFlow graphs: 20-40 s each, longer when N load at once
STOP_TIMEOUT_SECONDS = 15.0
RESTART_DELAY_SECONDS = 1.0
STORE_STATUS_MAX_AGE_SECONDS = 2.0


class WorkerStartError(RuntimeError):
    """A worker process exited or did not answer while loading the model."""


@dataclass
class Worker:
    """One worker process and the connection to it; requests are told apart by id."""

    index: int
    socket_path: Path
    process: asyncio.subprocess.Process | None = None
    writer: asyncio.StreamWriter | None = None
    pending: dict[int, asyncio.Future] = field(default_factory=dict)
    reader_task: asyncio.Task | None = None
    ids: itertools.count = field(default_factory=itertools.count)
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        return self.writer is not None and not self.writer.is_closing()

    async def start(self, model_path: Path, env: dict[str, str]) -> None:
        """Start the process and wait until it answers (the model loaded)."""
        self.socket_path.unlink(missing_ok=True)
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.dialogue.worker", str(self.socket_path), str(model_path),
            stdin=asyncio.subprocess.PIPE, env=env,
        )
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not self.socket_path.exists():
            if self.process.returncode is not None:
                raise WorkerStartError(f"dialogue worker {self.index} exited with {self.process.returncode} while loading")
            if time.monotonic() > deadline:
                raise WorkerStartError(f"dialogue worker {self.index} did not load in {START_TIMEOUT_SECONDS:g} s")
            await asyncio.sleep(0.2)
        reader, self.writer = await asyncio.open_unix_connection(str(self.socket_path))
        self.reader_task = asyncio.create_task(self._read_answers(reader), name=f"dialogue worker {self.index}")
        self.info = await self.call("info")

    async def call(self, method: str, **params: Any) -> Any:
        if not self.ready:
            raise DialogueUnavailable(f"dialogue worker {self.index} is restarting: send the message again")
        request_id = next(self.ids)
        future = asyncio.get_running_loop().create_future()
        self.pending[request_id] = future
        self.writer.write(encode_frame({"id": request_id, "method": method, "params": params}))  # type: ignore[union-attr]
        return await future

    async def _read_answers(self, reader: asyncio.StreamReader) -> None:
        try:
            while True:
                answer = await read_frame(reader)
                future = self.pending.pop(answer["id"], None)
                if future is None or future.done():
                    continue
                if "error" in answer:
                    future.set_exception(_error(answer["error"]))
                else:
                    future.set_result(answer["result"])
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            if self.writer is not None:
                self.writer.close()
            self._fail_pending(DialogueUnavailable(f"dialogue worker {self.index} stopped: send the message again"))

    def _fail_pending(self, error: Exception) -> None:
        pending, self.pending = self.pending, {}
        for future in pending.values():
            if not future.done():
                future.set_exception(error)

    async def stop(self, transcript_seconds: float) -> None:
        """Ask a running worker to stop (its waiting transcript turns get `transcript_seconds`); kill one that is
        still loading, or does not stop."""
        if self.process is None or self.process.returncode is not None:
            return
        if self.ready:
            try:
                await asyncio.wait_for(self.call("close", seconds=transcript_seconds), STOP_TIMEOUT_SECONDS)
                await asyncio.wait_for(self.process.wait(), transcript_seconds + STOP_TIMEOUT_SECONDS)
                return
            except (asyncio.TimeoutError, DialogueUnavailable):
                logger.error("Dialogue worker %d did not stop; killed", self.index)
        self.process.kill()
        await self.process.wait()


def _error(error: dict[str, str]) -> Exception:
    """The exception a worker reported, as the kind the caller handles (others as RuntimeError)."""
    if error["kind"] == "DialogueUnavailable":
        return DialogueUnavailable(error["detail"])
    if error["kind"] == "ValueError":
        return ValueError(error["detail"])
    return RuntimeError(f"dialogue worker: {error['kind']}: {error['detail']}")


def worker_index(sender_id: str, count: int) -> int:
    """The worker of a sender: the same for every message of the sender, in every process (CRC-32, not hash())."""
    return zlib.crc32(sender_id.encode("utf-8", "surrogatepass")) % count


@dataclass
class DialogueWorkers(ModelFile):
    """N worker processes, each a `DialogueService` on the same model file; senders spread by `worker_index`."""

    workers: list[Worker]
    model_path: Path
    socket_dir: Path
    # The environment (the settings) at start: a worker started again is the worker it replaces.
    env: dict[str, str]
    load_seconds: float
    watchers: list[asyncio.Task] = field(default_factory=list)
    closing: bool = False
    _stores: dict[str, StoreStatus] | None = None
    _stores_at: float = 0.0
    _stores_check: asyncio.Task | None = None

    @classmethod
    async def start(cls, count: int, model_path: Path) -> DialogueWorkers:
        """Start `count` workers on the model file (the app resolves which), all loading at once."""
        path = model_path.resolve()
        socket_dir = Path(tempfile.mkdtemp(prefix="retention-dialogue-"))  # mode 0700: only this user connects
        workers = [Worker(index, socket_dir / f"worker-{index}.sock") for index in range(count)]
        started = time.perf_counter()
        logger.info("Starting %d dialogue workers on %s", count, path)
        pool = cls(workers, path, socket_dir, dict(os.environ), 0.0)
        try:
            await asyncio.gather(*(worker.start(path, pool.env) for worker in workers))
        except BaseException:
            await pool.close(0)
            raise
        pool.load_seconds = time.perf_counter() - started
        pool.watchers = [asyncio.create_task(pool._restart_when_it_dies(worker)) for worker in workers]
        logger.info("%d dialogue workers loaded in %.1f s", count, pool.load_seconds)
        return pool

    async def _restart_when_it_dies(self, worker: Worker) -> None:
        while not self.closing:
            code = await worker.process.wait()  # type: ignore[union-attr] - started before the watcher
            if self.closing:
                return
            logger.error("Dialogue worker %d exited with %s; starting it again", worker.index, code)
            await asyncio.sleep(RESTART_DELAY_SECONDS)
            try:
                await worker.start(self.model_path, self.env)
            except WorkerStartError as exc:
                logger.error("%s", exc)

    # --- what the app uses of a DialogueService --------------------------------------------------------------

    @property
    def has_dialogue(self) -> bool:
        return bool(self.workers[0].info.get("has_dialogue"))

    @property
    def processes(self) -> int:
        return len(self.workers)

    def worker_for(self, sender_id: str) -> Worker:
        return self.workers[worker_index(sender_id, len(self.workers))]

    async def handle(
        self, sender_id: str, text: str, *, channel: str, metadata: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """`DialogueService.handle` in the sender's worker."""
        return await self.worker_for(sender_id).call(
            "handle", sender_id=sender_id, text=text, channel=channel, metadata=metadata
        )

    async def slots(self, sender_id: str) -> dict[str, Any]:
        return await self.worker_for(sender_id).call("slots", sender_id=sender_id)

    async def action_status(self) -> ActionStatus:
        """The actions the first worker found at start (they all run the same code), with an error while any
        worker is not running. Never a round trip: a worker's loop runs its conversations, and /health must not
        queue behind them."""
        status = ActionStatus(**self.workers[0].info["action_status"])
        down = [worker.index for worker in self.workers if not worker.ready]
        return dataclasses.replace(status, error=f"dialogue workers {down} are not running") if down else status

    async def store_status(self) -> dict[str, StoreStatus]:
        """The stores as the first running worker last saw them, at most STORE_STATUS_MAX_AGE_SECONDS ago: an older
        answer is renewed in the background while this one is returned (/health never waits for a worker)."""
        if self._stores is None:
            await self._check_stores()
        elif time.monotonic() - self._stores_at > STORE_STATUS_MAX_AGE_SECONDS and (
            self._stores_check is None or self._stores_check.done()
        ):
            self._stores_check = asyncio.create_task(self._check_stores())
        return self._stores  # type: ignore[return-value] - set by the check above

    async def _check_stores(self) -> None:
        try:
            answers = await self._first_ready().call("store_status")
            self._stores = {name: StoreStatus(**status) for name, status in answers.items()}
        except DialogueUnavailable as exc:
            self._stores = {name: StoreStatus("unknown", None, False, str(exc)) for name in ("tracker_store", "lock_store")}
        self._stores_at = time.monotonic()

    def _first_ready(self) -> Worker:
        for worker in self.workers:
            if worker.ready:
                return worker
        raise DialogueUnavailable("no dialogue worker is running")

    async def close(self, timeout: float) -> None:
        """Stop every worker; each gives its waiting transcript turns `timeout` seconds."""
        self.closing = True
        for task in [*self.watchers, self._stores_check]:
            if task is not None:
                task.cancel()
        await asyncio.gather(*(worker.stop(timeout) for worker in self.workers))
        shutil.rmtree(self.socket_dir, ignore_errors=True)
