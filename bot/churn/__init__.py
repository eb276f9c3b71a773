"""Churn risk: operator exports in, a calibrated and explained score per customer out (docs/CHURN.md).

The dialogue's churn-score action calls `score_customer(session, phone)`.
"""

from bot.churn.errors import ChurnError
from bot.churn.scoring import ChurnResult, UnknownCustomer, score_customer

__all__ = ["ChurnError", "ChurnResult", "UnknownCustomer", "score_customer"]
