"""Values an operator export may not carry (migration 0005): stored as unknown, and migrated without losing rows."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.exc import IntegrityError

from bot.db import migrate
from bot.db.models import Customer, MonthlyUsage
from bot.db.seed import clear_app_data
from bot.db.session import get_engine, session_scope

MAY = date(2025, 5, 1)
# Rows as the schema before 0005 takes them (the models describe the schema after it).
CUSTOMER_0004 = text(
    "INSERT INTO customers (phone, name, city, status, brand, plan_name, plan_fee, credit_level, tenure_months,"
    " network_type, device_model, device_months, has_broadband, migu_video, migu_read)"
    " VALUES ('18912345678', '王先生', '广州', '正常', '天翼', '畅享套餐', 79, 4, 36, '4G', 'iPhone 14', 20,"
    " :no, :no, :no)"
)
USAGE_0004 = text(
    "INSERT INTO monthly_usage (customer_id, month, arpu, mou, dou_mb, suspend_days, suspend_count,"
    " roaming_minutes, competitor_marketing_contacts, zero_call_days, competitor_hotline_calls)"
    " SELECT id, :month, 79, 100, 2048, 0, 0, 0, 2, 2, 2 FROM customers"
)


def _customer(**overrides: object) -> dict[str, object]:
    row: dict[str, object] = {
        "phone": "18900000000",
        "name": "李女士",
        "city": "深圳",
        "status": "正常",
        "brand": "天翼",
        "plan_name": "畅享不限量套餐",
        "plan_fee": None,
        "credit_level": 4,
        "tenure_months": 36,
        "network_type": "5G",
        "device_model": "Mate 60",
        "device_months": 10,
        "has_broadband": False,
        "bandwidth_mbps": None,
        "contract_known": False,
    }
    row.update(overrides)
    return row


def test_unknown_values_migrate_up_and_down_without_losing_rows(database_url: str) -> None:
    """0005 alters `customers`, which SQLite does by copying the table: no usage row may go with the old copy
    (ON DELETE CASCADE). Down again, the unknowns become what the old schema can say."""
    migrate.upgrade(database_url)
    with session_scope(database_url) as session:
        clear_app_data(session)
    migrate.downgrade(database_url, "0004")
    try:
        with get_engine(database_url).begin() as connection:
            connection.execute(CUSTOMER_0004, {"no": False})
            connection.execute(USAGE_0004, {"month": MAY})
        migrate.upgrade(database_url)
        with session_scope(database_url) as session:
            known = session.execute(select(Customer)).scalar_one()
            assert (known.contract_known, known.plan_fee) == (True, Decimal("79.00"))  # from a complete export
            assert [row.zero_call_days for row in known.usage] == [2]
            unknown = Customer(**_customer())
            unknown.usage.append(MonthlyUsage(month=MAY, arpu=Decimal("79.00"), mou=100, dou_mb=1))
            session.add(unknown)
        with session_scope(database_url) as session:
            stored = session.execute(select(Customer).where(Customer.phone == "18900000000")).scalar_one()
            assert (stored.plan_fee, stored.contract_known) == (None, False)
            assert stored.usage[0].competitor_hotline_calls is None  # no default: omitted is unknown, not 0

        migrate.downgrade(database_url, "0004")
        with get_engine(database_url).connect() as connection:
            counts = connection.execute(text("SELECT zero_call_days FROM monthly_usage ORDER BY id")).scalars().all()
            fees = connection.execute(text("SELECT plan_fee FROM customers ORDER BY id")).scalars().all()
        assert counts == [2, 0] and [float(fee) for fee in fees] == [79.0, 0.0]
    finally:
        migrate.upgrade(database_url)  # the PostgreSQL database is shared with later tests
        with session_scope(database_url) as session:
            clear_app_data(session)


def test_a_contract_end_needs_a_known_contract(migrated_url: str) -> None:
    with session_scope(migrated_url) as session:
        session.execute(insert(Customer), [_customer()])  # unknown, so no end date
    with pytest.raises(IntegrityError), session_scope(migrated_url) as session:
        session.execute(insert(Customer), [_customer(phone="18900000001", contract_end_date=date(2025, 12, 31))])
    with session_scope(migrated_url) as session:
        session.execute(insert(Customer), [_customer(phone="18900000002", contract_known=True)])  # no contract
        assert session.execute(select(Customer.contract_known).order_by(Customer.id)).scalars().all() == [False, True]
