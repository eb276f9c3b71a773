"""The supervisor desk's own records (issue #13): tags, comments, reviewed marks and label corrections.

Each row says who did it and when, because a review is only worth something when it can be traced. The desk
never changes what the bot recorded (turns stay as the NLU read them): a correction is a row of its own, and
`retention-bot export-training` turns the latest correction of each turn into a training example.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import relationship

from bot.db.models.base import Base, one_of, timestamp_column
from bot.db.models.conversation import Conversation, Turn
from bot.db.models.vocabulary import CORRECTION_FIELDS

TAG_MAX_CHARS = 32
LABEL_MAX_CHARS = 64  # turns.intent


class ReviewTag(Base):
    __tablename__ = "review_tags"
    __table_args__ = (
        UniqueConstraint("conversation_id", "tag"),
        Index(None, "tag", "conversation_id"),  # the inbox's tag filter
    )

    id = Column(Integer, primary_key=True)
    conversation_id = Column(Integer, ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False)
    tag = Column(String(TAG_MAX_CHARS), nullable=False)
    user_id = Column(Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    created_at = timestamp_column()

    user = relationship("User")


class ReviewComment(Base):
    """A remark on a conversation or on a ticket (exactly one of them)."""

    __tablename__ = "review_comments"
    __table_args__ = (
        CheckConstraint("(conversation_id IS NULL) <> (ticket_id IS NULL)", name="one_subject"),
    )

    id = Column(Integer, primary_key=True)
    conversation_id = Column(
        Integer, ForeignKey("conversations.id", ondelete="CASCADE"), nullable=True, index=True
    )
    ticket_id = Column(Integer, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=True, index=True)
    user_id = Column(Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    body = Column(Text, nullable=False)
    created_at = timestamp_column()

    user = relationship("User")


class ReviewMark(Base):
    """A conversation a supervisor has read through; one mark per conversation (the first reviewer keeps it)."""

    __tablename__ = "review_marks"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(
        Integer, ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    user_id = Column(Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    created_at = timestamp_column()

    user = relationship("User")


class TurnCorrection(Base):
    """A relabelled turn: a customer turn's intent or need, or a trainee turn's act; the newest one counts."""

    __tablename__ = "turn_corrections"
    __table_args__ = (one_of("field", CORRECTION_FIELDS), Index(None, "turn_id", "created_at"))

    id = Column(Integer, primary_key=True)
    turn_id = Column(Integer, ForeignKey("turns.id", ondelete="CASCADE"), nullable=False)
    field = Column(String(8), nullable=False)
    old_value = Column(String(LABEL_MAX_CHARS), nullable=True)
    new_value = Column(String(LABEL_MAX_CHARS), nullable=False)
    user_id = Column(Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    created_at = timestamp_column()

    user = relationship("User")
    turn = relationship("Turn")


# The inbox lists newest first with a keyset cursor (started_at, id), and its "low-confidence turns" filter is
# a semi-join on turns by conversation and confidence: without these, a filtered page on 100,000 conversations
# and 1.5 million turns sorts or scans everything (bench/bench_desk.py). Declared here, on the dialogue's tables,
# because only the desk reads in these orders.
Index("ix_conversations_started_at_id", Conversation.__table__.c.started_at, Conversation.__table__.c.id)
Index("ix_turns_conversation_id_intent_confidence", Turn.__table__.c.conversation_id, Turn.__table__.c.intent_confidence)
