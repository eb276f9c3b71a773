"""Where blocking work runs: in a thread in the app process, on the loop in a dialogue worker."""

from __future__ import annotations

import threading

import pytest

from bot import event_loop
from bot.event_loop import blocking


async def test_blocking_work_runs_in_a_thread_in_the_app_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(event_loop, "_work_on_the_loop", False)
    assert await blocking(threading.get_ident) != threading.get_ident()


async def test_a_dialogue_worker_runs_it_on_its_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(event_loop, "_work_on_the_loop", False)
    event_loop.run_blocking_work_on_the_loop()
    assert event_loop.work_on_the_loop()
    assert await blocking(threading.get_ident) == threading.get_ident()
    assert await blocking(divmod, 7, 2) == (3, 1)
