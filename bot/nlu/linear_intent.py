"""A second opinion on the intent: logistic regression over the featurizers' bag of words and characters.

DIET and a linear model over the same n-grams make different mistakes on messages unlike the training
examples; the average of their probabilities beat DIET on the held-out split, the challenge set and the
customer holdout set, and the linear model alone on the first two (docs/ARCHITECTURE.md). Counts are weighted
like tf-idf (log of the count × inverse document frequency, unit length) so that long messages and common
characters do not dominate.

Runs right after DIETClassifier: it replaces `intent` and `intent_ranking` with the blend, so the intent guard,
the need classifier and FallbackClassifier all see the combined answer.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.featurizer import Featurizer
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import csr_matrix, vstack
from sklearn.linear_model import LogisticRegression

from bot.nlu.sentence_features import sentence_features
from bot.nlu.stored_classifier import load_classifier, save_classifier

logger = logging.getLogger(__name__)

_STORED_NAME = "linear_intent"  # linear_intent.skops and .json in the model


def _weighted(counts: csr_matrix, idf: np.ndarray) -> csr_matrix:
    """log(1 + count) × idf, each row scaled to unit length (by hand: sklearn's checks cost milliseconds)."""
    weighted = csr_matrix(counts, dtype=np.float64, copy=True)
    weighted.data = np.log1p(weighted.data) * idf[weighted.indices]
    rows = np.repeat(np.arange(weighted.shape[0]), np.diff(weighted.indptr))
    norms = np.sqrt(np.bincount(rows, weights=weighted.data**2, minlength=weighted.shape[0]))
    weighted.data /= np.where(norms > 0, norms, 1.0)[rows]
    return weighted


@dataclass(frozen=True)
class LinearScorer:
    """`predict_proba` of a multinomial model without its input validation, the bulk of its time per message.

    The coefficients are transposed once, into C order: `features @ coef_.T` on sklearn's transposed view made
    scipy copy the whole features × intents matrix for every message, 40 % of a parse once the whole-text
    n-grams had made it large.
    """

    classifier: LogisticRegression
    coef_t: np.ndarray

    @classmethod
    def of(cls, classifier: LogisticRegression) -> LinearScorer:
        return cls(classifier, np.ascontiguousarray(classifier.coef_.T))

    def probabilities(self, features: csr_matrix) -> np.ndarray:
        if len(self.classifier.classes_) == 2:  # one coefficient row: sklearn's own logistic path
            return self.classifier.predict_proba(features)
        scores = np.asarray(features @ self.coef_t) + self.classifier.intercept_
        scores = np.exp(scores - scores.max(axis=1, keepdims=True))
        return scores / scores.sum(axis=1, keepdims=True)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearIntentBlend(GraphComponent):
    """Blends DIET's intent probabilities with a logistic regression's (weight: `linear_weight`)."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [Featurizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "C": 10.0,  # weak regularisation: the tf-idf rows have unit length
            "max_iter": 5000,
            "linear_weight": 0.5,  # a plain average of the two models
            "ranking_length": 10,
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        classifier: LogisticRegression | None = None,
        idf: np.ndarray | None = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._classifier = classifier
        self._scorer = LinearScorer.of(classifier) if classifier is not None else None
        self._idf = idf

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LinearIntentBlend:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if m.get(TEXT) and m.get(INTENT)]
        labels = [m.get(INTENT) for m in examples]
        if len(set(labels)) < 2:
            logger.warning("LinearIntentBlend: fewer than two intents in the training data; DIET decides alone.")
            return self._resource
        counts = vstack([sentence_features(m) for m in examples]).tocsr()
        document_frequency = np.asarray((counts > 0).sum(axis=0)).ravel()
        self._idf = np.log((1.0 + counts.shape[0]) / (1.0 + document_frequency)) + 1.0
        self._classifier = LogisticRegression(C=self._config["C"], max_iter=self._config["max_iter"])
        self._classifier.fit(_weighted(counts, self._idf), labels)
        self._scorer = LinearScorer.of(self._classifier)
        self.persist()
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        if self._classifier is None or self._scorer is None or self._idf is None or not messages:
            return messages
        counts = vstack([sentence_features(message) for message in messages]).tocsr()
        linear = self._scorer.probabilities(_weighted(counts, self._idf))
        names = list(self._classifier.classes_)
        weight = self._config["linear_weight"]
        for message, probabilities in zip(messages, linear):
            diet = {
                entry[INTENT_NAME_KEY]: entry[PREDICTED_CONFIDENCE_KEY]
                for entry in message.get(INTENT_RANKING_KEY) or []
            }
            blended = {
                name: (1.0 - weight) * diet.get(name, 0.0) + weight * float(p) for name, p in zip(names, probabilities)
            }
            ranking = [
                {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: confidence}
                for name, confidence in sorted(blended.items(), key=lambda item: -item[1])
            ][: self._config["ranking_length"]]
            message.set(INTENT, dict(ranking[0]), add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages

    def persist(self) -> None:
        with self._model_storage.write_to(self._resource) as directory:
            save_classifier(directory, _STORED_NAME, self._classifier, {"idf": self._idf.tolist()})

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LinearIntentBlend:
        try:
            with model_storage.read_from(resource) as directory:
                classifier, meta = load_classifier(directory, _STORED_NAME)
        except ValueError as exc:
            logger.warning("LinearIntentBlend: no trained linear model in this Rasa model (%s).", exc)
            return cls.create(config, model_storage, resource, execution_context)
        return cls(config, model_storage, resource, classifier=classifier, idf=np.array(meta["idf"]))
