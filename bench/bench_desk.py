"""Supervisor desk speed: filtered inbox pages on 100,000 conversations and 1.5 million turns (issue #13).

Run with `.venv/bin/python bench/bench_desk.py` (part of `make bench` when registered there). It needs
TEST_POSTGRES_URL's server: a throw-away database is created, filled with PostgreSQL's COPY and dropped
afterwards. Prints p50 / p95 per filter; the target is p95 <= 300 ms.
"""

from __future__ import annotations

import io
import os
import random
import statistics
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import create_engine  # noqa: E402

from bot.db.migrate import upgrade  # noqa: E402
from bot.db.models import User  # noqa: E402
from bot.db.session import dispose_engines, get_engine, session_scope  # noqa: E402
from bot.review.inbox import InboxFilter, inbox_page  # noqa: E402
from bot.taxonomy import reason_intents  # noqa: E402

CONVERSATIONS = 100_000
TURNS_PER_CONVERSATION = 15
CUSTOMERS = 20_000
TRAINEES = 20
REPEATS = 30
POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")
START = datetime(2026, 6, 1, tzinfo=timezone.utc)


def _copy(connection, table: str, columns: str, rows) -> None:  # type: ignore[no-untyped-def]
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join("\\N" if value is None else str(value) for value in row) + "\n")
    buffer.seek(0)
    cursor = connection.connection.cursor()
    cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", buffer)


def generate(url: str) -> None:
    rng = random.Random(1)
    reasons = reason_intents()
    engine = get_engine(url)
    with engine.begin() as connection:
        _copy(connection, "users", "id, username, display_name, role, password_hash, active, failed_logins",
              [(i, f"trainee{i}", f"学员{i}", "trainee", "x", "t", 0) for i in range(1, TRAINEES + 1)])
        _copy(connection, "customers", "id, phone, name, city, status, brand, plan_name, credit_level, tenure_months, "
              "network_type, device_model, device_months, has_broadband, migu_video, migu_read",
              [(i, f"138{i:08d}", "王先生", "广州", "正常", "天翼", "套餐", 4, 12, "5G", "iPhone", 10, "f", "f", "f")
               for i in range(1, CUSTOMERS + 1)])
        _copy(connection, "churn_model_versions", "id, version, data_fingerprint, metrics, path, is_active",
              [(1, "v1", "f" * 64, "{}", "m", "t")])
        _copy(connection, "churn_scores", "customer_id, model_version_id, probability, band, factors, scored_at",
              [(i, 1, 0.5, rng.choice("高中低"), "[]", START) for i in range(1, CUSTOMERS + 1)])
        conversations, outcomes, turns = [], [], []
        for cid in range(1, CONVERSATIONS + 1):
            started = START + timedelta(minutes=cid * 2)
            practice = rng.random() < 0.2
            channel = "practice" if practice else rng.choice(("web", "wechat", "rest"))
            outcome = rng.choice(("retained", "lost", "handoff", None))
            conversations.append((
                cid, "practice" if practice else "customer", channel, f"s{cid}",
                None if practice else rng.randint(1, CUSTOMERS), started, outcome,
                rng.randint(1, TRAINEES) if practice else None, round(rng.uniform(0, 100), 1) if practice else None,
            ))
            if not practice:
                outcomes.append((cid, rng.choice(reasons), rng.choice(("emotional", "rational")),
                                 outcome or "pending", started))
            for seq in range(1, TURNS_PER_CONVERSATION + 1):
                customer = seq % 2 == 1
                confidence = round(rng.betavariate(5, 1), 3) if customer else None
                turns.append((cid, seq, "customer" if customer else "bot", "太贵了" if customer else "理解您",
                              "reason_price_high" if customer else None, confidence, "[]", "[]", started))
        _copy(connection, "conversations",
              "id, mode, channel, sender_id, customer_id, started_at, outcome, user_id, score", conversations)
        _copy(connection, "retention_outcomes", "conversation_id, reason, need, result, recorded_at", outcomes)
        _copy(connection, "turns", "conversation_id, seq, role, text, intent, intent_confidence, entities, actions, "
              "created_at", turns)
        _copy(connection, "review_tags", "conversation_id, tag", [(cid, "投诉") for cid in range(7, CONVERSATIONS, 97)])
        _copy(connection, "review_marks", "conversation_id", [(cid,) for cid in range(3, CONVERSATIONS, 5)])
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))


FILTERS: dict[str, dict[str, object]] = {
    "no filter": {},
    "channel wechat": {"channel": "wechat"},
    "date range (7 days)": {"date_from": "2026-07-01", "date_to": "2026-07-07"},
    "reason + need": {"reason": "reason_price_high", "need": "emotional"},
    "outcome handoff": {"outcome": "handoff"},
    "churn band 高": {"band": "高"},
    "trainee + score 60-80": {"trainee": 3, "score_min": 60, "score_max": 80},
    "low confidence": {"low_confidence": True},
    "not reviewed": {"reviewed": False},
    "tag": {"tag": "投诉"},
    "page 20 (cursor)": {},
}


def measure(url: str) -> None:
    with session_scope(url) as session:
        viewer = User(id=0, role="supervisor", username="bench", display_name="bench")
        for name, params in FILTERS.items():
            query = InboxFilter.parse_obj(params)
            if name.startswith("page"):
                for _ in range(19):
                    query = InboxFilter(cursor=inbox_page(session, viewer, query, low_confidence_below=0.5).next_cursor)
            timings = []
            for _ in range(REPEATS):
                started = time.perf_counter()
                page = inbox_page(session, viewer, query, low_confidence_below=0.5)
                timings.append((time.perf_counter() - started) * 1000)
            p95 = statistics.quantiles(timings, n=20)[-1]
            print(f"  {name:<24} rows {len(page.rows):>3}  p50 {statistics.median(timings):6.1f} ms  p95 {p95:6.1f} ms")


def main() -> None:
    name = f"retention_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_ADMIN_URL, future=True, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        upgrade(url)
        started = time.perf_counter()
        generate(url)
        print(f"PostgreSQL: {CONVERSATIONS} conversations, {CONVERSATIONS * TURNS_PER_CONVERSATION} turns "
              f"generated in {time.perf_counter() - started:.1f} s; inbox pages of 50:")
        measure(url)
    finally:
        dispose_engines()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
