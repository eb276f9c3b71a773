"""Initial schema: customers and usage, offers, tickets, conversations, outcomes, churn models.

Revision ID: 0001
Revises:
Create Date: 2026-11-23 00:37:05.030993

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0001'
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'churn_model_versions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column('data_fingerprint', sa.String(length=64), nullable=False),
        sa.Column('metrics', sa.JSON(), nullable=False),
        sa.Column('path', sa.String(length=512), nullable=False),
        sa.Column('is_active', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_churn_model_versions')),
        sa.UniqueConstraint('version', name=op.f('uq_churn_model_versions_version')),
    )
    op.create_index('uq_churn_model_versions_one_active', 'churn_model_versions', ['is_active'], unique=True, sqlite_where=sa.text('is_active = 1'), postgresql_where=sa.text('is_active'))
    op.create_table(
        'customers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('phone', sa.String(length=11), nullable=False),
        sa.Column('name', sa.String(length=32), nullable=False),
        sa.Column('city', sa.String(length=32), nullable=False),
        sa.Column('status', sa.String(length=8), nullable=False),
        sa.Column('brand', sa.String(length=16), nullable=False),
        sa.Column('plan_name', sa.String(length=64), nullable=False),
        sa.Column('plan_fee', sa.Numeric(precision=8, scale=2), nullable=False),
        sa.Column('credit_level', sa.SmallInteger(), nullable=False),
        sa.Column('tenure_months', sa.Integer(), nullable=False),
        sa.Column('network_type', sa.String(length=2), nullable=False),
        sa.Column('device_model', sa.String(length=64), nullable=False),
        sa.Column('device_months', sa.Integer(), nullable=False),
        sa.Column('has_broadband', sa.Boolean(), nullable=False),
        sa.Column('bandwidth_mbps', sa.Integer(), nullable=True),
        sa.Column('migu_video', sa.Boolean(), nullable=False),
        sa.Column('migu_read', sa.Boolean(), nullable=False),
        sa.Column('contract_end_date', sa.Date(), nullable=True),
        sa.Column('churned', sa.Boolean(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("length(phone) = 11 AND trim(phone, '0123456789') = ''", name=op.f('ck_customers_phone_11_digits')),
        sa.CheckConstraint("network_type IN ('2G', '3G', '4G', '5G')", name=op.f('ck_customers_network_type_valid')),
        sa.CheckConstraint("status IN ('正常', '欠费停机', '主动停机', '预销户')", name=op.f('ck_customers_status_valid')),
        sa.CheckConstraint('(has_broadband AND bandwidth_mbps IS NOT NULL AND bandwidth_mbps > 0) OR (NOT has_broadband AND bandwidth_mbps IS NULL)', name=op.f('ck_customers_bandwidth_iff_broadband')),
        sa.CheckConstraint('credit_level BETWEEN 1 AND 7', name=op.f('ck_customers_credit_level_range')),
        sa.CheckConstraint('device_months >= 0', name=op.f('ck_customers_device_months_not_negative')),
        sa.CheckConstraint('plan_fee >= 0', name=op.f('ck_customers_plan_fee_not_negative')),
        sa.CheckConstraint('tenure_months >= 0', name=op.f('ck_customers_tenure_not_negative')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_customers')),
        sa.UniqueConstraint('phone', name=op.f('uq_customers_phone')),
    )
    op.create_table(
        'offers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=32), nullable=False),
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('type', sa.String(length=8), nullable=False),
        sa.Column('monthly_price', sa.Numeric(precision=8, scale=2), nullable=True),
        sa.Column('one_off_value', sa.Numeric(precision=8, scale=2), nullable=True),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('eligibility', sa.JSON(), nullable=False),
        sa.Column('suitability', sa.JSON(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("type IN ('套餐升级', '套餐降档', '宽带提速', '融合业务', '终端更换', '增值业务', '话费补偿', '流量包', '保号套餐')", name=op.f('ck_offers_type_valid')),
        sa.CheckConstraint('monthly_price IS NULL OR monthly_price >= 0', name=op.f('ck_offers_monthly_price_not_negative')),
        sa.CheckConstraint('one_off_value IS NULL OR one_off_value >= 0', name=op.f('ck_offers_one_off_value_not_negative')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_offers')),
        sa.UniqueConstraint('code', name=op.f('uq_offers_code')),
    )
    op.create_table(
        'churn_scores',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('model_version_id', sa.Integer(), nullable=False),
        sa.Column('probability', sa.Float(), nullable=False),
        sa.Column('band', sa.String(length=1), nullable=False),
        sa.Column('factors', sa.JSON(), nullable=False),
        sa.Column('scored_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("band IN ('高', '中', '低')", name=op.f('ck_churn_scores_band_valid')),
        sa.CheckConstraint('probability >= 0 AND probability <= 1', name=op.f('ck_churn_scores_probability_range')),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_churn_scores_customer_id_customers'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['model_version_id'], ['churn_model_versions.id'], name=op.f('fk_churn_scores_model_version_id_churn_model_versions'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_churn_scores')),
    )
    op.create_index(op.f('ix_churn_scores_customer_id_scored_at'), 'churn_scores', ['customer_id', 'scored_at'], unique=False)
    op.create_index(op.f('ix_churn_scores_model_version_id'), 'churn_scores', ['model_version_id'], unique=False)
    op.create_table(
        'conversations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('mode', sa.String(length=8), nullable=False),
        sa.Column('channel', sa.String(length=8), nullable=False),
        sa.Column('sender_id', sa.String(length=128), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=True),
        sa.Column('started_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('outcome', sa.String(length=10), nullable=True),
        sa.CheckConstraint("channel IN ('web', 'wechat', 'rest', 'practice', 'cli')", name=op.f('ck_conversations_channel_valid')),
        sa.CheckConstraint("mode IN ('customer', 'practice')", name=op.f('ck_conversations_mode_valid')),
        sa.CheckConstraint("outcome IS NULL OR outcome IN ('retained', 'lost', 'handoff', 'resolved', 'abandoned', 'completed')", name=op.f('ck_conversations_outcome_valid')),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_conversations_customer_id_customers'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_conversations')),
    )
    op.create_index(op.f('ix_conversations_channel_sender_id_started_at'), 'conversations', ['channel', 'sender_id', 'started_at'], unique=False)
    op.create_index(op.f('ix_conversations_customer_id'), 'conversations', ['customer_id'], unique=False)
    op.create_table(
        'monthly_usage',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('arpu', sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column('mou', sa.Integer(), nullable=False),
        sa.Column('dou_mb', sa.Integer(), nullable=False),
        sa.Column('suspend_days', sa.SmallInteger(), nullable=False),
        sa.Column('suspend_count', sa.SmallInteger(), nullable=False),
        sa.Column('roaming_minutes', sa.Integer(), nullable=False),
        sa.Column('competitor_marketing_contacts', sa.SmallInteger(), nullable=False),
        sa.Column('zero_call_days', sa.SmallInteger(), nullable=False),
        sa.Column('competitor_hotline_calls', sa.SmallInteger(), nullable=False),
        sa.CheckConstraint('arpu >= 0', name=op.f('ck_monthly_usage_arpu_not_negative')),
        sa.CheckConstraint('mou >= 0 AND dou_mb >= 0 AND roaming_minutes >= 0', name=op.f('ck_monthly_usage_volumes_not_negative')),
        sa.CheckConstraint('suspend_count >= 0 AND competitor_marketing_contacts >= 0 AND competitor_hotline_calls >= 0', name=op.f('ck_monthly_usage_counts_not_negative')),
        sa.CheckConstraint('suspend_days BETWEEN 0 AND 31', name=op.f('ck_monthly_usage_suspend_days_range')),
        sa.CheckConstraint('zero_call_days BETWEEN 0 AND 31', name=op.f('ck_monthly_usage_zero_call_days_range')),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_monthly_usage_customer_id_customers'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_monthly_usage')),
        sa.UniqueConstraint('customer_id', 'month', name=op.f('uq_monthly_usage_customer_id_month')),
    )
    op.create_table(
        'offer_history',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('offer_id', sa.Integer(), nullable=False),
        sa.Column('conversation_id', sa.Integer(), nullable=True),
        sa.Column('proposed_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column('outcome', sa.String(length=8), nullable=False),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("outcome IN ('pending', 'accepted', 'rejected')", name=op.f('ck_offer_history_outcome_valid')),
        sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_offer_history_conversation_id_conversations'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_offer_history_customer_id_customers'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], name=op.f('fk_offer_history_offer_id_offers'), ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_offer_history')),
    )
    op.create_index(op.f('ix_offer_history_conversation_id'), 'offer_history', ['conversation_id'], unique=False)
    op.create_index(op.f('ix_offer_history_customer_id'), 'offer_history', ['customer_id'], unique=False)
    op.create_index(op.f('ix_offer_history_offer_id'), 'offer_history', ['offer_id'], unique=False)
    op.create_table(
        'retention_outcomes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('conversation_id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=True),
        sa.Column('reason', sa.String(length=64), nullable=True),
        sa.Column('need', sa.String(length=16), nullable=True),
        sa.Column('result', sa.String(length=8), nullable=False),
        sa.Column('offer_id', sa.Integer(), nullable=True),
        sa.Column('follow_up_due', sa.DateTime(timezone=True), nullable=True),
        sa.Column('recorded_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("result IN ('retained', 'lost', 'handoff', 'pending')", name=op.f('ck_retention_outcomes_result_valid')),
        sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_retention_outcomes_conversation_id_conversations'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_retention_outcomes_customer_id_customers'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], name=op.f('fk_retention_outcomes_offer_id_offers'), ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_retention_outcomes')),
        sa.UniqueConstraint('conversation_id', name=op.f('uq_retention_outcomes_conversation_id')),
    )
    op.create_index(op.f('ix_retention_outcomes_customer_id'), 'retention_outcomes', ['customer_id'], unique=False)
    op.create_table(
        'tickets',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('conversation_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=24), nullable=False),
        sa.Column('summary', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('network_repair', 'billing_check', 'device_repair', 'complaint', 'callback', 'tariff_comparison', 'home_visit', 'compensation_review')", name=op.f('ck_tickets_kind_valid')),
        sa.CheckConstraint("status IN ('open', 'in_progress', 'resolved', 'closed', 'cancelled')", name=op.f('ck_tickets_status_valid')),
        sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_tickets_conversation_id_conversations'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_tickets_customer_id_customers'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_tickets')),
    )
    op.create_index(op.f('ix_tickets_conversation_id'), 'tickets', ['conversation_id'], unique=False)
    op.create_index(op.f('ix_tickets_customer_id'), 'tickets', ['customer_id'], unique=False)
    op.create_index(op.f('ix_tickets_due_at'), 'tickets', ['due_at'], unique=False)
    op.create_table(
        'turns',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('conversation_id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('role', sa.String(length=8), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('intent', sa.String(length=64), nullable=True),
        sa.Column('intent_confidence', sa.Float(), nullable=True),
        sa.Column('need', sa.String(length=16), nullable=True),
        sa.Column('need_confidence', sa.Float(), nullable=True),
        sa.Column('entities', sa.JSON(), nullable=False),
        sa.Column('actions', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("role IN ('customer', 'bot', 'agent', 'trainee')", name=op.f('ck_turns_role_valid')),
        sa.CheckConstraint('seq >= 1', name=op.f('ck_turns_seq_positive')),
        sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_turns_conversation_id_conversations'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_turns')),
        sa.UniqueConstraint('conversation_id', 'seq', name=op.f('uq_turns_conversation_id_seq')),
    )


def downgrade() -> None:
    # dropping a table drops its indexes; children before parents
    op.drop_table('turns')
    op.drop_table('tickets')
    op.drop_table('retention_outcomes')
    op.drop_table('offer_history')
    op.drop_table('monthly_usage')
    op.drop_table('conversations')
    op.drop_table('churn_scores')
    op.drop_table('offers')
    op.drop_table('customers')
    op.drop_table('churn_model_versions')
