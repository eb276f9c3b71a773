"""Rule-based telecom entities: competitor, plan, device, amount, phone_number.

Why rules with spaCy and not DIET or Rasa's RegexEntityExtractor (see docs/ARCHITECTURE.md):
- DIET needs entity annotations aligned with jieba's token boundaries (RasaHQ/rasa#7409, #7689); a customer's
  「移动」 inside 「移动的」 or a model name glued to other characters is often not its own jieba token.
  `spacy.blank("zh")` segments into characters, so a phrase match never depends on word segmentation.
- The EntityRuler gives every phrase a canonical id (移不动/中国移动/移动 → 中国移动) in one pass over the text,
  and the gazetteer is plain data (`nlu_data/gazetteer.yml`) that supervisors can extend without writing annotated
  examples (the model is retrained, as the gazetteer is part of its fingerprint).
- RegexEntityExtractor only keeps patterns for entities that are annotated somewhere in the training data and
  cannot map a match to a canonical value.
The gazetteer is read at training time and stored inside the model, so a trained model is self-contained.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any

import spacy
import yaml
from spacy.tokens import Span
from spacy.util import filter_spans

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    EXTRACTOR,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.chinese_numbers import parse_amount
from bot.nlu.file_fingerprint import file_fingerprint

logger = logging.getLogger(__name__)

_GAZETTEER_FILE = "gazetteer.json"
def _phone_digits(text: str) -> str:
    """138 1234 5678 → 13812345678: the actions look customers up by the bare 11 digits."""
    return re.sub(r"\D", "", text)


# Entities whose value is computed from the matched text rather than looked up.
_VALUE_PARSERS = {"amount": parse_amount, "phone_number": _phone_digits}


class Gazetteer:
    """Phrase lists with canonical values, plus regular expressions, per entity type."""

    def __init__(self, spec: dict[str, dict[str, Any]]) -> None:
        self.spec = spec
        self._nlp = spacy.blank("zh")
        ruler = self._nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
        patterns = []
        for entity, rules in spec.items():
            for canonical, phrases in (rules.get("phrases") or {}).items():
                for phrase in {canonical, *phrases}:
                    patterns.append({"label": entity, "pattern": str(phrase).lower(), "id": str(canonical)})
        ruler.add_patterns(patterns)
        self._regexes = [
            (entity, re.compile(pattern, re.IGNORECASE))
            for entity, rules in spec.items()
            for pattern in rules.get("regex") or []
        ]

    @classmethod
    def from_yaml(cls, path: Path) -> Gazetteer:
        with path.open(encoding="utf-8") as handle:
            spec = yaml.safe_load(handle) or {}
        if not isinstance(spec, dict):
            raise ValueError(f"{path}: expected a mapping of entity type to rules")
        return cls(spec)

    def extract(self, text: str) -> list[dict[str, Any]]:
        """Non-overlapping entities, longest match first, in text order."""
        doc = self._nlp(text)
        spans = list(doc.ents)
        for entity, regex in self._regexes:
            for match in regex.finditer(text):
                span = doc.char_span(match.start(), match.end(), label=entity, alignment_mode="expand")
                if span is not None:
                    spans.append(span)
        entities = []
        for span in sorted(filter_spans(spans), key=lambda s: s.start_char):
            entities.append(
                {
                    ENTITY_ATTRIBUTE_TYPE: span.label_,
                    ENTITY_ATTRIBUTE_START: span.start_char,
                    ENTITY_ATTRIBUTE_END: span.end_char,
                    ENTITY_ATTRIBUTE_VALUE: self._value(span),
                }
            )
        return entities

    @staticmethod
    def _value(span: Span) -> Any:
        parser = _VALUE_PARSERS.get(span.label_)
        if parser is not None:
            parsed = parser(span.text)
            return span.text if parsed is None else parsed
        return span.ent_id_ or span.text


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class TelecomEntityExtractor(GraphComponent):
    """Adds gazetteer and regex entities to every message (see the module docstring for why rules)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"gazetteer_path": "nlu_data/gazetteer.yml"}

    @classmethod
    def _gazetteer_path(cls, config: dict[str, Any]) -> Path:
        return Path({**cls.get_default_config(), **config}["gazetteer_path"])

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """The gazetteer's content: Rasa's training cache must not reuse a model built on another gazetteer."""
        return file_fingerprint(cls._gazetteer_path(config))

    def __init__(self, model_storage: ModelStorage, resource: Resource, gazetteer: Gazetteer | None) -> None:
        self._model_storage = model_storage
        self._resource = resource
        self._gazetteer = gazetteer

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> TelecomEntityExtractor:
        return cls(model_storage, resource, Gazetteer.from_yaml(cls._gazetteer_path(config)))

    def train(self, training_data: TrainingData) -> Resource:
        with self._model_storage.write_to(self._resource) as directory:
            (directory / _GAZETTEER_FILE).write_text(
                json.dumps(self._gazetteer.spec, ensure_ascii=False), encoding="utf-8"
            )
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> TelecomEntityExtractor:
        with model_storage.read_from(resource) as directory:
            spec = json.loads((directory / _GAZETTEER_FILE).read_text(encoding="utf-8"))
        return cls(model_storage, resource, Gazetteer(spec))

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            found = [{**entity, EXTRACTOR: type(self).__name__} for entity in self._gazetteer.extract(text)]
            message.set(ENTITIES, [*message.get(ENTITIES, []), *found], add_to_output=True)
        return messages
