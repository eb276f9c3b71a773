"""Promises with a deadline (承诺的事情一定要做到): repairs, bill checks, call-backs, visits."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, String, Text
from sqlalchemy.orm import relationship

from bot.db.models.base import AwareDateTime, Base, one_of, timestamp_column
from bot.db.models.vocabulary import TICKET_KINDS, TICKET_STATUSES


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (one_of("kind", TICKET_KINDS), one_of("status", TICKET_STATUSES))

    id = Column(Integer, primary_key=True)
    # A customer's ticket; an unidentified person's call-back has no customer, only the number they asked to be
    # called on (normalised, 11 digits) or, for a web-chat hand-off, its conversation.
    customer_id = Column(Integer, ForeignKey("customers.id", ondelete="CASCADE"), nullable=True, index=True)
    contact_phone = Column(String(11), nullable=True)
    conversation_id = Column(Integer, ForeignKey("conversations.id", ondelete="SET NULL"), nullable=True, index=True)
    kind = Column(String(24), nullable=False)
    summary = Column(Text, nullable=False)
    status = Column(String(12), nullable=False, default="open")
    due_at = Column(AwareDateTime(), nullable=False, index=True)  # the concrete time told to the customer
    created_at = timestamp_column()
    resolved_at = Column(AwareDateTime(), nullable=True)
    # The supervisor desk: who follows the promise up, and what was done about it (stored when resolved).
    assignee_id = Column(Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True)
    resolution = Column(Text, nullable=True)

    customer = relationship("Customer")
    conversation = relationship("Conversation")
    assignee = relationship("User")

    def __repr__(self) -> str:
        return f"<Ticket {self.id} {self.kind} due {self.due_at:%Y-%m-%d %H:%M}>"
