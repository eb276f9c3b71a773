"""`churn import` on SQLite and PostgreSQL: upserts by 号码, all or nothing, and bad files change nothing."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.churn.errors import ChurnError
from bot.churn.importer import import_file
from bot.churn.source_format import OPTIONAL_COLUMNS, OPTIONAL_GROUPS
from bot.churn.source_reader import SourceFileError
from bot.churn.synthetic import GeneratorOptions, write_export
from bot.cli.main import main
from bot.db.models import Customer, MonthlyUsage
from bot.db.session import session_scope


def read_table(path: Path) -> tuple[list[str], list[list[str]]]:
    header, *body = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    return header, body


def write_table(path: Path, header: list[str], body: list[list[str]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows([header, *body])
    return path


def counts(url: str) -> tuple[int, int]:
    with session_scope(url) as session:
        return (
            session.execute(select(func.count()).select_from(Customer)).scalar_one(),
            session.execute(select(func.count()).select_from(MonthlyUsage)).scalar_one(),
        )


def customer(url: str, phone: str) -> Customer:
    with session_scope(url) as session:
        found = session.execute(select(Customer).where(Customer.phone == phone)).scalar_one()
        found.usage  # noqa: B018 - loaded while the session is open
        return found


@pytest.fixture
def export(tmp_path: Path) -> Path:
    path = tmp_path / "export.csv"
    write_export(path, GeneratorOptions(rows=60, seed=11))
    return path


def test_an_export_is_stored_as_customers_and_two_months(migrated_url: str, export: Path) -> None:
    result = import_file(export, migrated_url)
    assert (result.rows, result.new_customers, result.updated_customers) == (60, 60, 0)
    assert result.months == (date(2024, 5, 1),)
    assert counts(migrated_url) == (60, 120)
    header, body = read_table(export)
    row = dict(zip(header, body[0]))
    stored = customer(migrated_url, row["号码"])
    assert stored.plan_name == row["套餐"]
    assert stored.plan_fee == Decimal(row["套餐月费"])
    assert stored.name == row["客户姓名"]
    assert stored.churned == (row["是否流失"] == "是")
    assert stored.contract_end_date == (date.fromisoformat(row["协议到期日期"]) if row["协议到期日期"] else None)
    assert stored.contract_known is True
    previous, current = stored.usage
    assert (previous.month, current.month) == (date(2024, 4, 1), date(2024, 5, 1))
    assert current.arpu == Decimal(row["当月ARPU"]) and previous.arpu == Decimal(row["上月ARPU"])
    assert (current.mou, previous.mou) == (int(row["当月MOU"]), int(row["上月MOU"]))
    assert current.competitor_hotline_calls == int(row["拨打竞争对手客服电话次数"])
    # last month's counts are not in the export: signal counts unknown, 停机 0 (it cannot be unknown)
    assert (previous.competitor_hotline_calls, previous.zero_call_days, previous.suspend_days) == (None, None, 0)


OPTIONAL_HEADERS = [column.header for column in OPTIONAL_COLUMNS]


def drop_columns(path: Path, *columns: str) -> Path:
    header, body = read_table(path)
    kept = [i for i, name in enumerate(header) if name not in columns]
    return write_table(path, [header[i] for i in kept], [[row[i] for i in kept] for row in body])


def test_an_export_with_only_the_source_columns_stores_the_given_month_and_unknowns(
    migrated_url: str, export: Path
) -> None:
    header, body = read_table(export)
    row = dict(zip(header, body[0]))
    body[1][header.index("套餐")] = "畅享不限量套餐"  # no 「N元」: the fee is unknown
    write_table(export, header, body)
    result = import_file(drop_columns(export, *OPTIONAL_HEADERS), migrated_url, month=date(2023, 12, 1))
    assert result.months == (date(2023, 12, 1),)
    assert list(result.absent) == list(OPTIONAL_GROUPS)
    assert result.unknown_plan_fees == 1
    assert set(result.unknown_features) == {
        "mou_change",
        "dou_change",
        "arpu_change",
        "has_contract",
        "contract_days_left",
        "competitor_marketing_contacts",
        "zero_call_days",
        "competitor_hotline_calls",
        "plan_fee",
        "arpu_over_plan",
    }
    assert counts(migrated_url) == (60, 60)  # this month only: last month is not invented
    stored = customer(migrated_url, row["号码"])
    assert (stored.name, stored.city, stored.plan_fee) == ("尊敬的客户", "未知", Decimal(row["套餐月费"]))
    assert (stored.contract_known, stored.contract_end_date) == (False, None)
    (usage,) = stored.usage
    assert usage.mou == int(row["当月MOU"])
    assert (usage.competitor_marketing_contacts, usage.zero_call_days, usage.competitor_hotline_calls) == (None,) * 3
    assert customer(migrated_url, body[1][header.index("号码")]).plan_fee is None


def test_an_export_without_the_signals_keeps_what_is_stored_and_leaves_the_rest_unknown(
    migrated_url: str, export: Path
) -> None:
    """Absent columns never overwrite: the contract, this month's counts and the fee of an unchanged plan stay."""
    header, body = read_table(export)
    body[0][header.index("协议到期日期")] = "2024-08-31"
    body[1][header.index("套餐")] = "畅享不限量套餐"
    body[1][header.index("套餐月费")] = "88"
    body[0][header.index("零通话天数")] = "12"
    import_file(write_table(export, header, body), migrated_url)
    first, second = (body[i][header.index("号码")] for i in (0, 1))
    body[0][header.index("套餐")] = "畅享融合套餐"  # a new plan without 「N元」: its fee is not the old one
    body[2][header.index("号码")] = "19900000001"  # a new customer: nothing stored, so unknown
    signals = ("协议到期日期", "竞争对手营销次数", "零通话天数", "拨打竞争对手客服电话次数", "套餐月费")
    import_file(drop_columns(write_table(export, header, body), *signals), migrated_url)
    kept = customer(migrated_url, first)
    assert (kept.contract_known, kept.contract_end_date) == (True, date(2024, 8, 31))
    assert kept.usage[-1].zero_call_days == 12 and kept.plan_fee is None
    assert customer(migrated_url, second).plan_fee == Decimal("88.00")
    new = customer(migrated_url, "19900000001")
    assert (new.contract_known, new.usage[-1].zero_call_days) == (False, None)

    import_file(drop_columns(export, "账期"), migrated_url, month=date(2024, 6, 1))
    june = customer(migrated_url, first).usage[-1]
    assert june.month == date(2024, 6, 1) and june.zero_call_days is None  # a new month: nothing stored


def test_the_cli_says_which_optional_columns_were_absent_and_what_is_unknown(
    migrated_url: str, export: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", migrated_url)
    drop_columns(export, "账期", "上月DOU", "地市")
    assert main(["churn", "import", str(export), "--month", "2024-02"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "已导入 60 行（新增客户 60，更新客户 0），账期 2024-02，编码 UTF-8",
        "缺少可选列 账期：账期取自 --month（默认为导入的当月）",
        "缺少可选列 上月DOU：不记录上月数据（三列齐全才记录；已导入过上月数据的客户不受影响）",
        "缺少可选列 地市：新客户地市为「未知」",
        "因此未知的特征（模型按缺失值处理）：mou_change、dou_change、arpu_change",
    ]
    assert counts(migrated_url) == (60, 60)
    assert main(["churn", "import", str(export), "--month", "2024-13"]) == 1
    assert "错误：--month 「2024-13」不是有效的账期" in capsys.readouterr().err


def test_importing_the_same_file_twice_does_not_duplicate(migrated_url: str, export: Path) -> None:
    import_file(export, migrated_url)
    again = import_file(export, migrated_url)
    assert (again.new_customers, again.updated_customers) == (0, 60)
    assert counts(migrated_url) == (60, 120)


def test_a_new_export_updates_customers_and_keeps_what_it_does_not_carry(migrated_url: str, export: Path) -> None:
    import_file(export, migrated_url)
    header, body = read_table(export)
    phone = body[0][header.index("号码")]
    before = customer(migrated_url, phone)
    body[0][header.index("套餐")] = "天翼畅享239元套餐"
    body[0][header.index("当月MOU")] = "7"
    body[0][header.index("是否流失")] = ""  # unknown in this export: the known label stays
    dropped = [header.index("客户姓名"), header.index("地市")]
    keep = [i for i in range(len(header)) if i not in dropped]
    write_table(export, [header[i] for i in keep], [[row[i] for i in keep] for row in body])
    import_file(export, migrated_url)
    after = customer(migrated_url, phone)
    assert after.plan_name == "天翼畅享239元套餐"
    assert after.usage[-1].mou == 7
    assert (after.churned, after.name, after.city) == (before.churned, before.name, before.city)
    assert after.updated_at > before.updated_at and after.created_at == before.created_at
    assert counts(migrated_url) == (60, 120)


def test_last_months_columns_never_overwrite_that_months_own_export(migrated_url: str, tmp_path: Path) -> None:
    april = tmp_path / "april.csv"
    write_export(april, GeneratorOptions(rows=5, seed=2, month=date(2024, 4, 1)))
    import_file(april, migrated_url)
    header, body = read_table(april)
    phone = body[0][header.index("号码")]
    april_stored = customer(migrated_url, phone).usage[-1]
    for row in body:
        row[header.index("账期")] = "202405"
        row[header.index("上月MOU")] = "1"
    import_file(write_table(tmp_path / "may.csv", header, body), migrated_url)
    months = customer(migrated_url, phone).usage
    assert [usage.month for usage in months] == [date(2024, 3, 1), date(2024, 4, 1), date(2024, 5, 1)]
    assert months[1].mou == april_stored.mou != 1
    assert months[1].zero_call_days == april_stored.zero_call_days


def test_a_gbk_export_imports_like_the_utf8_one(migrated_url: str, tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    write_export(path, GeneratorOptions(rows=10, seed=4), encoding="gbk")
    assert import_file(path, migrated_url).encoding == "GBK"
    header, *body = list(csv.reader(io.StringIO(path.read_text(encoding="gbk"))))
    for row in body:
        stored = customer(migrated_url, row[header.index("号码")])
        assert (stored.device_model, stored.name) == (row[header.index("终端机型")], row[header.index("客户姓名")])


def _wrong_encoding(path: Path) -> None:
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16"))


def _missing_column(path: Path) -> None:
    header, body = read_table(path)
    index = header.index("当月ARPU")
    write_table(path, header[:index] + header[index + 1 :], [row[:index] + row[index + 1 :] for row in body])


def _non_numeric_arpu(path: Path) -> None:
    header, body = read_table(path)
    body[-1][header.index("当月ARPU")] = "n/a"
    write_table(path, header, body)


def _duplicate_number(path: Path) -> None:
    header, body = read_table(path)
    body[-1][header.index("号码")] = body[0][header.index("号码")]
    write_table(path, header, body)


def _empty(path: Path) -> None:
    path.write_bytes(b"")


BAD_FILES = {
    "wrong encoding": (_wrong_encoding, "UTF-16"),
    "missing column": (_missing_column, "缺少必需的列：当月ARPU"),
    "non-numeric ARPU": (_non_numeric_arpu, "1 行数据有错误"),
    "duplicate number": (_duplicate_number, "1 行数据有错误"),
    "empty file": (_empty, "文件为空"),
}


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_a_bad_file_is_refused_and_changes_nothing(migrated_url: str, tmp_path: Path, kind: str) -> None:
    good = tmp_path / "good.csv"
    write_export(good, GeneratorOptions(rows=20, seed=1))
    import_file(good, migrated_url)
    phone = read_table(good)[1][0][0]
    before = customer(migrated_url, phone)
    # The same customers with new values, and new customers, with one defect somewhere
    bad = tmp_path / "bad.csv"
    write_export(bad, GeneratorOptions(rows=40, seed=2))
    header, body = read_table(bad)
    for index, row in enumerate(read_table(good)[1]):
        body[index][header.index("号码")] = row[0]
    write_table(bad, header, body)
    corrupt, message = BAD_FILES[kind]
    corrupt(bad)
    with pytest.raises(SourceFileError) as caught:
        import_file(bad, migrated_url)
    assert message in caught.value.message
    assert counts(migrated_url) == (20, 40)
    after = customer(migrated_url, phone)
    assert (after.plan_name, after.updated_at, after.usage[-1].mou) == (
        before.plan_name,
        before.updated_at,
        before.usage[-1].mou,
    )


def test_a_failure_half_way_rolls_the_whole_import_back(
    migrated_url: str, export: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """All or nothing also when something fails after the customers were written (here: the usage step)."""
    import bot.churn.importer as importer

    def fail(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(importer, "_store_usage", fail)
    with pytest.raises(RuntimeError):
        import_file(export, migrated_url)
    assert counts(migrated_url) == (0, 0)


def test_an_unmigrated_database_is_a_clear_error(tmp_path: Path, export: Path) -> None:
    with pytest.raises(ChurnError, match="数据库尚未初始化"):
        import_file(export, f"sqlite:///{tmp_path / 'never-migrated.db'}")


def test_the_cli_lists_every_bad_row_and_exits_1(
    migrated_url: str, export: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", migrated_url)
    header, body = read_table(export)
    body[2][header.index("当月ARPU")] = "abc"
    body[9][header.index("零通话天数")] = "3.5"
    write_table(export, header, body)
    assert main(["churn", "import", str(export)]) == 1
    err = capsys.readouterr().err
    assert "第 4 行：当月ARPU「abc」不是数字" in err
    assert "第 11 行：零通话天数「3.5」应为整数" in err
    assert "错误：2 行数据有错误，未导入任何数据" in err
    assert "Traceback" not in err
    assert counts(migrated_url) == (0, 0)


def test_the_cli_reports_what_it_imported(
    migrated_url: str, export: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", migrated_url)
    assert main(["churn", "import", str(export)]) == 0
    assert main(["churn", "import", str(export)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "已导入 60 行（新增客户 60，更新客户 0），账期 2024-05，编码 UTF-8",
        "已导入 60 行（新增客户 0，更新客户 60），账期 2024-05，编码 UTF-8",
    ]
