"""Practice calls' rubric points and scenario as columns: each ended call's points per rubric point
(`practice_point_scores`), and the scenario's leave reason and need on the conversation (filled from the
scenario JSON for the calls stored before).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 17:20:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0009'
down_revision: Union[str, Sequence[str], None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

BATCH = 1000


def _fill_scenario_columns() -> None:
    """Copy spec.reason and spec.need out of each practice call's scenario JSON (portable: done in Python)."""
    conversations = sa.table(
        'conversations',
        sa.column('id', sa.Integer()),
        sa.column('mode', sa.String()),
        sa.column('scenario', sa.JSON()),
        sa.column('scenario_reason', sa.String()),
        sa.column('scenario_need', sa.String()),
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(conversations.c.id, conversations.c.scenario)
        .where(conversations.c.mode == 'practice', conversations.c.scenario.is_not(None))
    ).all()
    updates = [
        {'row_id': row.id, 'reason': spec.get('reason'), 'need': spec.get('need')}
        for row in rows
        for spec in [(row.scenario or {}).get('spec') or {}]
    ]
    statement = (
        conversations.update()
        .where(conversations.c.id == sa.bindparam('row_id'))
        .values(scenario_reason=sa.bindparam('reason'), scenario_need=sa.bindparam('need'))
    )
    for start in range(0, len(updates), BATCH):
        bind.execute(statement, updates[start:start + BATCH])


def upgrade() -> None:
    with op.batch_alter_table('conversations') as batch:
        batch.add_column(sa.Column('scenario_reason', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('scenario_need', sa.String(length=16), nullable=True))
    _fill_scenario_columns()
    op.create_table(
        'practice_point_scores',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('conversation_id', sa.Integer(), nullable=False),
        sa.Column('point', sa.String(length=32), nullable=False),
        sa.Column('points', sa.Float(), nullable=False),
        sa.Column('max_points', sa.Integer(), nullable=False),
        sa.CheckConstraint('points >= 0 AND points <= max_points', name=op.f('ck_practice_point_scores_points_in_range')),
        sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'],
                                name=op.f('fk_practice_point_scores_conversation_id_conversations'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_practice_point_scores')),
        sa.UniqueConstraint('conversation_id', 'point', name=op.f('uq_practice_point_scores_conversation_id_point')),
    )


def downgrade() -> None:
    op.drop_table('practice_point_scores')
    with op.batch_alter_table('conversations') as batch:
        batch.drop_column('scenario_need')
        batch.drop_column('scenario_reason')
