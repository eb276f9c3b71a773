"""The declarative base shared by every model, and the column types they have in common.

A naming convention on the metadata gives every constraint and index a stable name, so that Alembic migrations
can drop or alter them by name on both SQLite (batch mode) and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, Column, DateTime, MetaData, Numeric, func
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import declarative_base
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Base = declarative_base(metadata=MetaData(naming_convention=NAMING_CONVENTION))


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class AwareDateTime(TypeDecorator):
    """A timestamp that is always timezone-aware UTC in Python, on SQLite as on PostgreSQL.

    SQLite has no time zones and hands naive values back; without this, due times promised to a customer
    would compare differently depending on the backend. Naive values are refused rather than guessed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: give a timezone-aware value")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class Money(TypeDecorator):
    """An amount in 元 as an exact Decimal with two places, on SQLite as on PostgreSQL.

    SQLite has no decimal type: SQLAlchemy's Numeric goes through float there and warns on every query.
    Reading the float and rounding it to the column's scale gives back the exact amount (amounts here are far
    below float's 15 significant digits), without the warning.
    """

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int = 10, scale: int = 2) -> None:
        super().__init__(precision=precision, scale=scale, asdecimal=False)
        self._quantum = Decimal(1).scaleb(-scale)

    def process_bind_param(self, value: Decimal | float | int | None, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(str(value)).quantize(self._quantum)

    def process_result_value(self, value: float | Decimal | None, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(str(value)).quantize(self._quantum)


def timestamp_column(**kwargs: Any) -> Column:
    """A not-null UTC timestamp set on insert, by Python for ORM and bulk inserts and by the server otherwise."""
    return Column(AwareDateTime(), nullable=False, default=utcnow, server_default=func.now(), **kwargs)


def one_of(column: str, values: Iterable[str], *, nullable: bool = False) -> CheckConstraint:
    """A CHECK that keeps a text column inside its vocabulary (portable, unlike native enums)."""
    quoted = ", ".join("'" + value.replace("'", "''") + "'" for value in values)
    condition = f"{column} IN ({quoted})"
    if nullable:
        condition = f"{column} IS NULL OR {condition}"
    return CheckConstraint(condition, name=f"{column}_valid")
