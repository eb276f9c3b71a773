"""One customer message end to end: REST webhook → NLU → policy → action (decide, save, say) → transcript → reply.

Replays the scripted conversations of tests/conversations/ (identified customers of a freshly seeded SQLite
demo database, one sender at a time) through the app as `make run` serves it, and prints the latency of each
message after a warm-up. Targets on 2 cores: p50 <= 50 ms, p95 <= 150 ms.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

WEBHOOK = "/webhooks/rest/webhook"
WARM_UP = 30
CUSTOMERS = 200


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def scripted_messages() -> list[list[str]]:
    """The customer turns of every scripted conversation (the number placeholder left out)."""
    conversations = []
    for path in sorted((ROOT / "tests" / "conversations").glob("*.yml")):
        for conversation in yaml.safe_load(path.read_text(encoding="utf-8"))["conversations"]:
            conversations.append([t["say"] for t in conversation["turns"] if "{phone}" not in t["say"]])
    return conversations


def main() -> None:
    from fastapi.testclient import TestClient
    from sqlalchemy import select

    from bot.app.main import create_app
    from bot.db.migrate import upgrade
    from bot.db.models import Customer
    from bot.db.seed import default_as_of, seed_database
    from bot.db.session import session_scope
    from bot.identity.signing import signed_metadata
    from bot.logging_setup import configure_logging

    configure_logging("INFO")
    url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    upgrade(url)
    seed_database(url, customers=CUSTOMERS, seed=7, as_of=default_as_of(date.today()))
    with session_scope(url) as session:
        phones = list(session.execute(select(Customer.phone).where(Customer.status == "正常")).scalars())
    os.environ["DATABASE_URL"] = url
    # The operator's site vouches for the number (signed metadata.phone), so the action does its whole work: an
    # unsigned number would only get an SMS code and nothing personal (docs/CHANNELS.md).
    secret = os.environ.setdefault("CHANNEL_IDENTITY_SECRET", "bench-channel-identity-secret")
    for name in ("TRACKER_STORE_URL", "LOCK_STORE_URL", "ACTION_ENDPOINT_URL"):
        os.environ.pop(name, None)
    started = time.perf_counter()
    with TestClient(create_app(roles=("customer",))) as client:
        print(f"app start (model load): {time.perf_counter() - started:.1f} s")
        latencies: list[float] = []
        sent = 0
        for index, conversation in enumerate(scripted_messages()):
            sender, phone = f"bench-{uuid.uuid4().hex[:8]}", phones[index % len(phones)]
            for text in conversation:
                start = time.perf_counter()
                metadata = signed_metadata(phone, secret, now=time.time())
                response = client.post(WEBHOOK, json={"sender": sender, "message": text, "metadata": metadata})
                elapsed = (time.perf_counter() - start) * 1000
                response.raise_for_status()
                sent += 1
                if sent > WARM_UP:
                    latencies.append(elapsed)
    print(
        f"one customer message end to end over {len(latencies)} messages ({sent - len(latencies)} warm-up): "
        f"p50 {statistics.median(latencies):.1f} ms, p95 {percentile(latencies, 0.95):.1f} ms, "
        f"p99 {percentile(latencies, 0.99):.1f} ms, max {max(latencies):.1f} ms"
    )


if __name__ == "__main__":
    main()
