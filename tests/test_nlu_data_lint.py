"""The training data honours the label contract and the annotation guide (docs/NLU_GUIDE.md)."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest
import yaml

from bot.nlu.dataset import Example, read_examples
from bot.nlu.entity_extractor import Gazetteer
from bot.taxonomy import TAXONOMY_FILE, agent_acts, customer_intents, needs, reason_intents

ROOT = Path(__file__).resolve().parents[1]
SHARED_TAXONOMY = ROOT.parent / "shared" / "taxonomy.yml"
MIN_REASON_EXAMPLES = 80
MIN_OTHER_EXAMPLES = 30
MIN_AGENT_EXAMPLES = 30
_PUNCTUATION = re.compile(r"[\s\W_]+", re.UNICODE)


def key(text: str) -> str:
    """Two examples that differ only in spaces and punctuation are the same example."""
    return _PUNCTUATION.sub("", text).lower()


@pytest.fixture(scope="module")
def customer() -> list[Example]:
    return read_examples([ROOT / "nlu_data" / "customer"])


@pytest.fixture(scope="module")
def agent() -> list[Example]:
    return read_examples([ROOT / "nlu_data" / "agent"])


def distinct_counts(examples: list[Example]) -> Counter:
    return Counter(intent for intent, _ in {(e.intent, key(e.text)) for e in examples})


def test_packaged_taxonomy_is_the_shared_one() -> None:
    if not SHARED_TAXONOMY.exists():
        pytest.skip(f"{SHARED_TAXONOMY} is not beside the project")
    assert yaml.safe_load(TAXONOMY_FILE.read_text("utf-8")) == yaml.safe_load(SHARED_TAXONOMY.read_text("utf-8"))


def test_every_customer_intent_has_enough_distinct_examples(customer: list[Example]) -> None:
    counts = distinct_counts(customer)
    for intent in customer_intents():
        minimum = MIN_REASON_EXAMPLES if intent in reason_intents() else MIN_OTHER_EXAMPLES
        assert counts[intent] >= minimum, f"{intent}: {counts[intent]} distinct examples, need {minimum}"


def test_every_agent_act_has_examples(agent: list[Example]) -> None:
    counts = distinct_counts(agent)
    for act in agent_acts():
        assert counts[act] >= MIN_AGENT_EXAMPLES, f"{act}: {counts[act]} distinct examples"


def test_only_known_labels(customer: list[Example], agent: list[Example]) -> None:
    assert {e.intent for e in customer} <= set(customer_intents())
    assert {e.intent for e in agent} <= set(agent_acts())


def test_no_example_under_two_labels(customer: list[Example], agent: list[Example]) -> None:
    for examples in (customer, agent):
        labels: dict[str, set[str]] = defaultdict(set)
        for example in examples:
            labels[key(example.text)].add(example.intent)
        clashes = {text: sorted(found) for text, found in labels.items() if len(found) > 1}
        assert not clashes, clashes


def test_every_customer_example_has_a_need(customer: list[Example]) -> None:
    missing = [(e.intent, e.text) for e in customer if e.need not in needs()]
    assert not missing, missing[:20]


def test_every_reason_has_emotional_and_rational_examples(customer: list[Example]) -> None:
    for intent in reason_intents():
        found = Counter(e.need for e in customer if e.intent == intent)
        assert found["emotional"] >= 15 and found["rational"] >= 15, f"{intent}: {dict(found)}"


def test_a_leave_reason_or_compensation_request_always_carries_a_need(customer: list[Example]) -> None:
    """The guide's rule, which the need classifier turns into "never none for these intents"."""
    needful = set(reason_intents()) | {"request_compensation"}
    wrong = [(e.intent, e.text) for e in customer if e.intent in needful and e.need == "none"]
    assert not wrong, wrong[:20]


def test_challenge_sets_do_not_leak_into_training(customer: list[Example], agent: list[Example]) -> None:
    training = {key(e.text) for e in customer + agent}
    for name in ("customer_challenge.yml", "customer_holdout.yml", "agent_challenge.yml"):
        challenge = read_examples([ROOT / "tests" / "data" / name])
        leaked = [e.text for e in challenge if key(e.text) in training]
        assert not leaked, f"{name}: {leaked}"
        assert len(challenge) >= 100


def test_gazetteer_loads_and_jieba_dictionary_is_well_formed() -> None:
    Gazetteer.from_yaml(ROOT / "nlu_data" / "gazetteer.yml")
    for number, line in enumerate((ROOT / "nlu_data" / "jieba" / "telecom_userdict.txt").read_text("utf-8").splitlines(), 1):
        parts = line.split()
        assert 1 <= len(parts) <= 3 and (len(parts) < 2 or parts[1].isdigit()), f"line {number}: {line!r}"
