"""Migrations up and down on SQLite and PostgreSQL, and the schema rules the database itself enforces."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import inspect, insert, select
from sqlalchemy.exc import IntegrityError, StatementError

from bot.db import migrate
from bot.db.models import Base, ChurnModelVersion, Customer, MonthlyUsage, Ticket
from bot.db.seed import clear_app_data
from bot.db.session import get_engine, session_scope

APP_TABLES = {
    "customers",
    "monthly_usage",
    "offers",
    "offer_history",
    "tickets",
    "conversations",
    "turns",
    "retention_outcomes",
    "churn_model_versions",
    "churn_scores",
    "wechat_users",
    "wechat_messages",
    "wechat_nonces",
    "users",
    "review_tags",
    "review_comments",
    "review_marks",
    "turn_corrections",
    "practice_point_scores",
    "verification_codes",
    "sms_outbox",
}


def test_0009_fills_the_scenario_columns_of_earlier_practice_calls(database_url: str) -> None:
    """Practice calls stored before 0009 have their leave reason and need only in the scenario JSON; the
    migration copies them out, so the desk's filters find old calls too."""
    from sqlalchemy import text

    migrate.upgrade(database_url)
    with session_scope(database_url) as session:
        clear_app_data(session)
    migrate.downgrade(database_url, "0008")
    try:
        with get_engine(database_url).begin() as connection:
            for sender, scenario in [
                ("practice-old", {"label": "资费太贵", "spec": {"reason": "reason_price_high", "need": "emotional"}}),
                ("practice-no-spec", {"label": "手写"}),
            ]:
                connection.execute(
                    text("INSERT INTO conversations (mode, channel, sender_id, started_at, scenario) "
                         "VALUES ('practice', 'practice', :sender, CURRENT_TIMESTAMP, :scenario)"),
                    {"sender": sender, "scenario": json.dumps(scenario)},
                )
            connection.execute(text("INSERT INTO conversations (mode, channel, sender_id, started_at) "
                                    "VALUES ('customer', 'web', 'web-1', CURRENT_TIMESTAMP)"))
    finally:
        migrate.upgrade(database_url)  # the PostgreSQL database is shared with later tests
    with get_engine(database_url).connect() as connection:
        rows = connection.execute(
            text("SELECT sender_id, scenario_reason, scenario_need FROM conversations ORDER BY id")
        ).all()
    assert [tuple(row) for row in rows] == [
        ("practice-old", "reason_price_high", "emotional"), ("practice-no-spec", None, None), ("web-1", None, None)
    ]


def _customer(**overrides: object) -> dict[str, object]:
    row: dict[str, object] = {
        "phone": "18912345678",
        "name": "王先生",
        "city": "广州",
        "status": "正常",
        "brand": "天翼",
        "plan_name": "5G畅享79元套餐",
        "plan_fee": Decimal("79.00"),
        "credit_level": 4,
        "tenure_months": 36,
        "network_type": "5G",
        "device_model": "iPhone 14",
        "device_months": 20,
        "has_broadband": False,
        "bandwidth_mbps": None,
    }
    row.update(overrides)
    return row


def test_upgrade_creates_every_table_and_downgrade_removes_them(database_url: str) -> None:
    migrate.upgrade(database_url)
    try:
        assert migrate.current_revision(database_url) == migrate.head_revision()
        assert APP_TABLES <= set(inspect(get_engine(database_url)).get_table_names())
        assert APP_TABLES == set(Base.metadata.tables)

        migrate.upgrade(database_url)  # repeating is a no-op
        assert migrate.current_revision(database_url) == migrate.head_revision()

        migrate.downgrade(database_url, "base")
        assert migrate.current_revision(database_url) is None
        assert not APP_TABLES & set(inspect(get_engine(database_url)).get_table_names())
    finally:
        migrate.upgrade(database_url)  # the PostgreSQL database is shared with later tests


def test_migrations_match_the_models(migrated_url: str) -> None:
    """A model change without a migration (or the reverse) shows up here as a difference."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with get_engine(migrated_url).connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


@pytest.mark.parametrize(
    "overrides",
    [
        {"phone": "1891234567"},  # 10 digits
        {"phone": "1891234567a"},
        {"network_type": "6G"},
        {"status": "注销"},
        {"credit_level": 8},
        {"has_broadband": True, "bandwidth_mbps": None},
        {"has_broadband": False, "bandwidth_mbps": 100},
    ],
)
def test_database_refuses_invalid_customer_rows(migrated_url: str, overrides: dict[str, object]) -> None:
    with pytest.raises(IntegrityError):
        with session_scope(migrated_url) as session:
            session.execute(insert(Customer), [_customer(**overrides)])


def test_phone_is_unique_and_usage_month_unique_per_customer(migrated_url: str) -> None:
    with session_scope(migrated_url) as session:
        session.execute(insert(Customer), [_customer()])
    with pytest.raises(IntegrityError), session_scope(migrated_url) as session:
        session.execute(insert(Customer), [_customer(name="李女士")])

    usage = {
        "month": datetime(2025, 5, 1).date(),
        "arpu": Decimal("79.00"),
        "mou": 100,
        "dou_mb": 2048,
    }
    with session_scope(migrated_url) as session:
        customer_id = session.execute(select(Customer.id)).scalar_one()
        session.add(MonthlyUsage(customer_id=customer_id, **usage))
    with pytest.raises(IntegrityError), session_scope(migrated_url) as session:
        session.add(MonthlyUsage(customer_id=customer_id, **usage))


def test_money_and_timestamps_round_trip_exactly(migrated_url: str) -> None:
    due = datetime(2025, 6, 3, 18, 0, tzinfo=timezone(timedelta(hours=8)))
    with session_scope(migrated_url) as session:
        session.execute(insert(Customer), [_customer(plan_fee=Decimal("129.99"))])
        customer_id = session.execute(select(Customer.id)).scalar_one()
        session.add(Ticket(customer_id=customer_id, kind="callback", summary="回电", due_at=due))
    with session_scope(migrated_url) as session:
        customer = session.execute(select(Customer)).scalar_one()
        ticket = session.execute(select(Ticket)).scalar_one()
        assert customer.plan_fee == Decimal("129.99") and isinstance(customer.plan_fee, Decimal)
        assert ticket.due_at == due
        assert ticket.due_at.tzinfo is not None and ticket.due_at.utcoffset() == timedelta(0)
        assert ticket.created_at.tzinfo is not None


def test_naive_datetimes_are_refused(migrated_url: str) -> None:
    with pytest.raises(StatementError, match="naive datetime"), session_scope(migrated_url) as session:
        session.execute(insert(Customer), [_customer()])
        customer_id = session.execute(select(Customer.id)).scalar_one()
        session.add(Ticket(customer_id=customer_id, kind="callback", summary="回电", due_at=datetime(2025, 6, 3)))
        session.flush()


def test_at_most_one_active_churn_model(migrated_url: str) -> None:
    def version(name: str, active: bool) -> ChurnModelVersion:
        return ChurnModelVersion(version=name, data_fingerprint="f" * 64, path=f"models/{name}.skops", is_active=active)

    with session_scope(migrated_url) as session:
        session.add_all([version("v1", True), version("v2", False), version("v3", False)])
    with pytest.raises(IntegrityError), session_scope(migrated_url) as session:
        session.add(version("v4", True))
