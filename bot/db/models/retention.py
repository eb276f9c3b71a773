"""How a retention conversation ended: the figure the operator measures the bot by."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, String
from sqlalchemy.orm import relationship

from bot.db.models.base import AwareDateTime, Base, one_of, timestamp_column
from bot.db.models.vocabulary import RETENTION_RESULTS


class RetentionOutcome(Base):
    __tablename__ = "retention_outcomes"
    __table_args__ = (one_of("result", RETENTION_RESULTS),)

    id = Column(Integer, primary_key=True)
    conversation_id = Column(
        Integer, ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False, unique=True
    )  # one outcome per conversation, updated as it moves from pending to final
    customer_id = Column(Integer, ForeignKey("customers.id", ondelete="CASCADE"), nullable=True, index=True)
    reason = Column(String(64), nullable=True)  # taxonomy reason_* intent
    need = Column(String(16), nullable=True)
    result = Column(String(8), nullable=False, default="pending")
    offer_id = Column(Integer, ForeignKey("offers.id", ondelete="RESTRICT"), nullable=True)  # the offer accepted
    follow_up_due = Column(AwareDateTime(), nullable=True)
    recorded_at = timestamp_column()

    conversation = relationship("Conversation")
    customer = relationship("Customer")
    offer = relationship("Offer")
