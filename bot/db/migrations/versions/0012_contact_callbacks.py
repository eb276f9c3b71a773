"""Call-backs for people the bot could not identify: a ticket without a customer, on a contact number.

A customer who gives no account number is offered a call-back on a number of their choosing (DIALOGUE.md);
before this the promise had nowhere to be kept. A ticket now belongs to a customer, or carries the contact
number (or, for a hand-off in a web chat, only its conversation, which a supervisor can take over).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 21:10:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0012'
down_revision: Union[str, Sequence[str], None] = '0011'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('tickets') as batch:
        batch.alter_column('customer_id', existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column('contact_phone', sa.String(length=11), nullable=True))


def downgrade() -> None:
    op.execute("DELETE FROM tickets WHERE customer_id IS NULL")
    with op.batch_alter_table('tickets') as batch:
        batch.drop_column('contact_phone')
        batch.alter_column('customer_id', existing_type=sa.Integer(), nullable=False)
