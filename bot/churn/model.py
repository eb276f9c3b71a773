"""A trained churn model as saved on disk: the pipeline, its calibration, the reference customer, its metadata.

Scoring and explaining happen here. Explanations cost one extra prediction per factor group and customer, so
they are only computed where they can differ from zero: when a customer's value and the reference value fall
on the same side of every split threshold the trees use, the prediction cannot change (see SplitRegions).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import sklearn
from sklearn.pipeline import Pipeline

from bot.churn.assessment import Assessment, Factor, band_for
from bot.churn.errors import ChurnError
from bot.churn.factors import FACTOR_GROUPS, GROUP_INDEXES, named, render

logger = logging.getLogger(__name__)
ARTIFACT_FORMAT = 1
TOP_FACTORS = 3
MIN_FACTOR_WEIGHT = 0.1  # log-odds (about +10% odds); smaller contributions are noise to an agent


class SplitRegions:
    """For each feature, the split thresholds of the boosted trees.

    Two values of a feature on the same side of every threshold send a customer down the same branches, so
    replacing one by the other cannot change the prediction. Reads scikit-learn's fitted trees (private
    `_predictors`, stable in the pinned 1.1.3); without them every differing value counts as a change.
    """

    def __init__(self, classifier: Any) -> None:
        self.thresholds: dict[int, np.ndarray] = {}
        self.categorical: set[int] = set()
        predictors = getattr(classifier, "_predictors", None)
        self.known = predictors is not None
        if not self.known:
            return
        splits = np.concatenate([p.nodes[p.nodes["is_leaf"] == 0] for iteration in predictors for p in iteration])
        collected: dict[int, list[float]] = defaultdict(list)
        for feature, threshold, categorical in zip(
            splits["feature_idx"].tolist(), splits["num_threshold"].tolist(), splits["is_categorical"].tolist()
        ):
            if categorical:
                self.categorical.add(feature)
            else:
                collected[feature].append(threshold)
        self.thresholds = {feature: np.unique(values) for feature, values in collected.items()}

    def _region(self, feature: int, values: np.ndarray) -> np.ndarray:
        regions = np.searchsorted(self.thresholds[feature], values, side="left").astype(float)
        regions[np.isnan(values)] = -1.0
        return regions

    def differ(self, encoded: np.ndarray, reference: np.ndarray, indexes: tuple[int, ...]) -> np.ndarray:
        """Rows whose values for `indexes` could predict differently from the reference values."""
        result = np.zeros(encoded.shape[0], dtype=bool)
        for index in indexes:
            values = encoded[:, index]
            if not self.known or index in self.categorical:
                both_missing = np.isnan(values) & np.isnan(reference[index])
                result |= (values != reference[index]) & ~both_missing
            elif index in self.thresholds:
                result |= self._region(index, values) != self._region(index, reference[index : index + 1])[0]
        return result


@dataclass
class ChurnModel:
    version: str
    created_at: datetime
    data_fingerprint: str
    metrics: dict[str, Any]
    pipeline: Pipeline  # features.feature_matrix rows → the boosted trees' raw log-odds
    calibration: tuple[float, float]  # Platt scaling of those log-odds: slope, intercept
    reference: np.ndarray  # factors.reference_row of the training data
    sklearn_version: str = field(default_factory=lambda: sklearn.__version__)

    # --- scoring -----------------------------------------------------------------------------------------

    def _calibrated(self, raw: np.ndarray) -> np.ndarray:
        slope, intercept = self.calibration
        return slope * raw + intercept

    def logits(self, features: np.ndarray) -> np.ndarray:
        """Calibrated log-odds of churn."""
        return self._calibrated(self.pipeline.decision_function(features))

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.logits(features)))

    # --- explaining --------------------------------------------------------------------------------------

    @cached_property
    def _encoder(self) -> Any:
        return self.pipeline[:-1]

    @cached_property
    def _classifier(self) -> Any:
        return self.pipeline[-1]

    @cached_property
    def _encoded_reference(self) -> np.ndarray:
        return self._encoder.transform(self.reference.reshape(1, -1))[0]

    @cached_property
    def _regions(self) -> SplitRegions:
        return SplitRegions(self._classifier)

    def factor_weights(self, encoded: np.ndarray, raw: np.ndarray) -> np.ndarray:
        """(customers × FACTOR_GROUPS) calibrated log-odds each group adds over its reference value."""
        weights = np.zeros((encoded.shape[0], len(FACTOR_GROUPS)))
        blocks, owners = [], []
        for group_index, indexes in enumerate(GROUP_INDEXES):
            rows = np.flatnonzero(self._regions.differ(encoded, self._encoded_reference, indexes))
            if rows.size:
                block = encoded[rows]
                block[:, list(indexes)] = self._encoded_reference[list(indexes)]
                blocks.append(block)
                owners.append((group_index, rows))
        if blocks:
            changed = self._classifier.decision_function(np.vstack(blocks))
            start = 0
            for group_index, rows in owners:
                weights[rows, group_index] = raw[rows] - changed[start : start + rows.size]
                start += rows.size
        return weights * self.calibration[0]

    def assess(self, features: np.ndarray, explain_from: float = 0.0) -> list[Assessment]:
        """Probability, band and top factors for each row of `features` (features.feature_matrix).

        Customers below `explain_from` get no factors: batch scoring explains the 高 and 中 bands only, which
        is where an agent acts, and saves most of the explanations' cost.
        """
        encoded = self._encoder.transform(features)
        raw = self._classifier.decision_function(encoded)
        probabilities = 1.0 / (1.0 + np.exp(-self._calibrated(raw)))
        explained = np.flatnonzero(probabilities >= explain_from)
        weights = np.zeros((len(probabilities), len(FACTOR_GROUPS)))
        weights[explained] = self.factor_weights(encoded[explained], raw[explained])
        # Ranked for all customers at once; only those with a factor above the noise floor get texts.
        ranked = np.argsort(-weights, axis=1, kind="stable")[:, :TOP_FACTORS]
        strong = np.take_along_axis(weights, ranked, axis=1) >= MIN_FACTOR_WEIGHT
        factors: list[tuple[Factor, ...]] = [()] * len(probabilities)
        for row in np.flatnonzero(strong.any(axis=1)).tolist():
            values = named(features[row])
            factors[row] = tuple(
                Factor(FACTOR_GROUPS[g].key, render(FACTOR_GROUPS[g].key, values), float(weights[row, g]))
                for g in ranked[row][strong[row]].tolist()
            )
        return [
            Assessment(probability, band_for(probability), row_factors)
            for probability, row_factors in zip(probabilities.tolist(), factors)
        ]

    # --- persistence -------------------------------------------------------------------------------------

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump(
            {
                "format": ARTIFACT_FORMAT,
                "version": self.version,
                "created_at": self.created_at,
                "data_fingerprint": self.data_fingerprint,
                "metrics": self.metrics,
                "pipeline": self.pipeline,
                "calibration": self.calibration,
                "reference": self.reference,
                "sklearn_version": self.sklearn_version,
            },
            path,
        )

    @classmethod
    def load(cls, path: Path) -> ChurnModel:
        try:
            saved = joblib.load(path)
        except FileNotFoundError:
            raise ChurnError(f"模型文件不存在：{path}") from None
        except Exception as exc:  # noqa: BLE001 - any unpickling failure means "not a usable model file"
            raise ChurnError(f"模型文件无法读取：{path}（{type(exc).__name__}）") from None
        if not isinstance(saved, dict) or saved.get("format") != ARTIFACT_FORMAT:
            raise ChurnError(f"不是本程序保存的流失模型文件：{path}")
        del saved["format"]
        if saved["sklearn_version"] != sklearn.__version__:
            logger.warning(
                "churn model %s was saved with scikit-learn %s, running %s: retrain if scores look wrong",
                saved["version"],
                saved["sklearn_version"],
                sklearn.__version__,
            )
        return cls(**saved)
