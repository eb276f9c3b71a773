"""WeChat replay protection: the signatures (timestamp, nonce) used within the accepted window, with their body.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-09 15:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'wechat_nonces',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('timestamp', sa.BigInteger(), nullable=False),
        sa.Column('nonce', sa.String(length=64), nullable=False),
        sa.Column('body_sha256', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_wechat_nonces')),
        sa.UniqueConstraint('timestamp', 'nonce', name=op.f('uq_wechat_nonces_timestamp_nonce')),
    )


def downgrade() -> None:
    op.drop_table('wechat_nonces')
