"""The normaliser keeps the text length, so entity offsets computed on it are valid on the original."""

from __future__ import annotations

import random

from bot.nlu.text_normalization import normalize_text


def test_traditional_becomes_simplified() -> None:
    assert normalize_text("你們的資費太貴了") == "你们的资费太贵了"
    assert normalize_text("寬帶網速慢，號碼要攜號轉網") == "宽带网速慢,号码要携号转网"


def test_full_width_and_case_are_folded() -> None:
    assert normalize_text("ＷＩＦＩ信號１００Ｍ") == "wifi信号100m"
    assert normalize_text("／greet") == "/greet"


def test_length_is_preserved_on_arbitrary_text() -> None:
    rng = random.Random(7)
    alphabet = "你們資費貴寬帶號碼ａＢ１２３！？ 　ﾊﾝｶｸ㎡ﬁ①Ⅻ乾隆乾淨後面髮發𠀀😀"
    for _ in range(500):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        assert len(normalize_text(text)) == len(text), text


def test_simplified_half_width_text_is_unchanged() -> None:
    text = "我要携号转网,联通58块不限量 5g"
    assert normalize_text(text) == text
