"""Choosing among the candidate models: by cross-validation on the fitting part, never by the test part."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import bot.churn.training as training
from bot.churn.candidates import CANDIDATES, CrossValidation
from bot.churn.features import FEATURE_INDEX, NUMERIC_FEATURES, feature_matrix
from bot.churn.importer import import_file
from bot.churn.snapshots import load_snapshots
from bot.churn.synthetic import GeneratorOptions, write_export
from bot.churn.training import fit_churn_model, split
from bot.db.migrate import upgrade
from bot.db.session import get_engine, session_scope

SEED = 7
FINGERPRINT = "0" * 64


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> tuple[np.ndarray, np.ndarray]:
    """4,000 synthetic customers through the real import and snapshot path (SQLite)."""
    directory = tmp_path_factory.mktemp("churn-selection")
    url = f"sqlite:///{directory / 'selection.db'}"
    upgrade(url)
    write_export(directory / "labelled.csv", GeneratorOptions(rows=4000, seed=SEED))
    import_file(directory / "labelled.csv", url)
    with session_scope(url) as session:
        customers = load_snapshots(session)
    get_engine(url).dispose()
    labels = np.array([customer.churned for customer in customers], dtype=int)
    return feature_matrix([customer.snapshot for customer in customers]), labels


def test_the_choice_sees_the_fitting_part_and_nothing_else(
    data: tuple[np.ndarray, np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> None:
    features, labels = data
    marked = features.copy()
    marked[:, FEATURE_INDEX["roaming_minutes"]] = np.arange(labels.size)  # each row's number, to recognise it
    seen: list[np.ndarray] = []

    def spy(rows: np.ndarray, row_labels: np.ndarray, seed: int) -> CrossValidation:
        seen.append(rows[:, FEATURE_INDEX["roaming_minutes"]].astype(int))
        assert np.array_equal(row_labels, labels[seen[-1]])
        return real(rows, row_labels, seed)

    real = training.cross_validate
    monkeypatch.setattr(training, "cross_validate", spy)
    model = fit_churn_model(marked, labels, seed=SEED, fingerprint=FINGERPRINT)
    fitting, test = split(labels, SEED)
    (rows,) = seen
    assert sorted(rows) == sorted(fitting)
    assert not set(rows) & set(test)
    assert model.metrics["rows"] == {"fitting": fitting.size, "test": test.size}


def _adversarial(features: np.ndarray, labels: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """`features` with each of `rows` given the features of a customer of the opposite outcome among them."""
    poisoned = features.copy()
    churned, stayed = rows[labels[rows] == 1], rows[labels[rows] == 0]
    rng = np.random.default_rng(0)
    poisoned[churned] = features[rng.choice(stayed, churned.size)]
    poisoned[stayed] = features[rng.choice(churned, stayed.size)]
    return poisoned


def test_an_adversarial_test_part_changes_the_reported_figures_but_not_the_choice(
    data: tuple[np.ndarray, np.ndarray]
) -> None:
    """Churners in the test part look like stayers and the other way round: judged on it, the best model loses."""
    features, labels = data
    honest = fit_churn_model(features, labels, seed=SEED, fingerprint=FINGERPRINT)
    poisoned = _adversarial(features, labels, split(labels, SEED)[1])
    attacked = fit_churn_model(poisoned, labels, seed=SEED, fingerprint=FINGERPRINT)
    test_auc = {key: result["test"]["roc_auc"] for key, result in attacked.metrics["candidates"].items()}
    assert max(test_auc, key=test_auc.__getitem__) != honest.metrics["chosen"]  # a choice by the test part differs
    assert attacked.metrics["chosen"] == honest.metrics["chosen"]
    for key, result in honest.metrics["candidates"].items():
        assert attacked.metrics["candidates"][key]["cv_roc_auc_folds"] == result["cv_roc_auc_folds"]
    assert attacked.calibration == honest.calibration  # calibrated on the fitting part too
    assert attacked.metrics["model"]["roc_auc"] < 0.5 < honest.metrics["model"]["roc_auc"]


def test_the_choice_is_the_best_cross_validated_candidate_and_the_test_part_reports_all(
    data: tuple[np.ndarray, np.ndarray]
) -> None:
    features, labels = data
    metrics = fit_churn_model(features, labels, seed=SEED, fingerprint=FINGERPRINT).metrics
    candidates = metrics["candidates"]
    assert list(candidates) == [candidate.key for candidate in CANDIDATES]
    for result in candidates.values():
        assert len(result["cv_roc_auc_folds"]) == metrics["cv_folds"]
        assert result["cv_roc_auc"] == pytest.approx(np.mean(result["cv_roc_auc_folds"]))
        assert set(result["test"]) == {"roc_auc", "pr_auc", "brier"}
    assert metrics["chosen"] == max(candidates, key=lambda key: candidates[key]["cv_roc_auc"])
    assert metrics["model"] == candidates[metrics["chosen"]]["test"]


def test_where_churn_is_linear_the_logistic_regression_is_not_passed_over(
    data: tuple[np.ndarray, np.ndarray]
) -> None:
    """Labels drawn from a smooth linear score of the numbers: the trees have nothing to add, so they lose."""
    features, _ = data
    numbers = np.column_stack([features[:, FEATURE_INDEX[name]].astype(float) for name in NUMERIC_FEATURES])
    numbers = np.nan_to_num((numbers - np.nanmean(numbers, axis=0)) / (np.nanstd(numbers, axis=0) + 1e-9))
    rng = np.random.default_rng(3)
    logit = -1.8 + numbers @ rng.normal(0.0, 0.35, numbers.shape[1])
    labels = (rng.random(logit.size) < 1.0 / (1.0 + np.exp(-logit))).astype(int)
    metrics = fit_churn_model(features, labels, seed=SEED, fingerprint=FINGERPRINT).metrics
    candidates = metrics["candidates"]
    assert candidates["logistic"]["cv_roc_auc"] > candidates["boosted"]["cv_roc_auc"]
    assert metrics["chosen"] != "boosted"
    assert candidates[metrics["chosen"]]["cv_roc_auc"] >= candidates["logistic"]["cv_roc_auc"]


def test_the_model_file_keeps_the_chosen_candidate(data: tuple[np.ndarray, np.ndarray], tmp_path: Path) -> None:
    features, labels = data
    model = fit_churn_model(features, labels, seed=SEED, fingerprint=FINGERPRINT)
    model.save(tmp_path / "model.joblib")
    loaded = type(model).load(tmp_path / "model.joblib")
    assert (loaded.candidate, loaded.weights) == (model.candidate, model.weights)
    assert np.array_equal(loaded.probabilities(features[:500]), model.probabilities(features[:500]))
