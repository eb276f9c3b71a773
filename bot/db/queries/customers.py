"""Looking up a customer and their recent usage."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import Customer, MonthlyUsage
from bot.phone_numbers import normalize_phone


def find_customer_by_phone(session: Session, phone: str) -> Customer | None:
    number = normalize_phone(phone)
    if number is None:
        return None
    return session.execute(select(Customer).where(Customer.phone == number)).scalar_one_or_none()


@dataclass(frozen=True)
class RecentUsage:
    latest: MonthlyUsage | None
    previous: MonthlyUsage | None  # the month before `latest`, when on record


def usage_history(session: Session, customer_id: int, months: int = 6) -> list[MonthlyUsage]:
    """The customer's last `months` months of usage, oldest first."""
    rows = (
        session.execute(
            select(MonthlyUsage)
            .where(MonthlyUsage.customer_id == customer_id)
            .order_by(MonthlyUsage.month.desc())
            .limit(months)
        )
        .scalars()
        .all()
    )
    return list(reversed(rows))


def latest_usage(session: Session, customer_id: int) -> RecentUsage:
    rows = usage_history(session, customer_id, months=2)
    if not rows:
        return RecentUsage(None, None)
    latest = rows[-1]
    previous = rows[0] if len(rows) == 2 else None
    return RecentUsage(latest, previous)
