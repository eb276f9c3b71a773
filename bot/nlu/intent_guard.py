"""Intents that only make sense with an entity: without it, the next intent of the ranking wins.

`inform_phone` means "here is my number". DIET learns it from messages that are mostly digits, so it also
fires on `88` (拜拜), `1+1等于几` or `3q`; the rule-based extractor knows exactly when an 11-digit number is
there. Run after the entity extractor and before FallbackClassifier, which then judges the intent that
remains.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_TYPE,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
)
from rasa.shared.nlu.training_data.message import Message


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class EntityBackedIntentGuard(GraphComponent):
    """Demotes an intent whose required entity the message lacks (config: `requirements`, intent → entity)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"requirements": {"inform_phone": "phone_number"}}

    def __init__(self, requirements: dict[str, str]) -> None:
        self.requirements = requirements

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> EntityBackedIntentGuard:
        return cls(dict(config["requirements"]))

    def _unsupported(self, intent: str | None, entity_types: set[str]) -> bool:
        required = self.requirements.get(intent or "")
        return required is not None and required not in entity_types

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            entity_types = {entity.get(ENTITY_ATTRIBUTE_TYPE) for entity in message.get(ENTITIES) or []}
            if not self._unsupported(intent.get(INTENT_NAME_KEY), entity_types):
                continue
            ranking = [
                entry
                for entry in message.get(INTENT_RANKING_KEY) or []
                if not self._unsupported(entry.get(INTENT_NAME_KEY), entity_types)
            ]
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
            if ranking:
                message.set(INTENT, dict(ranking[0]), add_to_output=True)
            else:  # nothing else was ranked: no intent at all, which FallbackClassifier turns into nlu_fallback
                message.set(INTENT, {INTENT_NAME_KEY: None, PREDICTED_CONFIDENCE_KEY: 0.0}, add_to_output=True)
        return messages
