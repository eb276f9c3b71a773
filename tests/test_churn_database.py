"""bulk_load stores exactly what the ORM would, on SQLite and PostgreSQL, however often values repeat."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.churn.database import bulk_load
from bot.db.models import ChurnModelVersion

COLUMNS = ("version", "created_at", "data_fingerprint", "metrics", "path", "is_active")


def stored(session: Session, prefix: str) -> list[tuple[object, ...]]:
    rows = session.scalars(
        select(ChurnModelVersion).where(ChurnModelVersion.version.startswith(prefix)).order_by(ChurnModelVersion.id)
    )
    return [(row.version.removeprefix(prefix), *(getattr(row, name) for name in COLUMNS[1:])) for row in rows]


def test_bulk_load_matches_orm_inserts_with_repeated_and_json_values(db_session: Session) -> None:
    moment = datetime(2024, 5, 1, 8, 30, tzinfo=timezone.utc)
    rows = [
        # one timestamp shared by several rows, others once each; equal JSON lists in several rows
        (str(index), moment if index % 3 else moment + timedelta(hours=index), "fp", [{"k": index % 2}], "p", False)
        for index in range(9)
    ]
    db_session.add_all([ChurnModelVersion(**dict(zip(COLUMNS, ("orm-" + row[0], *row[1:])))) for row in rows])
    bulk_load(db_session, ChurnModelVersion.__table__, COLUMNS, [("bulk-" + row[0], *row[1:]) for row in rows])
    db_session.flush()
    db_session.expire_all()

    from_bulk = stored(db_session, "bulk-")
    assert from_bulk == stored(db_session, "orm-")
    assert [row[1] for row in from_bulk] == [row[1] for row in rows]
    assert from_bulk[0][3] == [{"k": 0}] and from_bulk[1][3] == [{"k": 1}]


def test_bulk_load_of_no_rows_stores_nothing(db_session: Session) -> None:
    bulk_load(db_session, ChurnModelVersion.__table__, COLUMNS, iter(()))
    assert db_session.scalars(select(ChurnModelVersion)).all() == []
