"""Supervisor desk: review tags, comments, reviewed marks, turn corrections; ticket assignee and resolution;
the inbox's indexes on conversations and turns.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-10 10:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0008'
down_revision: Union[str, Sequence[str], None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _who_and_when() -> list[sa.Column]:
    return [
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
    ]


def _user_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f(f'fk_{table}_user_id_users'),
                                   ondelete='SET NULL')


def upgrade() -> None:
    op.create_table(
        'review_tags',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('conversation_id', sa.Integer(), nullable=False),
        sa.Column('tag', sa.String(length=32), nullable=False),
        *_who_and_when(),
        sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'],
                                name=op.f('fk_review_tags_conversation_id_conversations'), ondelete='CASCADE'),
        _user_fk('review_tags'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_review_tags')),
        sa.UniqueConstraint('conversation_id', 'tag', name=op.f('uq_review_tags_conversation_id_tag')),
    )
    op.create_index(op.f('ix_review_tags_tag_conversation_id'), 'review_tags', ['tag', 'conversation_id'])
    op.create_table(
        'review_comments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('conversation_id', sa.Integer(), nullable=True),
        sa.Column('ticket_id', sa.Integer(), nullable=True),
        sa.Column('body', sa.Text(), nullable=False),
        *_who_and_when(),
        sa.CheckConstraint('(conversation_id IS NULL) <> (ticket_id IS NULL)',
                           name=op.f('ck_review_comments_one_subject')),
        sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'],
                                name=op.f('fk_review_comments_conversation_id_conversations'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_review_comments_ticket_id_tickets'),
                                ondelete='CASCADE'),
        _user_fk('review_comments'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_review_comments')),
    )
    op.create_index(op.f('ix_review_comments_conversation_id'), 'review_comments', ['conversation_id'])
    op.create_index(op.f('ix_review_comments_ticket_id'), 'review_comments', ['ticket_id'])
    op.create_table(
        'review_marks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('conversation_id', sa.Integer(), nullable=False),
        *_who_and_when(),
        sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'],
                                name=op.f('fk_review_marks_conversation_id_conversations'), ondelete='CASCADE'),
        _user_fk('review_marks'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_review_marks')),
        sa.UniqueConstraint('conversation_id', name=op.f('uq_review_marks_conversation_id')),
    )
    op.create_table(
        'turn_corrections',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('turn_id', sa.Integer(), nullable=False),
        sa.Column('field', sa.String(length=8), nullable=False),
        sa.Column('old_value', sa.String(length=64), nullable=True),
        sa.Column('new_value', sa.String(length=64), nullable=False),
        *_who_and_when(),
        sa.CheckConstraint("field IN ('intent', 'need', 'act')", name=op.f('ck_turn_corrections_field_valid')),
        sa.ForeignKeyConstraint(['turn_id'], ['turns.id'], name=op.f('fk_turn_corrections_turn_id_turns'),
                                ondelete='CASCADE'),
        _user_fk('turn_corrections'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_turn_corrections')),
    )
    op.create_index(op.f('ix_turn_corrections_turn_id_created_at'), 'turn_corrections', ['turn_id', 'created_at'])
    with op.batch_alter_table('tickets') as batch:
        batch.add_column(sa.Column('assignee_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('resolution', sa.Text(), nullable=True))
        batch.create_foreign_key(op.f('fk_tickets_assignee_id_users'), 'users', ['assignee_id'], ['id'],
                                 ondelete='SET NULL')
        batch.create_index(op.f('ix_tickets_assignee_id'), ['assignee_id'], unique=False)
    op.create_index('ix_conversations_started_at_id', 'conversations', ['started_at', 'id'])
    op.create_index('ix_turns_conversation_id_intent_confidence', 'turns', ['conversation_id', 'intent_confidence'])


def downgrade() -> None:
    op.drop_index('ix_turns_conversation_id_intent_confidence', table_name='turns')
    op.drop_index('ix_conversations_started_at_id', table_name='conversations')
    with op.batch_alter_table('tickets') as batch:
        batch.drop_index(op.f('ix_tickets_assignee_id'))
        batch.drop_constraint(op.f('fk_tickets_assignee_id_users'), type_='foreignkey')
        batch.drop_column('resolution')
        batch.drop_column('assignee_id')
    op.drop_table('turn_corrections')
    op.drop_table('review_marks')
    op.drop_table('review_comments')
    op.drop_table('review_tags')
