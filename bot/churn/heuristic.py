"""The churn score used before any model is trained: the warning signals with rule-of-thumb weights.

Which signals hold is decided by bot.db.signals (the one definition the bot, the offer rules and this share);
only the weights live here. They are not fitted, so every result is marked `heuristic`, and none is used
once `retention-bot churn train` has activated a model.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from bot.churn.assessment import Assessment, Factor, band_for
from bot.churn.factors import render
from bot.db.models import Customer
from bot.db.models.vocabulary import WARNING_SIGNALS
from bot.db.signals import warning_signals

SIGNAL_WEIGHTS = {  # log-odds each signal adds
    "contract_expiring": 1.2,
    "usage_drop": 1.0,
    "competitor_marketing": 0.6,
    "zero_calls": 0.8,
    "competitor_hotline": 1.2,
}
# Outside the five signals, a line about to be cancelled or cut off for arrears is the clearest sign of all.
STATUS_WEIGHTS = {"预销户": 2.0, "欠费停机": 0.8}
INTERCEPT = -2.5  # about 8% with no signal at all
TOP_FACTORS = 3


def heuristic_assessment(session: Session, customer_id: int, values: Mapping[str, Any], as_of: date) -> Assessment:
    """A score from the signals alone, with the signals present as its factors (strongest first).

    `values` are the customer's model features (for the texts); `as_of` is the day the contract dates are
    measured from, the same day the model would use.
    """
    customer = session.get(Customer, customer_id)
    signals = warning_signals(customer, customer.usage, as_of)
    factors = [Factor(key, render(key, values), SIGNAL_WEIGHTS[key]) for key in WARNING_SIGNALS if key in signals]
    if values["status"] in STATUS_WEIGHTS:
        factors.append(Factor("status", render("status", values), STATUS_WEIGHTS[values["status"]]))
    factors.sort(key=lambda factor: -factor.weight)
    probability = 1.0 / (1.0 + math.exp(-(INTERCEPT + sum(factor.weight for factor in factors))))
    return Assessment(probability, band_for(probability), tuple(factors[:TOP_FACTORS]))
