"""The need component learns from example metadata, persists inside the model, loads and predicts."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.nlu.dataset import read_examples
from bot.nlu.need_classifier import NeedClassifier, example_need
from bot.nlu.parser import NluParser

TINY_DATA = Path(__file__).resolve().parent / "data" / "nlu_tiny" / "nlu.yml"


@pytest.fixture(scope="module")
def parser(tiny_nlu_model: Path) -> NluParser:
    return NluParser.load("customer", tiny_nlu_model)


def test_model_archive_contains_the_need_classifier(tiny_nlu_model: Path) -> None:
    import tarfile

    with tarfile.open(tiny_nlu_model) as archive:
        names = archive.getnames()
    assert any(name.endswith("need_classifier.skops") for name in names)


def test_loaded_model_predicts_a_need_with_a_full_ranking(parser: NluParser) -> None:
    result = asyncio.run(parser.parse("网速慢得要死，根本没人管我们"))
    assert result["need"]["name"] in {"emotional", "rational", "none"}
    ranking = result["need_ranking"]
    assert {item["name"] for item in ranking} == {"emotional", "rational", "none"}
    assert sum(item["confidence"] for item in ranking) == pytest.approx(1.0, abs=1e-3)
    assert ranking[0] == result["need"]


def test_it_learnt_the_annotated_needs(parser: NluParser) -> None:
    examples = read_examples([TINY_DATA])
    predicted = asyncio.run(_needs(parser, [e.text for e in examples]))
    agreement = sum(p == e.need for p, e in zip(predicted, examples)) / len(examples)
    # Five DIET epochs leave the intent weak, but the need model is a convex fit on its own training data.
    assert agreement >= 0.9, list(zip([e.text for e in examples], predicted))


async def _needs(parser: NluParser, texts: list[str]) -> list[str]:
    return [(await parser.parse(text))["need"]["name"] for text in texts]


def test_example_need_reads_rasa_example_metadata() -> None:
    from rasa.shared.nlu.training_data.message import Message

    assert example_need(Message.build("太贵了", "reason_price_high", example_metadata={"need": "rational"})) == "rational"
    assert example_need(Message.build("太贵了", "reason_price_high", example_metadata={"need": "angry"})) is None
    assert example_need(Message.build("太贵了", "reason_price_high")) is None


def test_untrained_component_answers_none_instead_of_failing() -> None:
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.shared.nlu.training_data.message import Message

    component = NeedClassifier({}, LocalModelStorage(Path("/nonexistent")), Resource("need"))
    [message] = component.process([Message.build("你好")])
    assert message.get("need") == {"name": "none", "confidence": 0.0}


def _featured(text: str, intent: str, vector: list[float], need: str | None = None) -> "Message":
    from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
    from rasa.shared.nlu.training_data.features import Features
    from rasa.shared.nlu.training_data.message import Message
    from scipy.sparse import csr_matrix

    metadata = {"need": need} if need else None
    message = Message.build(text, intent, example_metadata=metadata)
    if need is None:  # a message at inference carries the predicted intent as a dict
        message.set("intent", {"name": intent, "confidence": 0.9})
    message.add_features(Features(csr_matrix([vector]), FEATURE_TYPE_SENTENCE, TEXT, "test"))
    return message


def test_an_intent_never_annotated_none_never_gets_none(tmp_path: Path) -> None:
    """Words seen only in neutral messages must not take the need away from a leave reason."""
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.shared.nlu.training_data.training_data import TrainingData

    examples = [_featured(f"n{i}", "greet", [1.0, 0.0, 0.0], "none") for i in range(6)]
    examples += [_featured(f"e{i}", "reason_price_high", [0.0, 1.0, 0.0], "emotional") for i in range(6)]
    examples += [_featured(f"r{i}", "reason_price_high", [0.0, 0.0, 1.0], "rational") for i in range(6)]
    storage, resource = LocalModelStorage(tmp_path), Resource("need")
    config = {"use_intent_feature": False}
    NeedClassifier(config, storage, resource).train(TrainingData(examples))
    loaded = NeedClassifier.load(config, storage, resource, None)  # type: ignore[arg-type]

    neutral_words_as_reason, neutral_words_as_greeting = loaded.process(
        [_featured("x", "reason_price_high", [1.0, 0.0, 0.0]), _featured("y", "greet", [1.0, 0.0, 0.0])]
    )
    assert neutral_words_as_greeting.get("need")["name"] == "none"
    ranking = {item["name"]: item["confidence"] for item in neutral_words_as_reason.get("need_ranking")}
    assert ranking["none"] == 0.0
    assert neutral_words_as_reason.get("need")["name"] in {"emotional", "rational"}
    assert sum(ranking.values()) == pytest.approx(1.0)
