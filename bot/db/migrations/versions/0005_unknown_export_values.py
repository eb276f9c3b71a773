"""Unknown export values: an operator export may lack 协议到期日期, the three signal counts and 套餐月费.

NULL counts and plan fee mean "not in the export" (0 would claim "none this month" or a free plan), and
`customers.contract_known` false means the export did not say whether a contract runs (a NULL contract end
keeps meaning "no contract" only when it is known). Existing rows came from complete exports: all known.

The downgrade is lossy, because the old schema cannot say "unknown": counts become 0, unknown plan fees 0 and
unknown contracts "no contract".

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-09 10:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

SIGNAL_COUNTS = ('competitor_marketing_contacts', 'zero_call_days', 'competitor_hotline_calls')


def upgrade() -> None:
    with op.batch_alter_table('customers') as batch:
        batch.alter_column('plan_fee', existing_type=sa.Numeric(precision=8, scale=2), nullable=True)
        batch.add_column(sa.Column('contract_known', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch.create_check_constraint(
            op.f('ck_customers_contract_end_only_when_known'), 'contract_known OR contract_end_date IS NULL'
        )
    with op.batch_alter_table('monthly_usage') as batch:
        for column in SIGNAL_COUNTS:
            batch.alter_column(column, existing_type=sa.SmallInteger(), nullable=True)


def downgrade() -> None:
    for column in SIGNAL_COUNTS:
        op.execute(f'UPDATE monthly_usage SET {column} = 0 WHERE {column} IS NULL')  # nosec B608 - module constant
    op.execute('UPDATE customers SET plan_fee = 0 WHERE plan_fee IS NULL')
    with op.batch_alter_table('monthly_usage') as batch:
        for column in SIGNAL_COUNTS:
            batch.alter_column(column, existing_type=sa.SmallInteger(), nullable=False)
    with op.batch_alter_table('customers') as batch:
        batch.drop_constraint(op.f('ck_customers_contract_end_only_when_known'), type_='check')
        batch.drop_column('contract_known')
        batch.alter_column('plan_fee', existing_type=sa.Numeric(precision=8, scale=2), nullable=False)
