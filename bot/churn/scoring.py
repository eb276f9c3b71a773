"""Churn scores: one customer for the dialogue (`score_customer`), or every customer into churn_scores."""

from __future__ import annotations

import gc
import logging
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timezone

from sqlalchemy.orm import Session

from bot.churn.assessment import MEDIUM_BAND_MIN
from bot.churn.database import bulk_load, require_tables
from bot.churn.errors import ChurnError
from bot.churn.factors import named
from bot.churn.features import feature_matrix, next_month
from bot.churn.heuristic import heuristic_assessment
from bot.churn.registry import load_active
from bot.churn.snapshots import load_snapshot, load_snapshots
from bot.db.models import ChurnModelVersion, ChurnScore, Customer

logger = logging.getLogger(__name__)
BATCH_CHUNK = 20_000  # customers per feature matrix: bounds memory, not speed
SCORE_COLUMNS = ("customer_id", "model_version_id", "probability", "band", "factors", "scored_at")


class UnknownCustomer(ChurnError):
    pass


@dataclass(frozen=True)
class ChurnResult:
    """What the dialogue's churn-score action gets back."""

    phone: str
    probability: float
    band: str  # 高 / 中 / 低
    factors: list[str]  # plain Chinese, strongest first, e.g. 「协议30天内到期」
    factor_keys: list[str]  # factors.FACTOR_GROUPS keys, parallel to `factors`
    model_version: str | None  # None for a heuristic result
    heuristic: bool  # True: no trained model yet, a rule-of-thumb score from the warning signals


def score_customer(session: Session, phone: str) -> ChurnResult:
    """The customer's churn risk now, with the reasons; heuristic (and marked so) until a model is active."""
    phone = phone.strip()
    customer = load_snapshot(session, phone)
    if customer is None:
        raise UnknownCustomer(f"没有号码为 {phone} 的客户")
    features = feature_matrix([customer.snapshot])
    try:
        loaded = load_active(session)
    except ChurnError as exc:  # a broken deployment must not break the conversation
        logger.error("%s; falling back to the heuristic churn score", exc.message)
        loaded = None
    if loaded is None:
        month = customer.snapshot.month
        as_of = next_month(month) if month is not None else date.today()
        assessment = heuristic_assessment(session, customer.customer_id, named(features[0]), as_of)
        version = None
    else:
        assessment, version = loaded.model.assess(features)[0], loaded.version
    return ChurnResult(
        phone=customer.phone,
        probability=assessment.probability,
        band=assessment.band,
        factors=[factor.text for factor in assessment.factors],
        factor_keys=[factor.key for factor in assessment.factors],
        model_version=version,
        heuristic=loaded is None,
    )


@dataclass(frozen=True)
class BatchResult:
    model_version: str
    scored: int
    with_factors: int  # customers stored with at least one factor
    bands: dict[str, int]
    scored_at: datetime


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Batch scoring allocates millions of short-lived rows and tuples, none of them in reference cycles; the
    cyclic collector's repeated full scans of them cost a fifth of the run and free nothing."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def score_all(session: Session, *, unknown_only: bool = False, all_factors: bool = False) -> BatchResult:
    """Score every current customer into churn_scores (new rows; earlier scores stay as history).

    Current customers are those not known to have churned; `unknown_only` narrows to those whose 是否流失 is
    empty. Factors are computed for the 高 and 中 bands, or for everyone with `all_factors`.
    """
    with _cyclic_gc_paused():
        return _score_all(session, unknown_only=unknown_only, all_factors=all_factors)


def _score_all(session: Session, *, unknown_only: bool, all_factors: bool) -> BatchResult:
    require_tables(session, ChurnScore.__tablename__, ChurnModelVersion.__tablename__)
    loaded = load_active(session)
    if loaded is None:
        raise ChurnError("还没有启用的流失模型：请先运行 retention-bot churn train")
    churned = Customer.__table__.c.churned
    customers = load_snapshots(session, churned.is_(None) if unknown_only else churned.isnot(True))
    scored_at = datetime.now(timezone.utc)
    bands: Counter[str] = Counter()
    with_factors = 0
    for start in range(0, len(customers), BATCH_CHUNK):
        chunk = customers[start : start + BATCH_CHUNK]
        features = feature_matrix([customer.snapshot for customer in chunk])
        assessments = loaded.model.assess(features, explain_from=0.0 if all_factors else MEDIUM_BAND_MIN)
        bulk_load(
            session,
            ChurnScore.__table__,
            SCORE_COLUMNS,
            (
                (
                    customer.customer_id,
                    loaded.version_id,
                    assessment.probability,
                    assessment.band,
                    [factor.as_json() for factor in assessment.factors],
                    scored_at,
                )
                for customer, assessment in zip(chunk, assessments)
            ),
        )
        bands.update(assessment.band for assessment in assessments)
        with_factors += sum(1 for assessment in assessments if assessment.factors)
    return BatchResult(loaded.version, len(customers), with_factors, dict(bands), scored_at)
