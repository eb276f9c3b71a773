"""Verified identity: one-time SMS codes (`verification_codes`) and the development sender's outbox
(`sms_outbox`).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 18:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0010'
down_revision: Union[str, Sequence[str], None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

ELEVEN_DIGITS = "length(phone) = 11 AND trim(phone, '0123456789') = ''"


def upgrade() -> None:
    op.create_table(
        'verification_codes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('phone', sa.String(length=11), nullable=False),
        sa.Column('sender_id', sa.String(length=128), nullable=False),
        sa.Column('code_sha256', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(ELEVEN_DIGITS, name=op.f('ck_verification_codes_phone_11_digits')),
        sa.CheckConstraint('attempts >= 0', name=op.f('ck_verification_codes_attempts_not_negative')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_verification_codes')),
    )
    op.create_index(op.f('ix_verification_codes_phone_created_at'), 'verification_codes', ['phone', 'created_at'])
    op.create_index(op.f('ix_verification_codes_sender_id_created_at'), 'verification_codes',
                    ['sender_id', 'created_at'])
    op.create_table(
        'sms_outbox',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('phone', sa.String(length=11), nullable=False),
        sa.Column('code', sa.String(length=6), nullable=False),
        sa.Column('text', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(ELEVEN_DIGITS, name=op.f('ck_sms_outbox_phone_11_digits')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_outbox')),
    )
    op.create_index(op.f('ix_sms_outbox_phone_id'), 'sms_outbox', ['phone', 'id'])


def downgrade() -> None:
    # dropping a table drops its indexes
    op.drop_table('sms_outbox')
    op.drop_table('verification_codes')
