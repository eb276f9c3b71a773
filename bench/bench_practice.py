"""Practice mode speed: one trainee turn as the web page makes it — read the call from the database, recognise the
reply's acts (agent-act model, clause by clause), the expected act and model answer (`decide` + render), the offer
named, the simulated customer's answer (its lines read back by the customer model: cached), store both turns.

Run with `make bench` (or `.venv/bin/python bench/bench_practice.py`). A temporary SQLite database seeded like the
demo; the trained models. Every library scenario is played once untimed first (it fills the read-back cache, as a
serving app's is after its first calls), then CALLS calls are timed turn by turn. Target: p50 <= 50 ms, p95 <= 150 ms.
"""

from __future__ import annotations

import asyncio
import logging
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.db.migrate import upgrade  # noqa: E402
from bot.db.seed import default_as_of, seed_database  # noqa: E402
from bot.logging_setup import configure_rasa_structlog  # noqa: E402
from bot.nlu.parser import NluParser  # noqa: E402
from bot.practice.call import PracticeEngine  # noqa: E402
from bot.practice.scenario import library  # noqa: E402
from bot.practice.session import PracticeSessions  # noqa: E402

CUSTOMERS = 500
TODAY = date.today()
REPLIES = (
    "您好，我是中国电信客服专员小王，请问您想办理销户是遇到什么问题了吗？",
    "我想再确认一下，除了这个原因，还有没有别的让您不满意的地方？",
    "非常理解您的心情，给您添麻烦了，这件事我一定认真帮您处理。",
    "根据您的用量，建议您改签一个降档的套餐，每个月能省下一部分，不绑定合约。",
    "我明天下午6点前把费用对比发到您手机上，处理进度也会短信通知您。",
    "如果您还是想走，也建议先把号码保留下来，办个保号套餐，换号的麻烦就省了。",
    "感谢您的耐心和支持，祝您生活愉快，再见！",
)


async def play(sessions: PracticeSessions, spec_id: str, timings: list[float] | None) -> None:
    started = await sessions.start(library().get(spec_id), user_id=None, today=TODAY)
    for text in REPLIES:
        begin = time.perf_counter()
        replied = await sessions.reply(started.id, text, None)
        if timings is not None:
            timings.append((time.perf_counter() - begin) * 1000)
        if replied.report is not None:
            break


async def main() -> None:
    logging.disable(logging.WARNING)
    configure_rasa_structlog()
    workdir = Path(tempfile.mkdtemp(prefix="bench-practice-"))
    url = f"sqlite:///{workdir / 'practice.db'}"
    upgrade(url)
    seed_database(url, customers=CUSTOMERS, seed=7, as_of=default_as_of(TODAY))
    started = time.perf_counter()
    engine = PracticeEngine(NluParser.load("agent"), NluParser.load("customer"), cache_dir=workdir / "readback")
    print(f"models loaded in {time.perf_counter() - started:.1f} s")
    sessions = PracticeSessions(engine, url)
    ids = [spec.id for spec in library().scenarios if spec.id]
    started = time.perf_counter()
    for spec_id in ids:
        await play(sessions, spec_id, None)
    print(f"warm-up: {len(ids)} library calls in {time.perf_counter() - started:.1f} s (fills the read-back cache)")
    timings: list[float] = []
    for spec_id in ids:
        await play(sessions, spec_id, timings)
    timings.sort()
    p50 = statistics.median(timings)
    p95 = timings[int(0.95 * (len(timings) - 1))]
    print(f"trainee turn (read call, acts, expected act, customer, store): {len(timings)} turns, "
          f"p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {timings[-1]:.1f} ms")
    print(f"target p50 <= 50 ms, p95 <= 150 ms: {'met' if p50 <= 50 and p95 <= 150 else 'NOT met'}")
    reading = []
    for _ in range(len(ids)):
        for text in REPLIES:
            begin = time.perf_counter()
            await engine.reader.read(text)
            reading.append((time.perf_counter() - begin) * 1000)
    print(f"of which the acts alone (agent-act model, one parse per clause): p50 {statistics.median(reading):.1f} ms")


if __name__ == "__main__":
    asyncio.run(main())
