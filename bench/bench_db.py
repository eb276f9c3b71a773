"""Database speed: `db seed` of 10,000 customers, and the per-message look-ups the dialogue makes.

Run with `make bench` (or `.venv/bin/python bench/bench_db.py`). SQLite always (a temporary file); PostgreSQL
too when TEST_POSTGRES_URL's server answers (a temporary database, dropped afterwards). Target: seeding
10,000 customers in under 10 s on 2 cores.
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

from sqlalchemy import select, text  # noqa: E402
from sqlalchemy.engine import create_engine  # noqa: E402

from bot.db.migrate import upgrade  # noqa: E402
from bot.db.models import Customer  # noqa: E402
from bot.db.queries import (  # noqa: E402
    find_customer_by_phone,
    latest_usage,
    recommend_offers,
    record_turn,
    start_conversation,
)
from bot.db.seed import seed_database  # noqa: E402
from bot.db.session import get_engine, session_scope  # noqa: E402

CUSTOMERS = 10_000
LOOKUPS = 500
AS_OF = date(2025, 5, 1)
POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")


def measure(url: str, label: str) -> None:
    upgrade(url)
    started = time.perf_counter()
    result = seed_database(url, customers=CUSTOMERS, seed=1, as_of=AS_OF, force=True)
    seconds = time.perf_counter() - started
    print(f"{label}: seeded {result.customers} customers + {result.usage_rows} usage rows in {seconds:.2f} s")

    with session_scope(url) as session:
        phones = list(session.execute(select(Customer.phone).limit(LOOKUPS)).scalars())
        conversation = start_conversation(session, mode="customer", channel="cli", sender_id="bench")
        timings = []
        for phone in phones:
            started = time.perf_counter()
            customer = find_customer_by_phone(session, phone)
            latest_usage(session, customer.id)
            recommend_offers(session, customer, today=date(2025, 6, 10), reason="reason_price_high")
            record_turn(session, conversation.id, role="customer", text="太贵了", intent="reason_price_high")
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    print(
        f"{label}: phone look-up + usage + offer ranking + turn: p50 {statistics.median(timings):.1f} ms, "
        f"p99 {timings[int(0.99 * (len(timings) - 1))]:.1f} ms over {len(timings)} customers"
    )
    get_engine(url).dispose()


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        measure(f"sqlite:///{Path(directory) / 'bench.db'}", "sqlite")
    name = f"retention_bench_{uuid.uuid4().hex[:8]}"
    try:
        admin = create_engine(POSTGRES_ADMIN_URL, future=True, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any failure means "no PostgreSQL here"
        print(f"postgresql: skipped ({type(exc).__name__})")
        return
    try:
        measure(POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}", "postgresql")
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
