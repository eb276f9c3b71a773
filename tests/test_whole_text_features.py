"""Whole-text character n-grams: they cross jieba's word boundaries, persist in the model and load back."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.whole_text_features import WholeTextCharFeaturizer


def featurizer(storage: LocalModelStorage, **config: int) -> WholeTextCharFeaturizer:
    return WholeTextCharFeaturizer.create(config, storage, Resource("whole_text"), None)  # type: ignore[arg-type]


def sentence_vector(message: Message) -> dict[int, float]:
    [feature] = [f for f in message.features if f.type == "sentence" and f.attribute == "text"]
    matrix = feature.features.tocoo()
    return dict(zip(matrix.col.tolist(), matrix.data.tolist()))


def test_ngrams_cross_word_boundaries_and_survive_a_reload(tmp_path: Path) -> None:
    storage = LocalModelStorage(tmp_path)
    trained = featurizer(storage)
    trained.train(TrainingData([Message.build("贵死了", "reason_price_high"), Message.build("你好", "greet")]))
    vocabulary = trained._vectorizer.vocabulary_  # noqa: SLF001 - the fitted n-grams are what is under test
    assert {"贵死", "死了", "贵死了"} <= set(vocabulary)  # jieba cuts 贵/死/了: char_wb would miss all three

    [before] = trained.process([Message.build("真的贵死了")])
    loaded = WholeTextCharFeaturizer.load({}, storage, Resource("whole_text"), None)  # type: ignore[arg-type]
    [after] = loaded.process([Message.build("真的贵死了")])
    assert sentence_vector(before) == sentence_vector(after)
    assert sentence_vector(after)[vocabulary["贵死了"]] == 1
    assert not any(f.type == "sequence" for f in after.features)  # sentence level only: DIET's input is untouched


def test_untrained_featurizer_adds_nothing(tmp_path: Path) -> None:
    [message] = featurizer(LocalModelStorage(tmp_path)).process([Message.build("你好")])
    assert message.features == []


def test_ngram_range_is_validated(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="min_ngram"):
        featurizer(LocalModelStorage(tmp_path), min_ngram=3, max_ngram=2)


def test_a_batch_gives_each_message_its_own_row(tmp_path: Path) -> None:
    trained = featurizer(LocalModelStorage(tmp_path))
    trained.train(TrainingData([Message.build("贵死了", "reason_price_high"), Message.build("你好", "greet")]))
    [alone] = trained.process([Message.build("你好")])
    pricey, empty, greeting = trained.process([Message.build("贵死了"), Message.build(""), Message.build("你好")])
    assert sentence_vector(greeting) == sentence_vector(alone)
    assert sentence_vector(pricey) != sentence_vector(greeting)
    assert empty.features == []
