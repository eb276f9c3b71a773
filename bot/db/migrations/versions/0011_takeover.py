"""Live take-over of a web chat: who of the staff answers a conversation instead of the bot, since when.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 17:40:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0011'
down_revision: Union[str, Sequence[str], None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('conversations') as batch:
        batch.add_column(sa.Column('taken_over_by', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('taken_over_at', sa.DateTime(timezone=True), nullable=True))
        batch.create_foreign_key(
            op.f('fk_conversations_taken_over_by_users'), 'users', ['taken_over_by'], ['id'], ondelete='SET NULL'
        )


def downgrade() -> None:
    with op.batch_alter_table('conversations') as batch:
        batch.drop_constraint(op.f('fk_conversations_taken_over_by_users'), type_='foreignkey')
        batch.drop_column('taken_over_at')
        batch.drop_column('taken_over_by')
