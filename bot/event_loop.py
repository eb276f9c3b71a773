"""What this process's event loop is for, decided once at start-up, and where blocking work runs because of it.

In the app process the loop serves every request (HTTP, /health, the desk, WeChat's 5-second deadline), so
blocking work (an NLU parse, a custom action, a transcript write) runs in threads and the loop only waits. A
dialogue worker's loop serves nothing but its senders' messages (bot/dialogue/worker.py), and that work is
Python holding the GIL wherever it runs: there a thread only adds hand-overs, each a wait of up to the GIL's
switch interval (5 ms) while another thread runs, several per message. So in a worker it runs on the loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

_work_on_the_loop = False


def run_blocking_work_on_the_loop() -> None:
    """For a process whose loop serves only dialogue turns; call once, before serving."""
    global _work_on_the_loop  # noqa: PLW0603 - a property of the process, set once at start-up
    _work_on_the_loop = True


def work_on_the_loop() -> bool:
    return _work_on_the_loop


async def blocking(function: Callable[..., T], *args: Any) -> T:
    """`function(*args)`, in a thread unless this process runs blocking work on its loop."""
    if _work_on_the_loop:
        return function(*args)
    return await asyncio.to_thread(function, *args)
