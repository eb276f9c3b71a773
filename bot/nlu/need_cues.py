"""Cue words of the customer's need (feeling vs demand), counted per group, as features for the need classifier.

The need classifier otherwise learns from n-grams alone, so a feeling word that the training examples show a
few times (「寒心」, 「韭菜」, 「欲哭无泪」) weighs little in a message unlike them. The cue lexicon
(`nlu_data/need_cues.yml`) writes down what seed 000 and the annotation guide say makes a message emotional or
rational, grouped (anger, feeling ignored, a deadline, money ...); each group is one feature, so the classifier
learns how much a group counts from every example that has any of its words. On the held-out split and the
challenge set this lifted need macro-F1 (figures: docs/ARCHITECTURE.md, customer NLU pipeline).

The lexicon is read at training time and stored in the model, like the gazetteer; its content is part of the
component's fingerprint, so editing it retrains.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.file_fingerprint import file_fingerprint

_LEXICON_FILE = "need_cues.json"


@dataclass(frozen=True)
class NeedCueLexicon:
    """Named groups of regular expressions ("emotional.anger" → patterns)."""

    groups: dict[str, list[str]]

    def __post_init__(self) -> None:
        compiled = []  # one alternation per group: a single scan of the text per group
        for name, patterns in self.groups.items():
            try:
                for pattern in patterns:
                    re.compile(pattern)
                compiled.append(re.compile("|".join(f"(?:{pattern})" for pattern in patterns) or "(?!)"))
            except re.error as exc:
                raise ValueError(f"need cue group {name!r}: invalid pattern ({exc})") from exc
        object.__setattr__(self, "_compiled", compiled)

    @classmethod
    def from_yaml(cls, path: Path) -> NeedCueLexicon:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        groups = {
            f"{need}.{group}": [str(pattern) for pattern in patterns or []]
            for need, by_group in document.items()
            for group, patterns in (by_group or {}).items()
        }
        if not groups:
            raise ValueError(f"{path}: no cue groups")
        return cls(groups)

    def counts(self, text: str, max_count: int) -> np.ndarray:
        """Matches per group in `text`, each capped at `max_count` (one cue repeated is not more need)."""
        compiled: list[re.Pattern[str]] = self._compiled  # type: ignore[attr-defined]
        return np.array([min(len(pattern.findall(text)), max_count) for pattern in compiled], dtype=np.float32)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class NeedCueFeaturizer(DenseFeaturizer, GraphComponent):
    """One sentence feature per cue group: its match count (capped) × `weight`."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            **DenseFeaturizer.get_default_config(),
            "cues_path": "nlu_data/need_cues.yml",
            "max_count": 3,  # one cue repeated is not more need
            "weight": 1.0,
        }

    def __init__(
        self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource, lexicon: NeedCueLexicon
    ) -> None:
        super().__init__(resource.name, {**self.get_default_config(), **config})
        self._model_storage = model_storage
        self._resource = resource
        self._lexicon = lexicon

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        if config["max_count"] < 1 or config["weight"] <= 0:
            raise ValueError(f"NeedCueFeaturizer: need max_count >= 1 and weight > 0, got {config}")

    @classmethod
    def _lexicon_path(cls, config: dict[str, Any]) -> Path:
        return Path({**cls.get_default_config(), **config}["cues_path"])

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """The lexicon's content: Rasa's training cache must not reuse a model trained on another lexicon."""
        return file_fingerprint(cls._lexicon_path(config))

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> NeedCueFeaturizer:
        return cls(config, model_storage, resource, NeedCueLexicon.from_yaml(cls._lexicon_path(config)))

    def train(self, training_data: TrainingData) -> Resource:
        with self._model_storage.write_to(self._resource) as directory:
            (directory / _LEXICON_FILE).write_text(json.dumps(self._lexicon.groups, ensure_ascii=False), "utf-8")
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if text:
                counts = self._lexicon.counts(text, self._config["max_count"]) * self._config["weight"]
                self.add_features_to_message(None, counts[np.newaxis, :], TEXT, message)
        return messages

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> NeedCueFeaturizer:
        with model_storage.read_from(resource) as directory:
            groups = json.loads((directory / _LEXICON_FILE).read_text(encoding="utf-8"))
        return cls(config, model_storage, resource, NeedCueLexicon(groups))
