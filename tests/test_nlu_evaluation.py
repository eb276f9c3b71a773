"""The evaluation's fixed held-out texts: the same messages judged at every run, under today's labels."""

from __future__ import annotations

from pathlib import Path

from bot.config import get_settings
from bot.nlu.dataset import Example, read_examples
from bot.nlu.evaluation import FIXED_SPLIT_FILE, fixed_split, read_fixed_texts


def test_fixed_texts_are_held_out_under_their_current_labels() -> None:
    examples = [
        Example("太贵了", "reason_price_high", "rational", "a.yml"),
        Example("网太差", "reason_network_quality", "rational", "b.yml"),
        Example("那边能装吗", "ask_coverage", "none", "c.yml"),
    ]
    train, test = fixed_split(examples, {"网太差", "那边能装吗", "a text no longer in the data"})
    assert [e.text for e in train] == ["太贵了"]
    assert [(e.text, e.intent) for e in test] == [("网太差", "reason_network_quality"), ("那边能装吗", "ask_coverage")]


def test_comments_and_blank_lines_are_not_texts(tmp_path: Path) -> None:
    file = tmp_path / "fixed.txt"
    file.write_text("# why these texts\n\n 太贵了 \n网太差\n", encoding="utf-8")
    assert read_fixed_texts(file) == {"太贵了", "网太差"}


def test_every_fixed_text_is_still_a_customer_example() -> None:
    """A reworded example silently leaves the fixed set; reword it knowingly and drop its line from the file."""
    settings = get_settings()
    fixed = read_fixed_texts(settings.project_root / "tests" / "data" / FIXED_SPLIT_FILE)
    texts = {e.text for e in read_examples([settings.nlu_data_dir / "customer"])}
    assert len(fixed) == 754
    assert sorted(fixed - texts) == []
