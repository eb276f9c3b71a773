"""The linear intent model trains inside the Rasa model, persists, loads and blends its answer with DIET's."""

from __future__ import annotations

import asyncio
import tarfile
from pathlib import Path

import numpy as np
import pytest
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from scipy.sparse import csr_matrix

from bot.nlu.dataset import read_examples
from bot.nlu.linear_intent import LinearIntentBlend, _weighted
from bot.nlu.parser import NluParser

TINY_DATA = Path(__file__).resolve().parent / "data" / "nlu_tiny" / "nlu.yml"


def test_model_archive_contains_the_linear_intent_model(tiny_nlu_model: Path) -> None:
    with tarfile.open(tiny_nlu_model) as archive:
        names = archive.getnames()
    assert any(name.endswith("linear_intent.skops") for name in names)
    assert any(name.endswith("linear_intent.json") for name in names)


def test_loaded_model_knows_its_training_intents(tiny_nlu_model: Path) -> None:
    # Five DIET epochs alone get few of these right; the blend with the linear model gets nearly all.
    parser = NluParser.load("customer", tiny_nlu_model)
    examples = read_examples([TINY_DATA])
    predicted = asyncio.run(_intents(parser, [e.text for e in examples]))
    agreement = sum(p == e.intent for p, e in zip(predicted, examples)) / len(examples)
    assert agreement >= 0.9, list(zip([e.text for e in examples], predicted))


async def _intents(parser: NluParser, texts: list[str]) -> list[str]:
    return [(await parser.parse_raw(text))["intent"]["name"] for text in texts]


def featured(text: str, counts: list[float], ranking: list[tuple[str, float]]) -> Message:
    message = Message.build(text)
    message.add_features(Features(csr_matrix([counts]), "sentence", "text", "CountVectorsFeaturizer"))
    entries = [{"name": name, "confidence": confidence} for name, confidence in ranking]
    message.set("intent", dict(entries[0]))
    message.set("intent_ranking", entries)
    return message


class FixedLinear:
    """A fitted-model stand-in whose probabilities are 0.1 / 0.7 / 0.2 whatever the text (only the intercepts
    count), to check the blending arithmetic."""

    classes_ = np.array(["greet", "thank", "goodbye"])
    coef_ = np.zeros((3, 3))
    intercept_ = np.log([0.1, 0.7, 0.2])


def test_blend_averages_both_models_and_reranks() -> None:
    component = LinearIntentBlend(
        {}, LocalModelStorage(Path("/nonexistent")), Resource("linear"), FixedLinear(), np.ones(3)  # type: ignore[arg-type]
    )
    [message] = component.process([featured("谢啦", [1, 0, 2], [("greet", 0.6), ("thank", 0.3), ("goodbye", 0.1)])])
    # greet 0.5*0.6+0.5*0.1 = 0.35, thank 0.5*0.3+0.5*0.7 = 0.5, goodbye 0.5*0.1+0.5*0.2 = 0.15
    assert message.get("intent") == pytest.approx({"name": "thank", "confidence": 0.5})
    assert [entry["name"] for entry in message.get("intent_ranking")] == ["thank", "greet", "goodbye"]


def test_untrained_component_leaves_diets_answer() -> None:
    component = LinearIntentBlend({}, LocalModelStorage(Path("/nonexistent")), Resource("linear"))
    [message] = component.process([featured("你好", [1, 0, 0], [("greet", 0.9), ("thank", 0.1)])])
    assert message.get("intent") == {"name": "greet", "confidence": 0.9}


def test_weighting_damps_repeats_and_normalises_rows() -> None:
    weighted = _weighted(csr_matrix([[1.0, 0.0, 9.0], [0.0, 2.0, 0.0]]), np.array([1.0, 1.0, 1.0])).toarray()
    assert np.linalg.norm(weighted, axis=1) == pytest.approx([1.0, 1.0])
    assert weighted[0, 2] / weighted[0, 0] == pytest.approx(np.log(10) / np.log(2))


def test_fast_probabilities_equal_sklearns() -> None:
    from sklearn.linear_model import LogisticRegression

    from bot.nlu.linear_intent import LinearScorer

    rng = np.random.RandomState(0)
    features = _weighted(csr_matrix(rng.poisson(0.3, size=(120, 40)).astype(float)), rng.rand(40) + 1.0)
    for classes in (2, 5):
        classifier = LogisticRegression(max_iter=1000).fit(features, np.arange(120) % classes)
        assert LinearScorer.of(classifier).probabilities(features) == pytest.approx(classifier.predict_proba(features))


def test_weighting_leaves_empty_rows_empty() -> None:
    weighted = _weighted(csr_matrix([[0.0, 0.0], [3.0, 0.0]]), np.array([2.0, 1.0])).toarray()
    assert weighted.tolist() == [[0.0, 0.0], [1.0, 0.0]]
