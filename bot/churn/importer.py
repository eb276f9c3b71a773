"""Storing a validated export: customers upserted by 号码, one monthly_usage row per 账期, one transaction.

Re-importing a file updates the same customers and months instead of adding rows; an optional column the file
lacks leaves what is stored (a contract end, a month's signal counts, the fee of an unchanged plan) as it is,
and is unknown (NULL) where nothing is stored. The previous month's row is created from the 上月ARPU/MOU/DOU
columns (when the file has all three) only when that month is not stored yet: a full export of that month,
imported earlier or later, always wins (until then its 停机 and 漫游 are 0 and its signal counts unknown).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from operator import attrgetter
from pathlib import Path
from typing import Any

from sqlalchemy import Column, MetaData, String, Table, case, func, literal, select, true
from sqlalchemy.orm import Session

from bot.churn.database import bulk_load, dialect_insert, require_tables
from bot.churn.features import previous_month
from bot.churn.source_format import PREVIOUS_MONTH, SIGNAL_COUNTS, OptionalColumns
from bot.churn.snapshots import PROFILE_FIELDS
from bot.churn.source_reader import SourceFile, SourceRow, read_source
from bot.db.models import AwareDateTime, Customer, MonthlyUsage
from bot.db.session import session_scope

# The customer's profile as the churn model reads it, plus what the import alone carries.
CUSTOMER_FIELDS = ("phone", *PROFILE_FIELDS, "churned", "name", "city")
# Customer fields that only a file with their column overwrites (field → that column's field).
OVERWRITTEN_ONLY_BY = {
    "name": "name",
    "city": "city",
    "contract_end_date": "contract_end_date",
    "contract_known": "contract_end_date",
}
USAGE_FIELDS = (
    "arpu",
    "mou",
    "dou_mb",
    "suspend_days",
    "suspend_count",
    "roaming_minutes",
    "competitor_marketing_contacts",
    "zero_call_days",
    "competitor_hotline_calls",
)
USAGE_STAGING_FIELDS = ("phone", "month", *USAGE_FIELDS)
SIGNAL_COUNT_FIELDS = tuple(column.field for group in SIGNAL_COUNTS for column in group.columns)
# The fields after arpu, mou, dou_mb of last month's row from 上月ARPU/MOU/DOU: 停机 and 漫游 cannot be unknown in
# the schema and the model never reads them from last month; the signal counts are unknown.
PREVIOUS_MONTH_FILL = tuple(None if field in SIGNAL_COUNT_FIELDS else 0 for field in USAGE_FIELDS[3:])


@dataclass(frozen=True)
class ImportResult:
    encoding: str
    rows: int
    new_customers: int
    updated_customers: int
    months: tuple[date, ...]
    # Optional groups the file lacked → their missing headers; each group says what the import did instead.
    absent: dict[OptionalColumns, tuple[str, ...]]
    unknown_plan_fees: int  # rows without 套餐月费 and without 「N元」 in the plan name
    unknown_features: tuple[str, ...]  # for some or all rows; missing values to the model, never an error


def _staging_table(name: str, source: Table, fields: tuple[str, ...]) -> Table:
    """A temporary table with `source`'s column types for `fields` (PostgreSQL drops it at commit).

    A field `source` lacks is the 号码 that usage rows are staged with, to be joined to customers.id.
    """
    columns = [Column(field, source.c[field].type if field in source.c else String(11)) for field in fields]
    return Table(name, MetaData(), *columns, prefixes=["TEMPORARY"], postgresql_on_commit="DROP")


def _restage(session: Session, table: Table, rows: Iterable[Sequence[Any]]) -> None:
    session.execute(table.delete())
    bulk_load(session, table, [column.name for column in table.columns], rows)


def _upsert_customers(session: Session, staging: Table, optional_fields: frozenset[str]) -> None:
    table = Customer.__table__
    timestamp = literal(datetime.now(timezone.utc), AwareDateTime())
    # WHERE true: SQLite cannot parse INSERT .. SELECT .. ON CONFLICT without a WHERE in the SELECT
    rows = select(*staging.c, timestamp.label("created_at"), timestamp.label("updated_at")).where(true())
    statement = dialect_insert(session, table).from_select([*CUSTOMER_FIELDS, "created_at", "updated_at"], rows)
    # A missing 是否流失 keeps a known label, and an unknown plan fee the fee stored for the same plan.
    kept = {field for field, column in OVERWRITTEN_ONLY_BY.items() if column not in optional_fields}
    updated = [f for f in CUSTOMER_FIELDS if f not in {"phone", "churned", "plan_fee", *kept}]
    assignments = {field: statement.excluded[field] for field in updated}
    assignments["churned"] = func.coalesce(statement.excluded.churned, table.c.churned)
    same_plan_fee = case((table.c.plan_name == statement.excluded.plan_name, table.c.plan_fee))
    assignments["plan_fee"] = func.coalesce(statement.excluded.plan_fee, same_plan_fee)
    assignments["updated_at"] = statement.excluded.updated_at
    session.execute(statement.on_conflict_do_update(index_elements=[table.c.phone], set_=assignments))


def _store_usage(
    session: Session, rows: list[SourceRow], staging: Table, optional_fields: frozenset[str], with_previous: bool
) -> None:
    """This month's rows replace what is stored, but for the signal counts the file lacks; last month's rows,
    when the file has them, only fill a gap."""
    table = MonthlyUsage.__table__
    customers = Customer.__table__
    staged = (
        select(customers.c.id, *[staging.c[field] for field in ("month", *USAGE_FIELDS)])
        .join_from(staging, customers, customers.c.phone == staging.c.phone)
        .where(true())
    )
    key = [table.c.customer_id, table.c.month]
    columns = ["customer_id", "month", *USAGE_FIELDS]

    _restage(session, staging, map(attrgetter(*USAGE_STAGING_FIELDS), rows))
    current = dialect_insert(session, table).from_select(columns, staged)
    absent_counts = set(SIGNAL_COUNT_FIELDS) - optional_fields
    assignments = {field: current.excluded[field] for field in USAGE_FIELDS if field not in absent_counts}
    session.execute(current.on_conflict_do_update(index_elements=key, set_=assignments))
    if not with_previous:
        return

    previous_rows = (
        (row.phone, previous_month(row.month), row.prev_arpu, row.prev_mou, row.prev_dou_mb, *PREVIOUS_MONTH_FILL)
        for row in rows
    )
    _restage(session, staging, previous_rows)
    previous = dialect_insert(session, table).from_select(columns, staged)
    session.execute(previous.on_conflict_do_nothing(index_elements=key))


def store_source(session: Session, source: SourceFile) -> ImportResult:
    """Write a validated file in the caller's transaction (all or nothing is the caller's commit).

    Rows are bulk-loaded into temporary staging tables, then one INSERT .. SELECT .. ON CONFLICT per table does
    the upsert: psycopg2 cannot batch an executemany of ON CONFLICT DO UPDATE, and row-by-row upserts of
    200,000 customers take minutes on PostgreSQL.
    """
    require_tables(session, Customer.__tablename__, MonthlyUsage.__tablename__)
    customers = Customer.__table__
    staged_customers = _staging_table("churn_import_customers", customers, CUSTOMER_FIELDS)
    staged_usage = _staging_table("churn_import_usage", MonthlyUsage.__table__, USAGE_STAGING_FIELDS)
    connection = session.connection()
    for staging in (staged_customers, staged_usage):
        staging.drop(connection, checkfirst=True)  # SQLite keeps temporary tables for the connection's life
        staging.create(connection)
    _restage(session, staged_customers, map(attrgetter(*CUSTOMER_FIELDS), source.rows))
    known = session.execute(
        select(func.count()).select_from(
            staged_customers.join(customers, customers.c.phone == staged_customers.c.phone)
        )
    ).scalar_one()
    _upsert_customers(session, staged_customers, source.optional_fields)
    _store_usage(
        session, source.rows, staged_usage, source.optional_fields, with_previous=PREVIOUS_MONTH not in source.absent
    )
    for staging in (staged_customers, staged_usage):
        staging.drop(connection)
    return ImportResult(
        encoding="GBK" if source.encoding == "gbk" else "UTF-8",
        rows=len(source.rows),
        new_customers=len(source.rows) - known,
        updated_customers=known,
        months=tuple(sorted({row.month for row in source.rows})),
        absent=source.absent,
        unknown_plan_fees=source.unknown_plan_fees,
        unknown_features=source.unknown_features,
    )


def import_file(path: Path, url: str | None = None, month: date | None = None) -> ImportResult:
    """Validate every row of `path`, then store all of them in one transaction, or nothing.

    `month` is the 账期 of a file without that column (default: the current month).
    """
    source = read_source(path, month)
    with session_scope(url) as session:
        return store_source(session, source)
