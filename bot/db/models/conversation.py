"""Conversations with customers and practice sessions with trainees, turn by turn with the NLU's reading."""

from __future__ import annotations

from sqlalchemy import JSON, CheckConstraint, Column, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import relationship

from bot.db.models.base import AwareDateTime, Base, one_of, timestamp_column
from bot.db.models.vocabulary import CHANNELS, CONVERSATION_MODES, CONVERSATION_OUTCOMES, TURN_ROLES


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (
        one_of("mode", CONVERSATION_MODES),
        one_of("channel", CHANNELS),
        one_of("outcome", CONVERSATION_OUTCOMES, nullable=True),
        # "the open conversation of this sender" is looked up on every incoming message
        Index(None, "channel", "sender_id", "started_at"),
    )

    id = Column(Integer, primary_key=True)
    mode = Column(String(8), nullable=False)
    channel = Column(String(8), nullable=False)
    sender_id = Column(String(128), nullable=False)  # the channel's id of the person (WeChat openid, session id)
    customer_id = Column(Integer, ForeignKey("customers.id", ondelete="SET NULL"), nullable=True, index=True)
    started_at = timestamp_column()
    ended_at = Column(AwareDateTime(), nullable=True)
    outcome = Column(String(10), nullable=True)
    # Practice calls (mode "practice"): the trainee, the scenario with the simulated customer's profile, the call's
    # state to go on with (bot/practice/call.py CallState) and the score so far (the final one once ended).
    user_id = Column(Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True)
    scenario = Column(JSON, nullable=True)
    practice_state = Column(JSON, nullable=True)
    score = Column(Float, nullable=True)
    # The scenario's leave reason and need as columns (also in `scenario`), so the inbox filters practice calls
    # by them as it filters customer conversations by their retention outcome's.
    scenario_reason = Column(String(64), nullable=True)
    scenario_need = Column(String(16), nullable=True)
    # A live web chat taken over from the desk: the staff member who answers instead of the bot, and since when
    # (NULL = the bot answers). bot/review/takeover.py.
    taken_over_by = Column(Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    taken_over_at = Column(AwareDateTime(), nullable=True)

    customer = relationship("Customer")
    turns = relationship(
        "Turn", back_populates="conversation", order_by="Turn.seq", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<Conversation {self.id} {self.mode}/{self.channel} {self.sender_id}>"


class Turn(Base):
    __tablename__ = "turns"
    __table_args__ = (
        UniqueConstraint("conversation_id", "seq"),  # also the index for reading a conversation in order
        one_of("role", TURN_ROLES),
        CheckConstraint("seq >= 1", name="seq_positive"),
    )

    id = Column(Integer, primary_key=True)
    conversation_id = Column(Integer, ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False)
    seq = Column(Integer, nullable=False)  # 1, 2, ... within the conversation
    role = Column(String(8), nullable=False)
    text = Column(Text, nullable=False)
    intent = Column(String(64), nullable=True)  # customer intent or agent act (bot/taxonomy.yml)
    intent_confidence = Column(Float, nullable=True)
    need = Column(String(16), nullable=True)
    need_confidence = Column(Float, nullable=True)
    entities = Column(JSON, nullable=False, default=list)
    actions = Column(JSON, nullable=False, default=list)  # bot actions run / agent acts recognised
    # Practice: a trainee turn's expected act (the flow's), the coach's feedback and the call's score after it.
    expected_act = Column(String(32), nullable=True)
    feedback = Column(JSON, nullable=True)
    score = Column(Float, nullable=True)
    created_at = timestamp_column()

    conversation = relationship("Conversation", back_populates="turns")

    def __repr__(self) -> str:
        return f"<Turn {self.conversation_id}#{self.seq} {self.role}>"
