"""A trained churn model as saved on disk: its fitted pipelines, their calibration, the reference customer, metadata.

The model is the candidate `churn train` chose (candidates.py): the boosted trees, the logistic regression, or a
blend of their log-odds. Scoring and explaining happen here; how each pipeline computes its part is in
components.py.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, fields
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import sklearn
from sklearn.pipeline import Pipeline

from bot.churn.assessment import Assessment, Factor, band_for
from bot.churn.components import Component, component_for
from bot.churn.errors import ChurnError
from bot.churn.factors import FACTOR_GROUPS, named, render

logger = logging.getLogger(__name__)
ARTIFACT_FORMAT = 2  # 1: a single boosted pipeline, read as the candidate "boosted"
TOP_FACTORS = 3
MIN_FACTOR_WEIGHT = 0.1  # log-odds (about +10% odds); smaller contributions are noise to an agent


@dataclass
class ChurnModel:
    version: str
    created_at: datetime
    data_fingerprint: str
    metrics: dict[str, Any]
    candidate: str  # candidates.CANDIDATES key
    # features.feature_matrix rows → raw log-odds = Σ weight × pipeline's log-odds
    pipelines: tuple[Pipeline, ...]
    weights: tuple[float, ...]
    calibration: tuple[float, float]  # Platt scaling of those log-odds: slope, intercept
    reference: np.ndarray  # factors.reference_row of the training data
    sklearn_version: str = field(default_factory=lambda: sklearn.__version__)

    # --- scoring -----------------------------------------------------------------------------------------

    @cached_property
    def _components(self) -> tuple[Component, ...]:
        return tuple(component_for(pipeline, self.reference) for pipeline in self.pipelines)

    def _calibrated(self, raw: np.ndarray) -> np.ndarray:
        slope, intercept = self.calibration
        return slope * raw + intercept

    def _scored(self, features: np.ndarray) -> tuple[list[Any], list[np.ndarray]]:
        """Each component's encoding of `features` and its raw log-odds (explanations reuse both)."""
        encoded = [component.encode(features) for component in self._components]
        return encoded, [component.raw(part) for component, part in zip(self._components, encoded)]

    def _combined(self, parts: list[np.ndarray]) -> np.ndarray:
        return sum(weight * part for weight, part in zip(self.weights, parts))

    def logits(self, features: np.ndarray) -> np.ndarray:
        """Calibrated log-odds of churn."""
        return self._calibrated(self._combined(self._scored(features)[1]))

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.logits(features)))

    # --- explaining --------------------------------------------------------------------------------------

    def _factor_weights(self, encoded: list[Any], raws: list[np.ndarray]) -> np.ndarray:
        drops = [c.drops(part, raw) for c, part, raw in zip(self._components, encoded, raws)]
        return self._combined(drops) * self.calibration[0]

    def factor_weights(self, features: np.ndarray) -> np.ndarray:
        """(customers × FACTOR_GROUPS) calibrated log-odds each group adds over its reference value."""
        return self._factor_weights(*self._scored(features))

    def assess(self, features: np.ndarray, explain_from: float = 0.0) -> list[Assessment]:
        """Probability, band and top factors for each row of `features` (features.feature_matrix).

        Customers below `explain_from` get no factors: batch scoring explains the 高 and 中 bands only, which
        is where an agent acts, and saves most of the explanations' cost.
        """
        encoded, raws = self._scored(features)
        probabilities = 1.0 / (1.0 + np.exp(-self._calibrated(self._combined(raws))))
        explained = np.flatnonzero(probabilities >= explain_from)
        weights = np.zeros((len(probabilities), len(FACTOR_GROUPS)))
        if explained.size:
            weights[explained] = self._factor_weights(
                [part[explained] for part in encoded], [raw[explained] for raw in raws]
            )
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
        joblib.dump({"format": ARTIFACT_FORMAT, **{f.name: getattr(self, f.name) for f in fields(self)}}, path)

    @classmethod
    def load(cls, path: Path) -> ChurnModel:
        try:
            saved = joblib.load(path)
        except FileNotFoundError:
            raise ChurnError(f"模型文件不存在：{path}") from None
        except Exception as exc:  # noqa: BLE001 - any unpickling failure means "not a usable model file"
            raise ChurnError(f"模型文件无法读取：{path}（{type(exc).__name__}）") from None
        if not isinstance(saved, dict) or saved.get("format") not in (1, ARTIFACT_FORMAT):
            raise ChurnError(f"不是本程序保存的流失模型文件：{path}")
        if saved.pop("format") == 1:  # saved before candidates: its one pipeline is the boosted trees
            saved.update(candidate="boosted", pipelines=(saved.pop("pipeline"),), weights=(1.0,))
        if saved["sklearn_version"] != sklearn.__version__:
            logger.warning(
                "churn model %s was saved with scikit-learn %s, running %s: retrain if scores look wrong",
                saved["version"],
                saved["sklearn_version"],
                sklearn.__version__,
            )
        return cls(**saved)
