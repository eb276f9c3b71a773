"""The batch read of customers (two latest months each) agrees with the single-customer read, on both databases."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import delete, select

from bot.churn.features import previous_month
from bot.churn.importer import import_file
from bot.churn.snapshots import load_snapshot, load_snapshots
from bot.churn.synthetic import GeneratorOptions, write_export
from bot.db.models import Customer, MonthlyUsage
from bot.db.session import session_scope


def test_batch_and_single_reads_agree_for_none_one_and_three_months(migrated_url: str, tmp_path: Path) -> None:
    export = tmp_path / "export.csv"
    write_export(export, GeneratorOptions(rows=12, seed=5))
    import_file(export, migrated_url)
    usage = MonthlyUsage.__table__  # every customer of the export has the same two months (账期 and the one before)
    with session_scope(migrated_url) as session:
        first_three = select(Customer.id, Customer.phone).order_by(Customer.phone).limit(3)
        no_usage, one_month, three_months = session.execute(first_three).all()
        session.execute(delete(usage).where(usage.c.customer_id == no_usage.id))
        months = session.scalars(
            select(usage.c.month).where(usage.c.customer_id == one_month.id).order_by(usage.c.month)
        ).all()
        session.execute(delete(usage).where(usage.c.customer_id == one_month.id, usage.c.month == months[0]))
        oldest = session.execute(
            select(usage).where(usage.c.customer_id == three_months.id).order_by(usage.c.month).limit(1)
        ).one()._asdict()
        del oldest["id"]
        session.execute(usage.insert().values({**oldest, "month": previous_month(oldest["month"]), "mou": 9999}))

    with session_scope(migrated_url) as session:
        batch = {customer.phone: customer for customer in load_snapshots(session)}
        assert len(batch) == 12
        for phone, customer in batch.items():
            assert load_snapshot(session, phone) == customer
        assert batch[no_usage.phone].snapshot.month is None and batch[no_usage.phone].snapshot.prev_month is None
        assert batch[one_month.phone].snapshot.month == months[1]
        assert batch[one_month.phone].snapshot.prev_month is None
        latest_two = batch[three_months.phone].snapshot
        assert (latest_two.month, latest_two.prev_month) == (months[1], months[0])
        assert latest_two.prev_mou != 9999  # the added, older month is not the previous one

        only = load_snapshots(session, Customer.__table__.c.phone == three_months.phone)
        assert [customer.phone for customer in only] == [three_months.phone]
