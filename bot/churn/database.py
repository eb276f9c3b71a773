"""The little the churn code needs beyond the models: bulk loading and upserts per dialect, a schema check.

Bulk loads bypass SQLAlchemy's per-row parameter processing, which costs more than the database itself at
200,000 rows: sqlite3's executemany runs in C, and PostgreSQL gets one COPY instead of 200,000 round trips.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import Table, inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.churn.errors import ChurnError


def dialect_insert(session: Session, table: Table) -> Any:
    """An INSERT that supports ON CONFLICT, for the two supported databases."""
    name = session.get_bind().dialect.name
    if name == "sqlite":
        return sqlite.insert(table)
    if name == "postgresql":
        return postgresql.insert(table)
    raise ChurnError(f"不支持的数据库类型：{name}（支持 SQLite 与 PostgreSQL）")


def require_tables(session: Session, *tables: str) -> None:
    """A clear message instead of 'no such table' when the database was never migrated."""
    inspector = inspect(session.get_bind())
    missing = [table for table in tables if not inspector.has_table(table)]
    if missing:
        raise ChurnError(f"数据库尚未初始化（缺少表 {'、'.join(missing)}）：请先运行 retention-bot db init")


COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_field(value: Any) -> str:
    """A field of COPY's text format: \\N for NULL, t/f for booleans, backslash escapes in text."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, str):
        return value.translate(COPY_ESCAPES)
    return str(value)  # numbers, dates and timestamps have nothing to escape


def _processed(process: Callable[[Any], Any], values: Sequence[Any]) -> list[Any]:
    """One column's values as bound: each distinct value processed once where values are hashable.

    A column is processed as a whole because a batch repeats values (one scored_at, a few months and plan
    fees, mostly empty factor lists) and the processors (timestamps, amounts, JSON) cost microseconds each.
    JSON documents are told apart by their repr, which is equal only for equal documents of JSON's types.
    """
    if values and isinstance(values[0], (list, dict)):
        keys: Sequence[Any] = list(map(repr, values))
        distinct = {key: process(value) for key, value in dict(zip(keys, values)).items()}
    else:
        keys = values
        distinct = {value: process(value) for value in set(values)}
    return list(map(distinct.__getitem__, keys))


def bulk_load(session: Session, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Append `rows` (tuples in `columns` order) to `table` in the session's transaction.

    Values go through the columns' own SQLAlchemy bind processors (dates, amounts, JSON, timestamps), so they
    are stored exactly as an ordinary INSERT would store them.
    """
    connection = session.connection()
    dialect = connection.dialect
    processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns]
    by_column = [
        values if process is None else _processed(process, values) for process, values in zip(processors, zip(*rows))
    ]
    processed = list(zip(*by_column))
    if not processed:
        return
    names = ", ".join(columns)
    if dialect.name == "sqlite":
        placeholders = ", ".join("?" * len(columns))
        # Table and column names come from the SQLAlchemy model; every value is a bound parameter.
        insert = f"INSERT INTO {table.name} ({names}) VALUES ({placeholders})"  # nosec B608 - names from the model
        connection.exec_driver_sql(insert, processed)
        return
    buffer = io.StringIO("".join("\t".join(map(_copy_field, row)) + "\n" for row in processed))
    with connection.connection.cursor() as cursor:
        cursor.copy_expert(f"COPY {table.name} ({names}) FROM STDIN", buffer)
