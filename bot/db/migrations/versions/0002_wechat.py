"""WeChat channel: received messages with their replies (retry dedupe), followers' phone binding and options.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 14:32:36.005431

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'wechat_messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('dedupe_key', sa.String(length=200), nullable=False),
        sa.Column('openid', sa.String(length=128), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column('reply', sa.Text(), nullable=True),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('delivered', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_wechat_messages')),
        sa.UniqueConstraint('dedupe_key', name=op.f('uq_wechat_messages_dedupe_key')),
    )
    op.create_index(op.f('ix_wechat_messages_openid_delivered'), 'wechat_messages', ['openid', 'delivered'], unique=False)
    op.create_table(
        'wechat_users',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('openid', sa.String(length=128), nullable=False),
        sa.Column('phone', sa.String(length=11), nullable=True),
        sa.Column('buttons', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("phone IS NULL OR (length(phone) = 11 AND trim(phone, '0123456789') = '')", name=op.f('ck_wechat_users_phone_11_digits')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_wechat_users')),
        sa.UniqueConstraint('openid', name=op.f('uq_wechat_users_openid')),
    )


def downgrade() -> None:
    # dropping a table drops its indexes
    op.drop_table('wechat_users')
    op.drop_table('wechat_messages')
