"""What a churn score says about one customer, whichever way it was computed (model or heuristic)."""

from __future__ import annotations

from dataclasses import dataclass

# Probability thresholds of the bands: 高 ≥ 50% (more likely to leave than not), 中 ≥ 20% (well above the
# typical base rate of a month), 低 below.
HIGH_BAND_MIN = 0.5
MEDIUM_BAND_MIN = 0.2


def band_for(probability: float) -> str:
    if probability >= HIGH_BAND_MIN:
        return "高"
    if probability >= MEDIUM_BAND_MIN:
        return "中"
    return "低"


@dataclass(frozen=True)
class Factor:
    key: str  # a factors.FACTOR_GROUPS key; the warning signals use WARNING_SIGNALS' names
    text: str  # plain Chinese with the customer's values, e.g. 本月拨打竞争对手客服电话3次
    weight: float  # how much it raises the log-odds of churn

    def as_json(self) -> dict[str, object]:
        return {"key": self.key, "text": self.text, "weight": round(self.weight, 4)}


@dataclass(frozen=True)
class Assessment:
    probability: float
    band: str
    factors: tuple[Factor, ...]
