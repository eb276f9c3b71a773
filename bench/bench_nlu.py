"""NLU speed: model load time, parse latency p50/p99 after warm-up, and 1,000 messages through the CLI.

Run with `make bench` (or `.venv/bin/python bench/bench_nlu.py`); figures go to docs/BENCHMARKS.md by hand,
with the machine they were measured on. Targets on 2 cores: p50 <= 15 ms, p99 <= 50 ms.
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.logging_setup import configure_logging  # noqa: E402
from bot.nlu.dataset import read_examples  # noqa: E402
from bot.nlu.parser import NluParser  # noqa: E402

WARM_UP = 50
MESSAGES = 1000


def sample_texts(count: int) -> list[str]:
    texts = [e.text for e in read_examples([ROOT / "tests" / "data" / "customer_challenge.yml"])]
    return [texts[i % len(texts)] for i in range(count)]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


async def measure_latency(parser: NluParser, texts: list[str]) -> list[float]:
    for text in texts[:WARM_UP]:
        await parser.parse(text)
    latencies = []
    for text in texts:
        start = time.perf_counter()
        await parser.parse(text)
        latencies.append((time.perf_counter() - start) * 1000)
    return latencies


def main() -> None:
    configure_logging("WARNING")
    texts = sample_texts(MESSAGES)
    start = time.perf_counter()
    parser = NluParser.load("customer")
    load_seconds = time.perf_counter() - start
    latencies = asyncio.run(measure_latency(parser, texts))
    print(f"model: {parser.model_version}")
    print(f"model load: {load_seconds:.2f} s")
    print(
        f"parse latency over {len(latencies)} messages: p50 {statistics.median(latencies):.2f} ms, "
        f"p99 {percentile(latencies, 0.99):.2f} ms, max {max(latencies):.2f} ms"
    )
    stdin = "\n".join(texts).encode("utf-8") + b"\n"
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--log-level", "WARNING", "parse"],
        input=stdin, capture_output=True, cwd=ROOT, check=True,
    )
    wall = time.perf_counter() - start
    lines = result.stdout.decode("utf-8").count("\n")
    print(f"retention-bot parse, {lines} messages: {wall:.2f} s wall including model load ({lines / wall:.0f} msg/s)")


if __name__ == "__main__":
    main()
