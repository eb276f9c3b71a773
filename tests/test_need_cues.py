"""Need cue features: one count per lexicon group, stored in the model, and part of Rasa's cache key."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.entity_extractor import TelecomEntityExtractor
from bot.nlu.need_cues import NeedCueFeaturizer, NeedCueLexicon

ROOT = Path(__file__).resolve().parents[1]

LEXICON = """
emotional:
  anger: [气死, 受够]
  marks: ["[!！]{2,}"]
rational:
  when: [什么时候, 马上]
"""


@pytest.fixture()
def cues_file(tmp_path: Path) -> Path:
    path = tmp_path / "cues.yml"
    path.write_text(LEXICON, encoding="utf-8")
    return path


def featurizer(storage: LocalModelStorage, cues_file: Path, **config: object) -> NeedCueFeaturizer:
    config = {"cues_path": str(cues_file), **config}
    return NeedCueFeaturizer.create(config, storage, Resource("cues"), None)  # type: ignore[arg-type]


def sentence_vector(message: Message) -> list[float]:
    [feature] = [f for f in message.features if f.type == "sentence" and f.attribute == "text"]
    return feature.features.ravel().tolist()


def test_one_capped_count_per_group(tmp_path: Path, cues_file: Path) -> None:
    [angry, calm] = featurizer(LocalModelStorage(tmp_path), cues_file, max_count=2).process(
        [Message.build("气死了气死了气死了，受够了！！什么时候修好"), Message.build("宽带什么时候能装")]
    )
    assert sentence_vector(angry) == [2.0, 1.0, 1.0]  # anger capped at 2, one ！！, one deadline
    assert sentence_vector(calm) == [0.0, 0.0, 1.0]
    assert not any(f.type == "sequence" for f in angry.features)  # DIET's input is untouched


def test_lexicon_is_stored_in_the_model(tmp_path: Path, cues_file: Path) -> None:
    storage = LocalModelStorage(tmp_path)
    featurizer(storage, cues_file, weight=0.5).train(TrainingData([Message.build("你好", "greet")]))
    cues_file.write_text("emotional:\n  other: [别的]\n", encoding="utf-8")  # the model must not read it again
    loaded = NeedCueFeaturizer.load({"weight": 0.5}, storage, Resource("cues"), None)  # type: ignore[arg-type]
    [message] = loaded.process([Message.build("气死我了，马上给我修")])
    assert sentence_vector(message) == [0.5, 0.0, 0.5]


def test_empty_text_gets_no_features(tmp_path: Path, cues_file: Path) -> None:
    [message] = featurizer(LocalModelStorage(tmp_path), cues_file).process([Message.build("")])
    assert message.features == []


def test_bad_lexicon_and_config_are_rejected(tmp_path: Path, cues_file: Path) -> None:
    with pytest.raises(ValueError, match="invalid pattern"):
        NeedCueLexicon({"emotional.broken": ["(气死"]})
    empty = tmp_path / "empty.yml"
    empty.write_text("# nothing\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no cue groups"):
        NeedCueLexicon.from_yaml(empty)
    with pytest.raises(ValueError, match="max_count"):
        featurizer(LocalModelStorage(tmp_path), cues_file, max_count=0)


@pytest.mark.parametrize(
    ("component", "option"),
    [(NeedCueFeaturizer, "cues_path"), (TelecomEntityExtractor, "gazetteer_path")],
)
def test_file_content_is_part_of_rasas_cache_key(component: type, option: str, cues_file: Path) -> None:
    before = component.fingerprint_addon({option: str(cues_file)})
    cues_file.write_text(LEXICON + "  money: [赔]\n", encoding="utf-8")
    assert component.fingerprint_addon({option: str(cues_file)}) not in (None, before)


def test_project_lexicon_loads_and_marks_the_guides_examples() -> None:
    lexicon = NeedCueLexicon.from_yaml(ROOT / "nlu_data" / "need_cues.yml")
    names = list(lexicon.groups)
    emotional = [i for i, name in enumerate(names) if name.startswith("emotional.")]
    rational = [i for i, name in enumerate(names) if name.startswith("rational.")]
    assert emotional and rational
    for text in ("说是我自己搞错的？太气人了", "营业厅根本没人理我", "唉，要去外地了，这号也顾不上了"):
        assert np.sum(lexicon.counts(text, 3)[emotional]) > 0, text
    for text in ("必须赔我200块", "什么时候能修好给个准话"):
        assert np.sum(lexicon.counts(text, 3)[rational]) > 0, text
