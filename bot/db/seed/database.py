"""Writing the synthetic base and the offer catalogue into a migrated database, in bulk."""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from bot.db.models import Base, Customer, MonthlyUsage, Offer
from bot.db.seed.customers import CHINA_TIME, add_months, generate_customer_base
from bot.db.seed.offers import load_offer_catalogue
from bot.db.session import session_scope

logger = logging.getLogger(__name__)

CHUNK = 5000  # rows per executemany; bounded memory per statement on both drivers


class AlreadySeeded(RuntimeError):
    """The database already holds customers or offers and replacing them was not asked for."""

    def __init__(self, customers: int, offers: int) -> None:
        super().__init__(
            f"database already seeded ({customers} customers, {offers} offers); nothing done, use --force to replace"
        )
        self.customers = customers
        self.offers = offers


@dataclass(frozen=True)
class SeedResult:
    customers: int
    usage_rows: int
    offers: int
    as_of: date


# People, not demo data: a re-seed of the demo must not lock the supervisors and trainees out.
ACCOUNT_TABLES = ("users",)


def default_as_of(today: date) -> date:
    """The last complete month before `today`: the latest month an operator's usage data covers."""
    return add_months(today.replace(day=1), -1)


def _chunks(rows: Sequence[dict[str, Any]]) -> Iterator[Sequence[dict[str, Any]]]:
    for start in range(0, len(rows), CHUNK):
        yield rows[start : start + CHUNK]


def clear_app_data(session: Session, keep: Collection[str] = ()) -> None:
    """Delete every row of every app table but those named in `keep` (ids restart at 1, so a re-seed gives the
    same ids)."""
    tables = [table for table in reversed(Base.metadata.sorted_tables) if table.name not in keep]
    if session.bind.dialect.name == "postgresql":
        names = ", ".join(table.name for table in tables)
        session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        return
    for table in tables:
        session.execute(table.delete())


def seed_database(url: str | None, *, customers: int, seed: int, as_of: date, force: bool = False) -> SeedResult:
    """Fill an empty (or, with force, emptied) database with `customers` synthetic customers and the offers.

    Raises AlreadySeeded when data is there and force is False; the database is then left untouched.
    """
    offers = load_offer_catalogue()
    base = generate_customer_base(customers, seed, as_of)
    snapshot = datetime.combine(add_months(as_of.replace(day=1), 1), time(0, 0), CHINA_TIME)
    with session_scope(url) as session:
        existing_customers = session.execute(select(func.count()).select_from(Customer)).scalar_one()
        existing_offers = session.execute(select(func.count()).select_from(Offer)).scalar_one()
        if existing_customers or existing_offers:
            if not force:
                raise AlreadySeeded(existing_customers, existing_offers)
            logger.info(
                "--force: deleting %d customers, %d offers and all related rows (accounts are kept)",
                existing_customers,
                existing_offers,
            )
            clear_app_data(session, keep=ACCOUNT_TABLES)
        session.execute(insert(Offer), [{**row, "created_at": snapshot, "updated_at": snapshot} for row in offers])
        for chunk in _chunks(base.customers):
            session.execute(insert(Customer), chunk)
        ids = dict(session.execute(select(Customer.phone, Customer.id)).all())
        usage = [{**row, "customer_id": ids[row["phone"]]} for row in base.usage]
        for row in usage:
            del row["phone"]
        for chunk in _chunks(usage):
            session.execute(insert(MonthlyUsage), chunk)
    return SeedResult(customers=len(base.customers), usage_rows=len(usage), offers=len(offers), as_of=as_of)
