"""What the desk reads of a practice call besides its turns: the final points per rubric point.

The score a call ends with is one number on the conversation; which part of the method a trainee is weak at
(探询原因, 需求处理, …) is only visible per rubric point, and the scorer's breakdown lives in the call's state JSON,
which no query can group by. So the breakdown is written as rows when the call ends (bot/practice/storage.py),
and the desk's figure of score trends per rubric point reads these rows.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import relationship

from bot.db.models.base import Base


class PracticePointScore(Base):
    """One rubric point (bot/practice/rubric.yml `points[].id`) of one ended practice call."""

    __tablename__ = "practice_point_scores"
    __table_args__ = (
        UniqueConstraint("conversation_id", "point"),
        CheckConstraint("points >= 0 AND points <= max_points", name="points_in_range"),
    )

    id = Column(Integer, primary_key=True)
    conversation_id = Column(Integer, ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False)
    point = Column(String(32), nullable=False)
    points = Column(Float, nullable=False)
    max_points = Column(Integer, nullable=False)  # what the point is worth for this call's need

    conversation = relationship("Conversation")
