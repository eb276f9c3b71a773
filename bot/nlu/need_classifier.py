"""Learns the customer's need (emotional / rational / none) from example metadata.

Seed 000 (不满客户心理分析) splits what an unhappy customer wants into emotional needs (be heard, taken seriously,
respected) and rational needs (a fix, a time frame, compensation). The flow depends on it (empathise first vs
act first), so every customer example carries `metadata: {need: ...}` and this component turns that into a
classifier that adds `need: {name, confidence}` to every parsed message.

It reads the sentence-level features that the featurizers already computed (no second vocabulary to keep in
sync) and, optionally, the intent as a one-hot feature: greetings and thanks rarely carry a need, and the
intent classifier runs earlier in the pipeline, so its prediction is available at inference time.

An intent whose training examples never carry `none` (every leave reason, a compensation request: the guide's
rule, docs/NLU_GUIDE.md) never gets `none` at inference either. The linear model alone sometimes answers
`none` for a short complaint (「客服敷衍」, 「友商香」) whose words it has mostly seen in neutral messages; the flow
would then skip both empathy and action.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix, hstack, vstack
from sklearn.linear_model import LogisticRegression

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.featurizer import Featurizer
from rasa.shared.nlu.constants import INTENT, METADATA, METADATA_EXAMPLE, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.sentence_features import sentence_features
from bot.nlu.stored_classifier import load_classifier, save_classifier

logger = logging.getLogger(__name__)

NEED = "need"
NEED_RANKING = "need_ranking"
NEED_LABELS = ("emotional", "rational", "none")
_STORED_NAME = "need_classifier"  # need_classifier.skops and .json in the model


def example_need(message: Message) -> str | None:
    """The need annotated on a training example, if any."""
    metadata = message.get(METADATA) or {}
    example = metadata.get(METADATA_EXAMPLE) or {}
    need = example.get(NEED) if isinstance(example, dict) else None
    return need if need in NEED_LABELS else None


def _intent_name(message: Message) -> str | None:
    """The annotated intent (a string, in training) or the predicted one (a dict, at inference)."""
    intent = message.get(INTENT)
    return intent.get("name") if isinstance(intent, dict) else intent


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class NeedClassifier(GraphComponent):
    """Logistic regression over sentence features (+ intent one-hot) → need label with a probability."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [Featurizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            # Inverse regularisation strength; small data favours a fairly strong prior.
            "C": 2.0,
            "max_iter": 2000,
            # Append the (predicted at inference, annotated at training) intent as a one-hot feature.
            "use_intent_feature": True,
            # How much the intent one-hot weighs against the text features.
            "intent_feature_weight": 1.0,
            "random_state": 42,
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        classifier: LogisticRegression | None = None,
        intents: list[str] | None = None,
        needful_intents: list[str] | None = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._classifier = classifier
        self._intents = intents or []
        self._needful_intents = frozenset(needful_intents or ())

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> NeedClassifier:
        return cls(config, model_storage, resource)

    def _intent_features(self, messages: list[Message]) -> csr_matrix:
        index = {name: i for i, name in enumerate(self._intents)}
        rows = np.zeros((len(messages), len(self._intents)), dtype=np.float64)
        for row, message in enumerate(messages):
            name = _intent_name(message)
            if name in index:
                rows[row, index[name]] = self._config["intent_feature_weight"]
        return csr_matrix(rows)

    def _features(self, messages: list[Message]) -> csr_matrix:
        matrix = vstack([sentence_features(message) for message in messages]).tocsr()
        if self._config["use_intent_feature"] and self._intents:
            matrix = hstack([matrix, self._intent_features(messages)]).tocsr()
        return matrix

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if m.get(TEXT) and example_need(m)]
        labels = [example_need(m) for m in examples]
        if len(set(labels)) < 2:
            logger.warning("NeedClassifier: fewer than two need labels in the training data; not trained.")
            return self._resource
        self._intents = sorted({m.get(INTENT) for m in examples if m.get(INTENT)})
        with_none = {m.get(INTENT) for m, label in zip(examples, labels) if label == "none"}
        self._needful_intents = frozenset(set(self._intents) - with_none)
        classifier = LogisticRegression(
            C=self._config["C"],
            max_iter=self._config["max_iter"],
            class_weight="balanced",
            random_state=self._config["random_state"],
        )
        classifier.fit(self._features(examples), labels)
        self._classifier = classifier
        self.persist()
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        if self._classifier is None:
            for message in messages:
                message.set(NEED, {"name": "none", "confidence": 0.0}, add_to_output=True)
            return messages
        probabilities = self._classifier.predict_proba(self._features(messages))
        classes = list(self._classifier.classes_)
        for message, row in zip(messages, probabilities):
            row = self._without_none_for_needful_intent(message, classes, row)
            ranking = sorted(
                ({"name": name, "confidence": float(p)} for name, p in zip(classes, row)),
                key=lambda item: -item["confidence"],
            )
            message.set(NEED, ranking[0], add_to_output=True)
            message.set(NEED_RANKING, ranking, add_to_output=True)
        return messages

    def _without_none_for_needful_intent(self, message: Message, classes: list[str], row: np.ndarray) -> np.ndarray:
        if _intent_name(message) not in self._needful_intents or "none" not in classes:
            return row
        row = row.copy()
        row[classes.index("none")] = 0.0
        total = row.sum()
        return row / total if total > 0 else row

    def persist(self) -> None:
        with self._model_storage.write_to(self._resource) as directory:
            metadata = {"intents": self._intents, "needful_intents": sorted(self._needful_intents)}
            save_classifier(directory, _STORED_NAME, self._classifier, metadata)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> NeedClassifier:
        try:
            with model_storage.read_from(resource) as directory:
                classifier, meta = load_classifier(directory, _STORED_NAME)
        except ValueError as exc:
            logger.warning("NeedClassifier: no trained need model in this Rasa model (%s).", exc)
            return cls.create(config, model_storage, resource, execution_context)
        return cls(
            config,
            model_storage,
            resource,
            classifier=classifier,
            intents=meta["intents"],
            needful_intents=meta.get("needful_intents"),
        )
