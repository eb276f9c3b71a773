"""One dialogue worker process: a `DialogueService` answering the front process over a Unix socket.

Started by `bot.dialogue.workers.DialogueWorkers` as `python -m bot.dialogue.worker SOCKET MODEL`, with the
front's environment. Its event loop serves nothing but dialogue turns, so the parse, the custom action and the
transcript write run on the loop, not in threads (bot/event_loop.py: fewer waits for the GIL); turns of
different senders interleave where a turn awaits, and one sender's run one after another (the lock store). It
stops when the front closes its stdin, so no worker outlives the process that started it, whatever killed that
one.

Frames are a 4-byte big-endian length and a JSON object: requests `{"id", "method", "params"}`, answers
`{"id", "result"}` or `{"id", "error": {"kind", "detail"}}`; JSON rather than pickle, so a frame can only ever
be data. The socket lives in a directory only this user can open (`tempfile.mkdtemp`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from bot.dialogue.service import DialogueService, DialogueUnavailable, freeze_loaded_objects
from bot.event_loop import run_blocking_work_on_the_loop

logger = logging.getLogger(__name__)

FRAME_HEADER_BYTES = 4
ORPHANED_TRANSCRIPT_SECONDS = 5.0


async def read_frame(reader: asyncio.StreamReader) -> dict[str, Any]:
    """The next frame; `asyncio.IncompleteReadError` when the other side closed the socket."""
    header = await reader.readexactly(FRAME_HEADER_BYTES)
    return json.loads(await reader.readexactly(int.from_bytes(header, "big")))


def encode_frame(frame: dict[str, Any]) -> bytes:
    data = json.dumps(frame).encode("ascii")  # \u escapes: any text the channels accepted goes through
    return len(data).to_bytes(FRAME_HEADER_BYTES, "big") + data


class WorkerServer:
    """The methods the front may call, on one loaded service."""

    def __init__(self, service: DialogueService) -> None:
        self.service = service
        self.closing = asyncio.Event()
        self.connections: set[asyncio.StreamWriter] = set()
        # How long waiting transcript turns get at the end: the front's shutdown says, a vanished front gets this.
        self.close_seconds = ORPHANED_TRANSCRIPT_SECONDS

    async def info(self) -> dict[str, Any]:
        service = self.service
        return {
            "model_path": str(service.model_path),
            "has_dialogue": service.has_dialogue,
            "load_seconds": service.load_seconds,
            "action_status": await self.action_status(),
        }

    async def handle(self, sender_id: str, text: str, channel: str, metadata: dict[str, Any] | None) -> Any:
        return await self.service.handle(sender_id, text, channel=channel, metadata=metadata)

    async def slots(self, sender_id: str) -> dict[str, Any]:
        return await self.service.slots(sender_id)

    async def action_status(self) -> dict[str, Any]:
        return dataclasses.asdict(await self.service.action_status())

    async def store_status(self) -> dict[str, Any]:
        return {name: dataclasses.asdict(status) for name, status in (await self.service.store_status()).items()}

    async def close(self, seconds: float) -> None:
        """Stop after this answer, giving waiting transcript turns `seconds` to be written."""
        self.close_seconds = seconds
        self.closing.set()

    async def answer(self, request: dict[str, Any]) -> dict[str, Any]:
        """The answer frame to one request frame; an error of the method is an error frame, never a crash."""
        method = getattr(self, str(request.get("method")), None) if request.get("method") in METHODS else None
        if method is None:
            return {"id": request.get("id"), "error": {"kind": "ValueError", "detail": "unknown method"}}
        try:
            return {"id": request["id"], "result": await method(**request.get("params", {}))}
        except DialogueUnavailable as exc:
            return {"id": request["id"], "error": {"kind": "DialogueUnavailable", "detail": str(exc)}}
        except ValueError as exc:
            return {"id": request["id"], "error": {"kind": "ValueError", "detail": str(exc)}}
        except Exception as exc:  # noqa: BLE001 - answered to the front, which decides; logged here with the cause
            logger.exception("Dialogue worker: %s failed", request.get("method"))
            return {"id": request["id"], "error": {"kind": type(exc).__name__, "detail": str(exc)}}

    async def serve_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Every request of the connection in a task of its own; answers in the order they finish."""
        tasks: set[asyncio.Task] = set()
        self.connections.add(writer)

        async def run(request: dict[str, Any]) -> None:
            writer.write(encode_frame(await self.answer(request)))
            await writer.drain()

        try:
            while True:
                task = asyncio.create_task(run(await read_frame(reader)))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the front closed the connection
        finally:
            if tasks:
                await asyncio.wait(tasks)
            writer.close()
            self.connections.discard(writer)


METHODS = frozenset({"info", "handle", "slots", "action_status", "store_status", "close"})


def _stop_when_stdin_closes(loop: asyncio.AbstractEventLoop, server: WorkerServer) -> None:
    """The front holds our stdin open for as long as it lives: end of input means it is gone."""

    def wait() -> None:
        sys.stdin.buffer.read()
        loop.call_soon_threadsafe(server.closing.set)

    threading.Thread(target=wait, name="front-watch", daemon=True).start()


async def serve(socket_path: Path, model_path: Path) -> None:
    service = await asyncio.to_thread(DialogueService.load, model_path)
    freeze_loaded_objects()
    server = WorkerServer(service)
    loop = asyncio.get_running_loop()
    _stop_when_stdin_closes(loop, server)
    loop.add_signal_handler(signal.SIGTERM, server.closing.set)
    listener = await asyncio.start_unix_server(server.serve_connection, path=str(socket_path))
    logger.info("Dialogue worker ready on %s", socket_path)
    async with listener:
        await server.closing.wait()
        for connection in list(server.connections):
            connection.close()  # its handler reads the end of input and returns once its requests are answered
        while server.connections:
            await asyncio.sleep(0.05)
    await service.close(server.close_seconds)


def _tensorflow_on_one_core() -> None:
    """N workers run on N cores: TensorFlow's thread pools, sized to every core in each of them, would have
    2N threads fight over N cores for every parse."""
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)


def main(argv: list[str] | None = None) -> int:
    from bot.config import get_settings
    from bot.logging_setup import configure_logging, configure_rasa_structlog

    socket_path, model_path = (Path(arg) for arg in (argv or sys.argv[1:]))
    # Ctrl-C in a terminal reaches the whole process group: the front stops its workers in order itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    configure_logging(get_settings().log_level)
    configure_rasa_structlog()
    _tensorflow_on_one_core()
    run_blocking_work_on_the_loop()
    asyncio.run(serve(socket_path, model_path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
