"""Churn models and the scores they gave: which model said what about whom, and when."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, CheckConstraint, Column, Float, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import relationship

from bot.db.models.base import Base, one_of, timestamp_column
from bot.db.models.vocabulary import CHURN_BANDS


class ChurnModelVersion(Base):
    __tablename__ = "churn_model_versions"
    __table_args__ = (
        # at most one active model, enforced by the database rather than by care
        Index(
            "uq_churn_model_versions_one_active",
            "is_active",
            unique=True,
            sqlite_where=text("is_active = 1"),
            postgresql_where=text("is_active"),
        ),
    )

    id = Column(Integer, primary_key=True)
    version = Column(String(64), nullable=False, unique=True)
    created_at = timestamp_column()
    data_fingerprint = Column(String(64), nullable=False)  # of the training data, to skip retraining on the same
    metrics = Column(JSON, nullable=False, default=dict)
    path = Column(String(512), nullable=False)  # the saved model file
    is_active = Column(Boolean, nullable=False, default=False)

    def __repr__(self) -> str:
        return f"<ChurnModelVersion {self.version}{' active' if self.is_active else ''}>"


class ChurnScore(Base):
    __tablename__ = "churn_scores"
    __table_args__ = (
        one_of("band", CHURN_BANDS),
        CheckConstraint("probability >= 0 AND probability <= 1", name="probability_range"),
        Index(None, "customer_id", "scored_at"),  # the latest score of a customer
    )

    id = Column(Integer, primary_key=True)
    customer_id = Column(Integer, ForeignKey("customers.id", ondelete="CASCADE"), nullable=False)
    model_version_id = Column(
        Integer, ForeignKey("churn_model_versions.id", ondelete="CASCADE"), nullable=False, index=True
    )
    probability = Column(Float, nullable=False)
    band = Column(String(1), nullable=False)  # 高 / 中 / 低
    factors = Column(JSON, nullable=False, default=list)  # the main contributing factors, for the agent to read
    scored_at = timestamp_column()

    customer = relationship("Customer")
    model_version = relationship("ChurnModelVersion")
