"""Reading operator exports: encodings, headers, and every bad row reported with its line and reason."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from bot.churn.features import FEATURES
from bot.churn.source_format import (
    ALL_COLUMNS,
    BILLING_MONTH,
    CONTRACT,
    OPTIONAL_COLUMNS,
    OPTIONAL_GROUPS,
    PLAN_FEE,
    PREVIOUS_MONTH,
    SIGNAL_COUNTS,
    SOURCE_COLUMNS,
    normalise_header,
)
from bot.churn.source_reader import SourceFileError, parse_source, read_source
from bot.churn.synthetic import GeneratorOptions, write_export


def generated_table(tmp_path: Path, rows: int = 12) -> tuple[list[str], list[list[str]]]:
    path = tmp_path / "generated.csv"
    write_export(path, GeneratorOptions(rows=rows, seed=5))
    header, *body = list(csv.reader(path.read_text(encoding="utf-8").splitlines()))
    return header, body


def as_text(header: list[str], body: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, *body])
    return buffer.getvalue()


def set_cell(header: list[str], row: list[str], column: str, value: str) -> None:
    row[header.index(column)] = value


def problems_of(text: str) -> list[str]:
    with pytest.raises(SourceFileError) as caught:
        parse_source(text)
    return [str(problem) for problem in caught.value.problems]


def without(header: list[str], body: list[list[str]], *columns: str) -> tuple[list[str], list[list[str]]]:
    kept = [i for i, name in enumerate(header) if name not in columns]
    return [header[i] for i in kept], [[row[i] for i in kept] for row in body]


def test_a_generated_export_reads_back_with_every_field_typed(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    truth = write_export(path, GeneratorOptions(rows=30, seed=9))
    source = read_source(path)
    assert source.encoding == "utf-8-sig"
    assert len(source.rows) == 30
    first = source.rows[0]
    assert first.line == 2
    assert first.phone == truth["phone"][0]
    assert first.month == date(2024, 5, 1)
    assert first.arpu == Decimal(f"{truth['arpu'][0]:.2f}")
    assert first.mou == truth["mou"][0]
    assert first.churned == bool(truth["churned"][0])
    assert source.optional_fields == {column.field for column in OPTIONAL_COLUMNS}
    assert source.absent == {}


def test_gbk_and_utf8_with_bom_give_the_same_rows(tmp_path: Path) -> None:
    write_export(tmp_path / "utf8.csv", GeneratorOptions(rows=20, seed=3), encoding="utf-8-sig")
    write_export(tmp_path / "gbk.csv", GeneratorOptions(rows=20, seed=3), encoding="gbk")
    utf8, gbk = read_source(tmp_path / "utf8.csv"), read_source(tmp_path / "gbk.csv")
    assert (utf8.encoding, gbk.encoding) == ("utf-8-sig", "gbk")
    assert [row.phone for row in utf8.rows] == [row.phone for row in gbk.rows]
    assert [row.plan_name for row in utf8.rows] == [row.plan_name for row in gbk.rows]


@pytest.mark.parametrize(
    "data, expected",
    [
        ("号码,当月ARPU\n13300000000,12.5\n".encode("utf-16"), "UTF-16"),  # Excel's "Unicode text"
        ("号码,当月ARPU\n13300000000,12.5\n".encode("utf-16-le"), "UTF-16"),  # the same without a BOM
        (b"\xe5\x8f,abc\n\xff\xff\n", "编码无法识别（UTF-8 在第 1 行无法解码；GBK 在第 2 行无法解码）"),
    ],
)
def test_wrong_encoding_is_a_clear_error(tmp_path: Path, data: bytes, expected: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(data)
    with pytest.raises(SourceFileError) as caught:
        read_source(path)
    assert expected in caught.value.message


@pytest.mark.parametrize("content", [b"", b"\n\n  \n", "\ufeff".encode()])
def test_an_empty_file_is_a_clear_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    with pytest.raises(SourceFileError, match="文件为空"):
        read_source(path)


def test_a_header_without_rows_is_a_clear_error(tmp_path: Path) -> None:
    header, _ = generated_table(tmp_path)
    with pytest.raises(SourceFileError, match="没有数据行"):
        parse_source(as_text(header, []))


def test_missing_required_columns_are_named(tmp_path: Path) -> None:
    header, body = generated_table(tmp_path)
    with pytest.raises(SourceFileError) as caught:
        parse_source(as_text(*without(header, body, "当月ARPU", "拨打竞争对手客服电话次数", "咪咕阅读")))
    assert caught.value.message == "缺少必需的列：当月ARPU、咪咕阅读"  # the signal count is optional


def test_extra_columns_are_ignored_and_headers_are_normalised(tmp_path: Path) -> None:
    header, body = generated_table(tmp_path)
    header = [f" {name}" for name in header]
    header[header.index(" 终端使用时间(月)")] = "终端使用时间（月）"  # full-width brackets, as Excel users type
    rows = parse_source(as_text([*header, "备注"], [[*row, "VIP"] for row in body])).rows
    assert len(rows) == len(body)
    assert normalise_header("\ufeff号码 ") == "号码"


def test_non_numeric_arpu_names_the_line_and_the_column(tmp_path: Path) -> None:
    header, body = generated_table(tmp_path)
    set_cell(header, body[3], "当月ARPU", "八十")
    assert problems_of(as_text(header, body)) == ["第 5 行：当月ARPU「八十」不是数字"]


def test_every_bad_row_is_reported_not_just_the_first(tmp_path: Path) -> None:
    header, body = generated_table(tmp_path)
    set_cell(header, body[0], "号码", "1330000")
    set_cell(header, body[2], "当月停机天数", "40")
    set_cell(header, body[2], "终端制式", "6G")
    set_cell(header, body[5], "信用等级", "九星")
    body[7] = body[7][:-3]
    problems = problems_of(as_text(header, body))
    assert problems == [
        "第 2 行：号码「1330000」不是11位手机号码",
        "第 4 行：当月停机天数「40」应在 0 到 31 之间；终端制式「6G」不是 2G/3G/4G/5G 之一",
        "第 7 行：信用等级「九星」应为 1-7 星",
        f"第 9 行：有 {len(header) - 3} 个字段，表头有 {len(header)} 列",
    ]


def test_a_duplicate_number_points_to_its_first_line(tmp_path: Path) -> None:
    header, body = generated_table(tmp_path)
    body[6][header.index("号码")] = body[1][header.index("号码")]
    assert problems_of(as_text(header, body)) == [f"第 8 行：号码 {body[1][0]} 与第 3 行重复"]


def test_line_numbers_count_physical_lines_across_quoted_newlines(tmp_path: Path) -> None:
    header, body = generated_table(tmp_path)
    set_cell(header, body[0], "终端机型", "华为\nMate 60")
    set_cell(header, body[1], "当月MOU", "-5")
    assert problems_of(as_text(header, body)) == ["第 4 行：当月MOU「-5」应在 0 到 44640 之间"]


def test_broadband_and_bandwidth_must_agree(tmp_path: Path) -> None:
    header, body = generated_table(tmp_path)
    broadband = next(i for i, row in enumerate(body) if row[header.index("是否宽带用户")] == "是")
    plain = next(i for i, row in enumerate(body) if row[header.index("是否宽带用户")] == "否")
    set_cell(header, body[broadband], "带宽", "")
    set_cell(header, body[plain], "带宽", "200M")
    problems = problems_of(as_text(header, body))
    assert f"第 {broadband + 2} 行：宽带用户的带宽不能为空" in problems
    assert f"第 {plain + 2} 行：非宽带用户不应有带宽（200M）" in problems


def test_plan_fee_comes_from_the_plan_name_when_the_column_is_absent(tmp_path: Path) -> None:
    header, body = without(*generated_table(tmp_path), "套餐月费")
    set_cell(header, body[0], "套餐", "天翼畅享129元套餐")
    parsed = parse_source(as_text(header, body))
    assert parsed.rows[0].plan_fee == Decimal("129.00")
    assert "plan_fee" not in parsed.optional_fields
    assert list(parsed.absent.values()) == [("套餐月费",)]
    assert parsed.unknown_plan_fees == 0 and parsed.unknown_features == ()  # every fee was in a plan name
    set_cell(header, body[0], "套餐", "不限量套餐")
    parsed = parse_source(as_text(header, body))
    assert parsed.rows[0].plan_fee is None and parsed.rows[1].plan_fee is not None
    assert parsed.unknown_plan_fees == 1 and parsed.unknown_features == ("plan_fee", "arpu_over_plan")


def test_an_empty_plan_fee_cell_needs_the_fee_in_the_plan_name(tmp_path: Path) -> None:
    """A file with the 套餐月费 column must give the fee: an empty cell is a mistake, not an unknown."""
    header, body = generated_table(tmp_path)
    set_cell(header, body[0], "套餐月费", "")
    set_cell(header, body[0], "套餐", "天翼畅享129元套餐")
    assert parse_source(as_text(header, body)).rows[0].plan_fee == Decimal("129.00")
    set_cell(header, body[0], "套餐", "不限量套餐")
    assert problems_of(as_text(header, body)) == ["第 2 行：套餐月费为空，套餐名称中也没有「N元」"]


@pytest.mark.parametrize(
    "column, cell, expected",
    [
        ("信用等级", "三星", 3),
        ("信用等级", "5星级", 5),
        ("是否流失", "", None),
        ("是否流失", "Y", True),
        ("带宽", "1G", 1000),
        ("账期", "2024-05", date(2024, 5, 1)),
        ("协议到期日期", "2024/7/1", date(2024, 7, 1)),
        ("终端制式", "5g", "5G"),
    ],
)
def test_the_usual_spellings_of_operator_exports_are_accepted(
    tmp_path: Path, column: str, cell: str, expected: object
) -> None:
    header, body = generated_table(tmp_path)
    if column == "带宽":
        set_cell(header, body[0], "是否宽带用户", "是")
    set_cell(header, body[0], column, cell)
    rows = parse_source(as_text(header, body)).rows
    field = next(c.field for c in ALL_COLUMNS if c.header == column)
    assert getattr(rows[0], field) == expected


def test_the_20_source_columns_are_enough(tmp_path: Path) -> None:
    """Seed 000's 源数据 and nothing else: the month is the one given, the signals unknown, and the report says so."""
    header, body = without(*generated_table(tmp_path), *(column.header for column in OPTIONAL_COLUMNS))
    assert header == [column.header for column in SOURCE_COLUMNS] and len(header) == 20
    parsed = parse_source(as_text(header, body), date(2023, 11, 1))
    assert list(parsed.absent) == list(OPTIONAL_GROUPS)
    assert parsed.absent[PREVIOUS_MONTH] == ("上月ARPU", "上月MOU", "上月DOU")
    assert parsed.optional_fields == set()
    assert {row.month for row in parsed.rows} == {date(2023, 11, 1)}
    assert {(row.prev_arpu, row.prev_mou, row.prev_dou_mb) for row in parsed.rows} == {(None, None, None)}
    signals = {
        (row.contract_known, row.contract_end_date, row.competitor_marketing_contacts, row.zero_call_days)
        for row in parsed.rows
    }
    assert signals == {(False, None, None, None)} and {row.competitor_hotline_calls for row in parsed.rows} == {None}
    assert parsed.rows[0].plan_fee > 0 and parsed.rows[0].name == "尊敬的客户"  # the fee from 「N元」
    assert parsed.unknown_features == (
        "mou_change",
        "dou_change",
        "arpu_change",
        "has_contract",
        "contract_days_left",
        "competitor_marketing_contacts",
        "zero_call_days",
        "competitor_hotline_calls",
    )
    assert {row.month for row in parse_source(as_text(header, body)).rows} == {date.today().replace(day=1)}


def test_each_signal_column_is_optional_on_its_own_and_validated_when_present(tmp_path: Path) -> None:
    header, body = generated_table(tmp_path)
    for group in (CONTRACT, *SIGNAL_COUNTS):
        (column,) = group.columns
        parsed = parse_source(as_text(*without(header, body, column.header)))
        assert parsed.absent == {group: (column.header,)} and parsed.unknown_features == group.unknown_features
        assert {getattr(row, column.field) for row in parsed.rows} == {None}
    set_cell(header, body[0], "协议到期日期", "")  # present and empty: no contract, as before
    assert parse_source(as_text(header, body)).rows[0].contract_known is True
    set_cell(header, body[0], "协议到期日期", "明年")
    set_cell(header, body[0], "零通话天数", "32")
    set_cell(header, body[1], "竞争对手营销次数", "")
    assert problems_of(as_text(header, body)) == [
        "第 2 行：协议到期日期「明年」不是有效日期（例如 2024-06-30）；零通话天数「32」应在 0 到 31 之间",
        "第 3 行：竞争对手营销次数不能为空",
    ]


def test_every_feature_an_absent_column_leaves_unknown_is_a_model_feature() -> None:
    assert {feature for group in OPTIONAL_GROUPS for feature in group.unknown_features} <= set(FEATURES)
    assert PREVIOUS_MONTH.unknown_features and not BILLING_MONTH.unknown_features
    assert PLAN_FEE.unknown_features == ("plan_fee", "arpu_over_plan")


def test_a_month_is_refused_for_a_file_that_has_its_own(tmp_path: Path) -> None:
    header, body = generated_table(tmp_path)
    with pytest.raises(SourceFileError, match="文件已有「账期」列"):
        parse_source(as_text(header, body), date(2024, 5, 1))


def test_last_months_columns_are_used_together_but_each_present_one_is_validated(tmp_path: Path) -> None:
    header, body = without(*generated_table(tmp_path), "上月DOU")
    parsed = parse_source(as_text(header, body))
    assert parsed.absent == {PREVIOUS_MONTH: ("上月DOU",)}
    assert parsed.rows[0].prev_mou is not None and parsed.rows[0].prev_dou_mb is None
    set_cell(header, body[1], "上月MOU", "很多")
    assert problems_of(as_text(header, body)) == ["第 3 行：上月MOU「很多」不是数字"]
