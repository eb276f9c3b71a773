"""Rule entities from the project's gazetteer: canonical values, numbers, offsets, overlaps."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.nlu.chinese_numbers import chinese_to_int, parse_amount
from bot.nlu.entity_extractor import Gazetteer
from bot.nlu.text_normalization import normalize_text

GAZETTEER = Path(__file__).resolve().parents[1] / "nlu_data" / "gazetteer.yml"


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer.from_yaml(GAZETTEER)


def extract(gazetteer: Gazetteer, text: str) -> list[tuple[str, object, str]]:
    return [(e["entity"], e["value"], text[e["start"] : e["end"]]) for e in gazetteer.extract(normalize_text(text))]


def test_competitors_get_canonical_names(gazetteer: Gazetteer) -> None:
    found = extract(gazetteer, "联通送宽带，移不动也便宜，隔壁家更划算")
    assert ("competitor", "中国联通", "联通") in found
    assert ("competitor", "中国移动", "移不动") in found
    assert ("competitor", "其他运营商", "隔壁家") in found


def test_amounts_are_numbers_and_vague_ones_stay_text(gazetteer: Gazetteer) -> None:
    found = extract(gazetteer, "每月一百九十九块，人家才￥39.9，我上个月交了一百多块")
    assert ("amount", 199, "一百九十九块") in found
    assert ("amount", 39.9, "￥39.9") in found
    assert ("amount", "一百多块", "一百多块") in found


def test_phone_numbers_need_eleven_digits(gazetteer: Gazetteer) -> None:
    found = extract(gazetteer, "号码13812345678，不是1381234567，也不是138123456789")
    assert [f for f in found if f[0] == "phone_number"] == [("phone_number", "13812345678", "13812345678")]


def test_phone_numbers_written_in_groups_are_the_eleven_digits(gazetteer: Gazetteer) -> None:
    found = extract(gazetteer, "我的号码是138 1234 5678，备用的159-8765-4321，不是138 1234 567")
    assert [f for f in found if f[0] == "phone_number"] == [
        ("phone_number", "13812345678", "138 1234 5678"),
        ("phone_number", "15987654321", "159-8765-4321"),
    ]


def test_devices_and_plans_in_mixed_traditional_text(gazetteer: Gazetteer) -> None:
    found = extract(gazetteer, "我的iPhone 15 Pro信號差，129元套餐還有光貓")
    assert ("device", "iphone 15 pro", "iPhone 15 Pro") in found
    assert ("plan", "129元套餐", "129元套餐") in found
    assert ("device", "光猫", "光貓") in found


def test_overlaps_keep_the_longest_match(gazetteer: Gazetteer) -> None:
    found = extract(gazetteer, "中国移动的5G畅享套餐")
    assert ("competitor", "中国移动", "中国移动") in found
    assert ("plan", "5G畅享套餐", "5G畅享套餐") in found
    assert len(found) == 2


@pytest.mark.parametrize(
    ("numeral", "value"),
    [("一百九十九", 199), ("两千五", 2500), ("十五", 15), ("三十八", 38), ("一千零五", 1005), ("二十", 20), ("万", 10000)],
)
def test_chinese_numerals(numeral: str, value: int) -> None:
    assert chinese_to_int(numeral) == value


def test_parse_amount_rejects_non_numbers() -> None:
    assert chinese_to_int("块") is None
    assert parse_amount("几十块") is None
