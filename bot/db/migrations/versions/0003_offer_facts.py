"""Offer facts: the term of an offer and the answers the bot may give about it (SMS, calls, broadband, ...).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 14:30:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('offers') as batch:
        batch.add_column(sa.Column('term_months', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('facts', sa.JSON(), nullable=False, server_default='{}'))
        batch.create_check_constraint(op.f('ck_offers_term_months_positive'), 'term_months IS NULL OR term_months > 0')


def downgrade() -> None:
    with op.batch_alter_table('offers') as batch:
        batch.drop_constraint(op.f('ck_offers_term_months_positive'), type_='check')
        batch.drop_column('facts')
        batch.drop_column('term_months')
