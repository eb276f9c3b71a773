"""How each kind of fitted pipeline scores customers and explains a score by factor groups.

A factor group's weight is the drop in the raw log-odds when the group's features take the reference customer's
values (factors.py). The two kinds of pipeline get it differently, both exactly:

- boosted trees: one more prediction per group, made only for customers whose values and the reference fall on
  different sides of some split threshold the trees use (SplitRegions) — for the others it cannot change;
- logistic regression: linear in its encoded columns, each of which comes from one input feature, so a group's
  drop is the sum of coefficient × change over the group's columns, without any further prediction.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Protocol

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.pipeline import Pipeline

from bot.churn.factors import FACTOR_GROUPS, GROUP_INDEXES, GROUP_OF_FEATURE
from bot.churn.features import FEATURES
from bot.churn.pipelines import one_openmp_thread


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


class Component(Protocol):
    """A fitted pipeline as the model uses it: encode once, then score and explain from the encoding."""

    def encode(self, features: np.ndarray) -> Any:
        """features.feature_matrix rows as the pipeline's final estimator takes them."""

    def raw(self, encoded: Any) -> np.ndarray:
        """Uncalibrated log-odds of churn."""

    def drops(self, encoded: Any, raw: np.ndarray) -> np.ndarray:
        """(customers × FACTOR_GROUPS) raw log-odds each group adds over its reference value."""


class TreeComponent:
    """The boosted trees, whose encoding keeps one column per feature in FEATURES order."""

    def __init__(self, pipeline: Pipeline, reference: np.ndarray) -> None:
        self.encoder, self.classifier = pipeline[:-1], pipeline[-1]
        self.reference = self.encoder.transform(reference.reshape(1, -1))[0]
        self.regions = SplitRegions(self.classifier)

    def encode(self, features: np.ndarray) -> np.ndarray:
        return self.encoder.transform(features)

    def raw(self, encoded: np.ndarray) -> np.ndarray:
        with one_openmp_thread():
            return self.classifier.decision_function(encoded)

    def drops(self, encoded: np.ndarray, raw: np.ndarray) -> np.ndarray:
        drops = np.zeros((encoded.shape[0], len(FACTOR_GROUPS)))
        blocks, owners = [], []
        for group_index, indexes in enumerate(GROUP_INDEXES):
            rows = np.flatnonzero(self.regions.differ(encoded, self.reference, indexes))
            if rows.size:
                block = encoded[rows]
                block[:, list(indexes)] = self.reference[list(indexes)]
                blocks.append(block)
                owners.append((group_index, rows))
        if blocks:
            changed = self.raw(np.vstack(blocks))
            start = 0
            for group_index, rows in owners:
                drops[rows, group_index] = raw[rows] - changed[start : start + rows.size]
                start += rows.size
        return drops


def source_features(encoder: Pipeline) -> np.ndarray:
    """For each encoded column of the logistic regression, the index in FEATURES of the input it comes from.

    Read from scikit-learn's output names with the inputs named by their indexes: `categories__2_星卡19元套餐`,
    `numbers__14`, `numbers__missingindicator_21` (columns with no observed value are dropped by the imputer,
    which is why the layout cannot be assumed).
    """
    names = encoder.get_feature_names_out([str(index) for index in range(len(FEATURES))])
    return np.array([int(name.split("__", 1)[1].removeprefix("missingindicator_").split("_", 1)[0]) for name in names])


class LinearComponent:
    """The logistic regression: log-odds = intercept + Σ coefficient × encoded column."""

    def __init__(self, pipeline: Pipeline, reference: np.ndarray) -> None:
        self.encoder, self.classifier = pipeline[:-1], pipeline[-1]
        owners = GROUP_OF_FEATURE[source_features(self.encoder)]
        # Column → its group's coefficient, so that encoded @ by_group sums each group's share of the log-odds.
        self.by_group = np.zeros((owners.size, len(FACTOR_GROUPS)))
        self.by_group[np.arange(owners.size), owners] = self.classifier.coef_[0]
        self.reference_share = np.asarray(self.encoder.transform(reference.reshape(1, -1)) @ self.by_group)[0]

    def encode(self, features: np.ndarray) -> Any:
        return self.encoder.transform(features)

    def raw(self, encoded: Any) -> np.ndarray:
        return self.classifier.decision_function(encoded)

    def drops(self, encoded: Any, raw: np.ndarray) -> np.ndarray:
        return np.asarray(encoded @ self.by_group) - self.reference_share


def component_for(pipeline: Pipeline, reference: np.ndarray) -> Component:
    if isinstance(pipeline[-1], HistGradientBoostingClassifier):
        return TreeComponent(pipeline, reference)
    return LinearComponent(pipeline, reference)
