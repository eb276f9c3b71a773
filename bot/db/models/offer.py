"""The offer catalogue and what was proposed to whom.

Who may get an offer (eligibility) and when it fits (suitability) are JSON data on the offer, read by
bot.db.offer_rules, so the business changes the catalogue without a code release (docs/DATABASE.md).
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, CheckConstraint, Column, ForeignKey, Integer, String, Text
from sqlalchemy.orm import relationship

from bot.db.models.base import AwareDateTime, Base, Money, one_of, timestamp_column, utcnow
from bot.db.models.vocabulary import OFFER_OUTCOMES, OFFER_TYPES


class Offer(Base):
    __tablename__ = "offers"
    __table_args__ = (
        one_of("type", OFFER_TYPES),
        CheckConstraint("monthly_price IS NULL OR monthly_price >= 0", name="monthly_price_not_negative"),
        CheckConstraint("one_off_value IS NULL OR one_off_value >= 0", name="one_off_value_not_negative"),
        CheckConstraint("term_months IS NULL OR term_months > 0", name="term_months_positive"),
    )

    id = Column(Integer, primary_key=True)
    code = Column(String(32), nullable=False, unique=True)
    name = Column(String(64), nullable=False)
    type = Column(String(8), nullable=False)
    monthly_price = Column(Money(8, 2), nullable=True)  # 元/月 the customer pays with it; None = no monthly fee
    one_off_value = Column(Money(8, 2), nullable=True)  # 元 given once (补偿, 终端补贴); None = nothing
    description = Column(Text, nullable=False)  # what the bot may say about it, in Chinese
    term_months = Column(Integer, nullable=True)  # how long the customer is bound or the benefit lasts; None = no term
    # What the bot may answer about the offer, by topic (bot.db.offer_facts.FACT_TOPICS): sms, calls, data, ...
    facts = Column(JSON, nullable=False, default=dict, server_default="{}")
    eligibility = Column(JSON, nullable=False, default=dict)  # hard rules: bot.db.offer_rules.EligibilityRules
    suitability = Column(JSON, nullable=False, default=dict)  # fit: bot.db.offer_rules.SuitabilityRules
    active = Column(Boolean, nullable=False, default=True)
    created_at = timestamp_column()
    updated_at = timestamp_column(onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<Offer {self.code} {self.type} {self.name}>"


class OfferHistory(Base):
    """An offer put to a customer and what became of it (for not proposing a rejected offer again)."""

    __tablename__ = "offer_history"
    __table_args__ = (one_of("outcome", OFFER_OUTCOMES),)

    id = Column(Integer, primary_key=True)
    customer_id = Column(Integer, ForeignKey("customers.id", ondelete="CASCADE"), nullable=False, index=True)
    offer_id = Column(Integer, ForeignKey("offers.id", ondelete="RESTRICT"), nullable=False, index=True)
    conversation_id = Column(Integer, ForeignKey("conversations.id", ondelete="SET NULL"), nullable=True, index=True)
    proposed_at = timestamp_column()
    outcome = Column(String(8), nullable=False, default="pending")
    decided_at = Column(AwareDateTime(), nullable=True)

    customer = relationship("Customer")
    offer = relationship("Offer")
    conversation = relationship("Conversation")
