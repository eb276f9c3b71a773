"""Practice calls: the trainee, scenario, state and score of a practice conversation; each trainee turn's
expected act, feedback and score.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 16:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('conversations') as batch:
        batch.add_column(sa.Column('user_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('scenario', sa.JSON(), nullable=True))
        batch.add_column(sa.Column('practice_state', sa.JSON(), nullable=True))
        batch.add_column(sa.Column('score', sa.Float(), nullable=True))
        batch.create_foreign_key(
            op.f('fk_conversations_user_id_users'), 'users', ['user_id'], ['id'], ondelete='SET NULL'
        )
        batch.create_index(op.f('ix_conversations_user_id'), ['user_id'], unique=False)
    with op.batch_alter_table('turns') as batch:
        batch.add_column(sa.Column('expected_act', sa.String(length=32), nullable=True))
        batch.add_column(sa.Column('feedback', sa.JSON(), nullable=True))
        batch.add_column(sa.Column('score', sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('turns') as batch:
        batch.drop_column('score')
        batch.drop_column('feedback')
        batch.drop_column('expected_act')
    with op.batch_alter_table('conversations') as batch:
        batch.drop_index(op.f('ix_conversations_user_id'))
        batch.drop_constraint(op.f('fk_conversations_user_id_users'), type_='foreignkey')
        batch.drop_column('score')
        batch.drop_column('practice_state')
        batch.drop_column('scenario')
        batch.drop_column('user_id')
