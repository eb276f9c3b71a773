"""Length-preserving normalisation of Chinese chat text.

Customers type traditional characters (「你們的資費太貴了」), full-width digits and letters (「１３８」「ＷＩＦＩ」)
and mixed case; the model is trained on simplified, half-width, lower-case text. Every character maps to
exactly one character, so entity offsets computed on the normalised text are valid on what the customer typed.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import opencc


@lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def _fold_width(char: str) -> str:
    folded = unicodedata.normalize("NFKC", char)
    return folded if len(folded) == 1 else char


@lru_cache(maxsize=65536)
def _normalize_char(char: str) -> str:
    folded = _fold_width(char)
    simplified = _converter().convert(folded)
    if len(simplified) != 1:
        simplified = folded
    return simplified.lower()


def normalize_text(text: str) -> str:
    """Simplified, half-width, lower-case text of exactly the same length as `text`.

    Whole-string conversion first lets OpenCC use its phrase table (e.g. 「乾淨」→「干净」 vs 「乾隆」); where a phrase
    conversion would change the length, the text falls back to character-by-character conversion.
    """
    folded = "".join(_fold_width(char) for char in text)
    converted = _converter().convert(folded)
    if len(converted) == len(text):
        return converted.lower()
    return "".join(_normalize_char(char) for char in text)

