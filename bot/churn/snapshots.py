"""Customers as the model sees them, read from the database: profile + latest month + the month before."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Float, Table, and_, func, select, type_coerce
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from bot.churn.features import Snapshot
from bot.db.models import Customer, MonthlyUsage

PROFILE_FIELDS = (
    "status",
    "brand",
    "plan_name",
    "plan_fee",
    "credit_level",
    "tenure_months",
    "network_type",
    "device_model",
    "device_months",
    "has_broadband",
    "bandwidth_mbps",
    "migu_video",
    "migu_read",
    "contract_end_date",
    "contract_known",
)
CURRENT_USAGE_FIELDS = (
    "month",
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
PREVIOUS_USAGE_FIELDS = ("month", "arpu", "mou", "dou_mb")


def _as_model_value(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """Amounts as floats: the model needs no exact Decimals, and converting them costs seconds in bulk."""
    return type_coerce(column, Float).label(column.name) if column.name in ("plan_fee", "arpu") else column


@dataclass(frozen=True)
class CustomerSnapshot:
    customer_id: int
    phone: str
    churned: bool | None
    snapshot: Snapshot


def _identity_and_profile(customers: Table) -> list[ColumnElement[Any]]:
    return [customers.c.id, customers.c.phone, customers.c.churned] + [
        _as_model_value(customers.c[field]) for field in PROFILE_FIELDS
    ]


def _two_latest_months(session: Session, condition: ColumnElement[bool] | None) -> tuple[Any, Any, Any]:
    """(from clause, current month, previous month) joining each customer to their two latest usage rows.

    PostgreSQL ranks the months with one window function (twice as fast there as a lookup per customer).
    SQLite would materialise that ranking and build two temporary indexes on it; two index look-ups per
    customer through the (customer_id, month) index are a quarter faster. `condition` narrows the ranking on
    PostgreSQL; on SQLite the look-ups follow the customers the caller's WHERE keeps.
    """
    customers, usage = Customer.__table__, MonthlyUsage.__table__
    if session.get_bind().dialect.name == "sqlite":
        current, previous = usage.alias("current_usage"), usage.alias("previous_usage")
        latest = select(usage.c.id).where(usage.c.customer_id == customers.c.id).order_by(usage.c.month.desc())
        return (
            customers.outerjoin(current, current.c.id == latest.limit(1).scalar_subquery()).outerjoin(
                previous, previous.c.id == latest.limit(1).offset(1).scalar_subquery()
            ),
            current,
            previous,
        )
    ranked = select(
        *[usage.c[field] for field in ("customer_id", *CURRENT_USAGE_FIELDS)],
        func.row_number().over(partition_by=usage.c.customer_id, order_by=usage.c.month.desc()).label("recency"),
    )
    if condition is not None:  # rank only the months of the customers wanted
        ranked = ranked.where(usage.c.customer_id.in_(select(customers.c.id).where(condition)))
    ranked = ranked.cte("ranked_usage")
    current, previous = ranked.alias("current_usage"), ranked.alias("previous_usage")
    return (
        customers.outerjoin(current, and_(current.c.customer_id == customers.c.id, current.c.recency == 1)).outerjoin(
            previous, and_(previous.c.customer_id == customers.c.id, previous.c.recency == 2)
        ),
        current,
        previous,
    )


def load_snapshots(session: Session, condition: ColumnElement[bool] | None = None) -> list[CustomerSnapshot]:
    """Every customer matching `condition` (all when None), ordered by 号码 so that splits are reproducible."""
    customers = Customer.__table__
    joined, current, previous = _two_latest_months(session, condition)
    statement = (
        select(
            *_identity_and_profile(customers),
            *[_as_model_value(current.c[field]) for field in CURRENT_USAGE_FIELDS],
            *[_as_model_value(previous.c[field]) for field in PREVIOUS_USAGE_FIELDS],
        )
        .select_from(joined)
        .order_by(customers.c.phone)
    )
    if condition is not None:
        statement = statement.where(condition)
    # Core execution: the ORM's result machinery adds seconds at 200,000 rows and nothing here needs it.
    return [
        CustomerSnapshot(row[0], row[1], row[2], Snapshot(*row[3:]))
        for row in session.connection().execute(statement).all()  # fetchall: one C call, not one per row
    ]


def load_snapshot(session: Session, phone: str) -> CustomerSnapshot | None:
    """One customer by 号码 with two indexed lookups: the path of a single score, which must stay in ms."""
    customers, usage = Customer.__table__, MonthlyUsage.__table__
    connection = session.connection()
    profile = connection.execute(select(*_identity_and_profile(customers)).where(customers.c.phone == phone)).first()
    if profile is None:
        return None
    months = connection.execute(
        select(*[_as_model_value(usage.c[field]) for field in CURRENT_USAGE_FIELDS])
        .where(usage.c.customer_id == profile[0])
        .order_by(usage.c.month.desc())
        .limit(2)
    ).all()
    current = months[0] if months else (None,) * len(CURRENT_USAGE_FIELDS)
    # PREVIOUS_USAGE_FIELDS are the first fields of CURRENT_USAGE_FIELDS
    previous = months[1][: len(PREVIOUS_USAGE_FIELDS)] if len(months) > 1 else (None,) * len(PREVIOUS_USAGE_FIELDS)
    return CustomerSnapshot(profile[0], profile[1], profile[2], Snapshot(*profile[3:], *current, *previous))
