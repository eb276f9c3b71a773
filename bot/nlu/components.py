"""Custom Rasa graph components: text normalisation and a whitespace-safe jieba tokenizer.

Registered with `DefaultV1Recipe.register` so `config.yml` can name them by module path.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.text_normalization import normalize_text


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class ChineseTextNormalizer(GraphComponent):
    """Rewrites the message text to simplified, half-width, lower-case form before tokenisation.

    It must run first: the tokenizer, the featurizers and the entity rules all see the normalised text, so a
    traditional-character message parses exactly like its simplified twin. The length never changes, so
    entity offsets stay valid for the original text.
    """

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ChineseTextNormalizer:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if text:
                message.set(TEXT, normalize_text(text))
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True)
class TelecomJiebaTokenizer(JiebaTokenizer):
    """Rasa's JiebaTokenizer without whitespace tokens (RasaHQ/rasa#7910).

    jieba returns runs of spaces as tokens ("可以 用 顺丰"), which become features of their own and shift the
    sequence on mixed Chinese/English text. The telecom user dictionary (携号转网, 融合套餐, 光猫 ...) comes in
    through the inherited `dictionary_path` option and is copied into the model.
    """

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        return [token for token in super().tokenize(message, attribute) if token.text.strip()]
