"""Training: labelled customers → split → candidates cross-validated → the best one refitted and calibrated.

Split (stratified, fixed seed): 80% fitting part, 20% test part. The candidates (candidates.py) are compared by
cross-validated ROC-AUC on the fitting part alone; every candidate is then refitted on the whole fitting part,
Platt-calibrated on its cross-validation's out-of-fold log-odds, and measured on the test part, which is used for
nothing but those reported figures.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sqlalchemy.orm import Session

from bot.churn.candidates import CANDIDATES, CV_FOLDS, PIPELINES, Candidate, CrossValidation, cross_validate
from bot.churn.errors import ChurnError
from bot.churn.factors import reference_row
from bot.churn.features import FEATURES, feature_matrix
from bot.churn.model import ChurnModel
from bot.churn.pipelines import one_openmp_thread
from bot.churn.registry import (
    Registration,
    artifact_location,
    register,
    version_named,
    version_with_fingerprint,
)
from bot.churn.snapshots import CustomerSnapshot, load_snapshots
from bot.db.models import Customer

logger = logging.getLogger(__name__)

DEFAULT_SEED = 20240601
TEST_FRACTION = 0.2
MIN_LABELLED = 200
MIN_PER_CLASS = 20
CALIBRATION_BINS = 10


def data_fingerprint(customers: list[CustomerSnapshot]) -> str:
    """Of the labelled data and the feature set: the same fingerprint means retraining would change nothing."""
    digest = hashlib.sha256(repr(FEATURES).encode())
    for customer in customers:
        digest.update(repr((customer.phone, customer.churned, tuple(customer.snapshot))).encode())
    return digest.hexdigest()


def scores(labels: np.ndarray, probabilities: np.ndarray) -> dict[str, float]:
    return {
        "roc_auc": float(roc_auc_score(labels, probabilities)),
        "pr_auc": float(average_precision_score(labels, probabilities)),
        "brier": float(brier_score_loss(labels, probabilities)),
    }


def calibration_table(labels: np.ndarray, probabilities: np.ndarray) -> list[dict[str, Any]]:
    """Predicted against observed churn in ten equal-width probability bins (empty bins left out)."""
    bins = np.minimum((probabilities * CALIBRATION_BINS).astype(int), CALIBRATION_BINS - 1)
    table = []
    for index in range(CALIBRATION_BINS):
        members = bins == index
        if members.any():
            table.append(
                {
                    "range": [index / CALIBRATION_BINS, (index + 1) / CALIBRATION_BINS],
                    "count": int(members.sum()),
                    "mean_predicted": float(probabilities[members].mean()),
                    "observed_rate": float(labels[members].mean()),
                }
            )
    return table


def _check_labels(labels: np.ndarray) -> None:
    churned = int(labels.sum())
    stayed = labels.size - churned
    if labels.size < MIN_LABELLED or min(churned, stayed) < MIN_PER_CLASS:
        raise ChurnError(
            f"已标注「是否流失」的客户不足：共 {labels.size} 个（流失 {churned}，未流失 {stayed}）；"
            f"训练至少需要 {MIN_LABELLED} 个，且流失与未流失各至少 {MIN_PER_CLASS} 个"
        )


def split(labels: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Row indexes of the fitting part and of the test part (stratified, reproducible by seed)."""
    return train_test_split(np.arange(labels.size), test_size=TEST_FRACTION, stratify=labels, random_state=seed)


def platt(raw: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """Slope and intercept mapping raw log-odds to calibrated ones."""
    fitted = LogisticRegression(C=1e6).fit(raw.reshape(-1, 1), labels)  # C large: no shrinkage of the slope
    return float(fitted.coef_[0, 0]), float(fitted.intercept_[0])


def _candidate_model(
    candidate: Candidate,
    pipelines: dict[str, Pipeline],
    validation: CrossValidation,
    labels: np.ndarray,
    **metadata: Any,
) -> ChurnModel:
    """The candidate from the pipelines refitted on the fitting part, calibrated on its out-of-fold log-odds."""
    return ChurnModel(
        candidate=candidate.key,
        pipelines=tuple(pipelines[name] for name, _ in candidate.parts),
        weights=tuple(weight for _, weight in candidate.parts),
        calibration=platt(candidate.combine(validation.out_of_fold), labels),
        metrics={},
        **metadata,
    )


def fit_churn_model(features: np.ndarray, labels: np.ndarray, *, seed: int, fingerprint: str) -> ChurnModel:
    """Choose, fit, calibrate and evaluate a model on an in-memory data set (no database, no files).

    Each pipeline is fitted CV_FOLDS + 1 times, on one OpenMP thread (see pipelines.one_openmp_thread).
    """
    _check_labels(labels)
    with one_openmp_thread():
        return _fit_churn_model(features, labels, seed=seed, fingerprint=fingerprint)


def _fit_churn_model(features: np.ndarray, labels: np.ndarray, *, seed: int, fingerprint: str) -> ChurnModel:
    started = time.perf_counter()
    fitting, test = split(labels, seed)
    validation = cross_validate(features[fitting], labels[fitting], seed)
    pipelines = {name: make(seed).fit(features[fitting], labels[fitting]) for name, make in PIPELINES.items()}
    created_at = datetime.now(timezone.utc)
    metadata = {
        "version": f"churn-{created_at:%Y%m%d-%H%M%S}-{fingerprint[:8]}",
        "created_at": created_at,
        "data_fingerprint": fingerprint,
        "reference": reference_row(features[fitting]),
    }
    models = {
        candidate.key: _candidate_model(candidate, pipelines, validation, labels[fitting], **metadata)
        for candidate in CANDIDATES
    }
    test_probabilities = {key: model.probabilities(features[test]) for key, model in models.items()}
    chosen = validation.chosen.key
    model = models[chosen]
    model.metrics = {
        "chosen": chosen,
        "model": scores(labels[test], test_probabilities[chosen]),
        "candidates": {
            key: {
                "cv_roc_auc": validation.mean_roc_auc(key),
                "cv_roc_auc_folds": validation.fold_roc_auc[key],
                "test": scores(labels[test], probabilities),
            }
            for key, probabilities in test_probabilities.items()
        },
        "calibration": calibration_table(labels[test], test_probabilities[chosen]),
        "rows": {"fitting": int(fitting.size), "test": int(test.size)},
        "cv_folds": CV_FOLDS,
        "churn_rate": float(labels.mean()),
        "boosting_iterations": int(pipelines["boosted"][-1].n_iter_),
        "seed": seed,
        "training_seconds": round(time.perf_counter() - started, 2),
    }
    return model


@dataclass(frozen=True)
class TrainingOutcome:
    model: ChurnModel | None  # None when skipped
    path: Path | None
    registration: Registration | None
    unchanged_since: str | None  # the version already trained on exactly this data, when skipped


def train(session: Session, *, seed: int = DEFAULT_SEED, force: bool = False) -> TrainingOutcome:
    """Train on every customer with a known 是否流失, save the model and record it (see registry.register)."""
    customers = load_snapshots(session, Customer.__table__.c.churned.isnot(None))
    labels = np.array([customer.churned for customer in customers], dtype=int)
    _check_labels(labels)
    fingerprint = data_fingerprint(customers)
    same_data = version_with_fingerprint(session, fingerprint)
    if same_data is not None and not force:
        return TrainingOutcome(None, None, None, unchanged_since=same_data.version)
    features = feature_matrix([customer.snapshot for customer in customers])
    model = fit_churn_model(features, labels, seed=seed, fingerprint=fingerprint)
    base, attempt = model.version, 1
    while version_named(session, model.version) is not None:  # --force twice within the same second
        attempt += 1
        model.version = f"{base}-{attempt}"
    stored_path, path = artifact_location(model.version)
    model.save(path)
    logger.info("saved churn model %s to %s", model.version, path)
    return TrainingOutcome(model, path, register(session, model, stored_path, force), unchanged_since=None)
