"""The synthetic generator: the import format, unique numbers, and the documented churn mechanism."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from bot.churn.source_format import ALL_COLUMNS
from bot.churn.source_reader import read_source
from bot.churn.synthetic import (
    CHURN_TERMS,
    INTERCEPT,
    MAX_ROWS,
    GeneratorOptions,
    churn_terms,
    generate_columns,
    write_export,
)
from bot.cli.main import main


@pytest.fixture(scope="module")
def population() -> dict[str, np.ndarray]:
    return generate_columns(GeneratorOptions(rows=40_000, seed=17))


def test_the_file_has_every_column_of_the_import_format_and_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "synthetic.csv"
    write_export(path, GeneratorOptions(rows=200, seed=1))
    header = next(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert header == [column.header for column in ALL_COLUMNS]
    assert len(read_source(path).rows) == 200


def test_the_same_seed_gives_the_same_file_and_another_seed_another(tmp_path: Path) -> None:
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        write_export(tmp_path / f"{name}.csv", GeneratorOptions(rows=100, seed=seed))
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert (tmp_path / "a.csv").read_bytes() != (tmp_path / "c.csv").read_bytes()


def test_numbers_are_unique_within_and_across_disjoint_ranges() -> None:
    first = generate_columns(GeneratorOptions(rows=50_000, seed=1))["phone"]
    second = generate_columns(GeneratorOptions(rows=20_000, seed=2, offset=50_000))["phone"]
    assert len(set(first)) == first.size
    assert not set(first) & set(second)
    assert all(len(phone) == 11 and phone.isdigit() and phone[0] == "1" for phone in first[:1000])


@pytest.mark.parametrize("rows, offset", [(0, 0), (MAX_ROWS + 1, 0), (10, 10**8 - 5), (10, -1)])
def test_out_of_range_sizes_are_refused(rows: int, offset: int) -> None:
    with pytest.raises(ValueError):
        GeneratorOptions(rows=rows, offset=offset)


def test_the_probability_is_the_documented_logistic_model(population: dict[str, np.ndarray]) -> None:
    terms = churn_terms(population)
    assert set(terms) == {name for name, _, _ in CHURN_TERMS}
    logit = INTERCEPT + sum(weight * terms[name] for name, weight, _ in CHURN_TERMS)
    assert np.allclose(population["churn_probability"], 1 / (1 + np.exp(-logit)))
    assert 0.08 < population["churned"].mean() < 0.16


@pytest.mark.parametrize(
    "signal",
    [
        lambda c: c["has_contract"] & (c["contract_days"] >= 0) & (c["contract_days"] <= 30),  # 协议到期
        lambda c: c["mou"] <= 0.5 * c["prev_mou"],  # 业务量突降
        lambda c: c["competitor_marketing_contacts"] > 0,  # 竞争对手营销
        lambda c: c["zero_call_days"] >= 7,  # 多日零通话
        lambda c: c["competitor_hotline_calls"] > 0,  # 拨打竞争对手客服电话
    ],
    ids=["contract_expiring", "usage_drop", "competitor_marketing", "zero_calls", "competitor_hotline"],
)
def test_each_warning_signal_raises_the_observed_churn_rate(
    population: dict[str, np.ndarray], signal: Callable[[dict[str, np.ndarray]], np.ndarray]
) -> None:
    present = signal(population)
    assert 200 < present.sum() < present.size - 200
    assert population["churned"][present].mean() > 1.5 * population["churned"][~present].mean()


def test_an_unlabelled_export_leaves_the_label_empty(tmp_path: Path) -> None:
    path = tmp_path / "to_score.csv"
    write_export(path, GeneratorOptions(rows=50, seed=1, labelled=False))
    assert {row.churned for row in read_source(path).rows} == {None}


def test_the_cli_writes_a_gbk_file_and_refuses_bad_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "demo.csv"
    assert main(["churn", "generate", str(path), "--rows", "300", "--encoding", "gbk", "--month", "2024-11"]) == 0
    assert read_source(path).encoding == "gbk"
    assert "已生成 300 个客户" in capsys.readouterr().out
    assert main(["churn", "generate", str(path), "--rows", str(MAX_ROWS + 1)]) == 1
    assert main(["churn", "generate", str(path), "--month", "2024-13"]) == 1
    err = capsys.readouterr().err
    assert "行数应在 1 到 1,000,000 之间" in err and "不是有效的账期" in err
