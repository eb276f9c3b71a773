"""From a customer's stored figures to the model's input: the source columns plus the warning signals.

A snapshot is one customer as of their latest billing month (账期), with the month before it for 业务量突降.
Every feature is computed here and only here, for training, batch scoring and single scores alike, so the
model never sees a feature computed two ways.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any, NamedTuple

import numpy as np


class Snapshot(NamedTuple):
    """One customer's raw figures; `month` is None when no usage is stored, `prev_*` when last month is not.

    None is unknown for every figure; a None contract end means "no contract" only when `contract_known`.
    """

    status: str
    brand: str
    plan_name: str
    plan_fee: Any  # None: unknown
    credit_level: int
    tenure_months: int
    network_type: str
    device_model: str
    device_months: int
    has_broadband: bool
    bandwidth_mbps: int | None
    migu_video: bool
    migu_read: bool
    contract_end_date: date | None
    contract_known: bool | None
    month: date | None
    arpu: Any
    mou: int | None
    dou_mb: int | None
    suspend_days: int | None
    suspend_count: int | None
    roaming_minutes: int | None
    competitor_marketing_contacts: int | None
    zero_call_days: int | None
    competitor_hotline_calls: int | None
    prev_month: date | None
    prev_arpu: Any
    prev_mou: int | None
    prev_dou_mb: int | None


CATEGORICAL_FEATURES: tuple[str, ...] = ("status", "brand", "plan_name", "network_type", "device_model")
NUMERIC_FEATURES: tuple[str, ...] = (
    "plan_fee",
    "credit_level",
    "tenure_months",
    "device_months",
    "has_broadband",
    "bandwidth_mbps",
    "migu_video",
    "migu_read",
    "arpu",
    "mou",
    "dou_mb",
    "suspend_days",
    "suspend_count",
    "roaming_minutes",
    # the warning signals (流失倾向)
    "has_contract",  # NaN when the export did not say
    "contract_days_left",  # 协议到期: days from the day after the 账期 to the contract's end
    "mou_change",  # 业务量突降: this month against last month, -0.65 = down 65%
    "dou_change",
    "arpu_change",
    "arpu_over_plan",  # the bill against the plan fee, 0.4 = 40% over
    "competitor_marketing_contacts",  # 竞争对手营销
    "zero_call_days",  # 多日零通话
    "competitor_hotline_calls",  # 拨打竞争对手客服电话
)
FEATURES: tuple[str, ...] = CATEGORICAL_FEATURES + NUMERIC_FEATURES
FEATURE_INDEX = {name: index for index, name in enumerate(FEATURES)}
CATEGORICAL_INDEXES = list(range(len(CATEGORICAL_FEATURES)))
NUMERIC_INDEXES = list(range(len(CATEGORICAL_FEATURES), len(FEATURES)))
MAX_CHANGE = 10.0  # +1000%: growth from (almost) nothing carries no more information beyond this


def next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def previous_month(month: date) -> date:
    return (month.replace(day=1) - timedelta(days=1)).replace(day=1)


def _floats(values: Sequence[Any]) -> np.ndarray:
    return np.array(values, dtype=float)  # None becomes NaN


def _ordinals(values: Sequence[date | None]) -> np.ndarray:
    """Dates as day numbers (NaN for None): numpy's own date conversion is ten times slower."""
    return np.array([math.nan if value is None else value.toordinal() for value in values], dtype=float)


def _change(current: np.ndarray, previous: np.ndarray) -> np.ndarray:
    """-0.65 = down 65%; NaN when either month is unknown."""
    with np.errstate(invalid="ignore"):
        return np.minimum((current - previous) / np.maximum(previous, 1.0), MAX_CHANGE)


def feature_matrix(snapshots: Sequence[Snapshot], today: date | None = None) -> np.ndarray:
    """The model's input, one row per snapshot in FEATURES order: categoricals as text, the rest as floats.

    Contract days count from the day after the billing month, so that a model trained on last year's export
    reads this year's the same way; `today` only serves customers without any usage on record.
    """
    matrix = np.empty((len(snapshots), len(FEATURES)), dtype=object)
    if not snapshots:
        return matrix
    raw = dict(zip(Snapshot._fields, zip(*snapshots)))
    # The day after the billing month, and whether the stored previous month is the one just before it.
    months = set(raw["month"]) - {None}
    after = {m: next_month(m).toordinal() for m in months}
    before = {m: previous_month(m) for m in months}
    fallback = (today or date.today()).toordinal()
    reference = np.array([after.get(m, fallback) for m in raw["month"]], dtype=float)
    has_previous = np.array([p is not None and before.get(m) == p for m, p in zip(raw["month"], raw["prev_month"])])
    previous = {
        name: np.where(has_previous, _floats(raw[f"prev_{name}"]), np.nan) for name in ("arpu", "mou", "dou_mb")
    }
    contract_end = _ordinals(raw["contract_end_date"])
    contract_known = np.array(raw["contract_known"], dtype=bool)  # None (not stored) is not known either
    columns: dict[str, Any] = {name: raw[name] for name in CATEGORICAL_FEATURES}
    columns.update({name: _floats(raw[name]) for name in NUMERIC_FEATURES if name in raw})
    columns["has_contract"] = np.where(contract_known, ~np.isnan(contract_end), np.nan)
    columns["contract_days_left"] = contract_end - reference
    columns["mou_change"] = _change(columns["mou"], previous["mou"])
    columns["dou_change"] = _change(columns["dou_mb"], previous["dou_mb"])
    columns["arpu_change"] = _change(columns["arpu"], previous["arpu"])
    plan_fee = columns["plan_fee"]
    with np.errstate(divide="ignore", invalid="ignore"):
        columns["arpu_over_plan"] = np.where(plan_fee > 0, columns["arpu"] / plan_fee - 1.0, np.nan)
    for index, name in enumerate(FEATURES):
        matrix[:, index] = columns[name]
    return matrix


def as_float(matrix: np.ndarray) -> np.ndarray:
    """The numeric block of the pipelines' input as floats (a named function, so a saved model can load it)."""
    return np.asarray(matrix, dtype=float)
