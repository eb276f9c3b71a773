"""Seeded demo databases and customers the dialogue tests need: a database like `make run`'s, and a customer
the flow has an offer for, for a given leave reason."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.db.models import Customer
from bot.db.session import session_scope
from bot.flow.facts import load_customer_facts
from bot.flow.offer_policy import suitable_offers
from bot.flow.strategy import strategies

DEMO_CUSTOMERS = 500
DEMO_SEED = 7


def a_customer_phone(url: str, *, with_an_offer_for: str | None = None) -> str:
    """A seeded customer's phone; with a reason, one the flow has a suitable offer for (so buttons come)."""
    with session_scope(url) as session:
        customers = session.execute(select(Customer).where(Customer.status == "正常").order_by(Customer.id))
        for customer in customers.scalars():
            if with_an_offer_for is None or suitable_offers(
                load_customer_facts(session, customer, date.today(), None), strategies(), with_an_offer_for
            ):
                return customer.phone
    pytest.fail(f"no seeded customer has an offer for {with_an_offer_for}")


def seeded_dialogue_database(directory: Path) -> str:
    """A SQLite app database in `directory`, migrated and seeded like `make run`'s demo database."""
    from bot.db.migrate import upgrade
    from bot.db.seed import default_as_of, seed_database

    url = f"sqlite:///{directory / 'app.db'}"
    upgrade(url)
    seed_database(url, customers=DEMO_CUSTOMERS, seed=DEMO_SEED, as_of=default_as_of(date.today()))
    return url
