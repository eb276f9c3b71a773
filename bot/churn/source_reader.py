"""Reading an operator export: encoding, header check and validation of every row before anything is stored.

Validation is complete rather than fail-fast, because the person fixing the export wants the whole list of bad
rows at once; the importer only runs when this returns without problems.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from bot.churn.errors import ChurnError
from bot.churn.source_format import (
    ALL_COLUMNS,
    BILLING_MONTH,
    CONTRACT,
    DEFAULT_CITY,
    DEFAULT_NAME,
    OPTIONAL_COLUMNS,
    OPTIONAL_GROUPS,
    PLAN_FEE,
    REQUIRED_COLUMNS,
    CellError,
    Column,
    OptionalColumns,
    normalise_header,
    plan_fee_from_name,
)

ENCODINGS = ("utf-8-sig", "gbk")


@dataclass(frozen=True)
class RowProblem:
    line: int  # physical line in the file, the header being line 1
    reason: str

    def __str__(self) -> str:
        return f"第 {self.line} 行：{self.reason}"


class SourceFileError(ChurnError):
    """The file cannot be imported; `problems` lists every bad row when the rows are the reason."""

    def __init__(self, message: str, problems: list[RowProblem] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


@dataclass(slots=True)
class SourceRow:
    """One validated customer line of an export."""

    line: int
    month: date
    phone: str
    status: str
    brand: str
    plan_name: str
    plan_fee: Decimal | None  # None: no 套餐月费 column and no 「N元」 in the plan name
    credit_level: int
    tenure_months: int
    arpu: Decimal
    mou: int
    suspend_days: int
    suspend_count: int
    dou_mb: int
    network_type: str
    device_model: str
    device_months: int
    roaming_minutes: int
    churned: bool | None
    has_broadband: bool
    bandwidth_mbps: int | None
    migu_video: bool
    migu_read: bool
    contract_end_date: date | None  # None: no contract, when contract_known
    contract_known: bool  # False: the file has no 协议到期日期 column
    prev_arpu: Decimal | None  # None: the file has no such column
    prev_mou: int | None
    prev_dou_mb: int | None
    competitor_marketing_contacts: int | None  # None: the file has no such column
    zero_call_days: int | None
    competitor_hotline_calls: int | None
    name: str
    city: str


@dataclass(frozen=True)
class ParsedSource:
    rows: list[SourceRow]
    # Optional columns the file carries: only those overwrite what the database already knows.
    optional_fields: frozenset[str]
    absent: dict[OptionalColumns, tuple[str, ...]]  # optional groups the file lacks → their missing headers
    unknown_plan_fees: int  # rows left without a plan fee (no 套餐月费 column, no 「N元」 in the plan name)

    @property
    def unknown_features(self) -> tuple[str, ...]:
        """The model features the file leaves unknown for some or all rows (missing values, never an error)."""
        return tuple(
            feature
            for group in self.absent
            if group is not PLAN_FEE or self.unknown_plan_fees
            for feature in group.unknown_features
        )


@dataclass(frozen=True)
class SourceFile(ParsedSource):
    path: Path
    encoding: str


def decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding it was in: UTF-8 (with or without BOM), else GBK, else a clear error."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in data[:4096]:
        raise SourceFileError("文件是 UTF-16 编码或二进制文件；请另存为 UTF-8 或 GBK 编码的 CSV")
    failures = []
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            failures.append(f"{encoding.upper().removesuffix('-SIG')} 在第 {line} 行无法解码")
    raise SourceFileError(f"文件编码无法识别（{'；'.join(failures)}）；请另存为 UTF-8 或 GBK 编码的 CSV")


def _column_positions(header: list[str]) -> dict[Column, int]:
    names = [normalise_header(cell) for cell in header]
    duplicated = sorted({name for name in names if name and names.count(name) > 1})
    if duplicated:
        raise SourceFileError(f"表头有重复的列：{'、'.join(duplicated)}")
    missing = [column.header for column in REQUIRED_COLUMNS if column.header not in names]
    if missing:
        raise SourceFileError(f"缺少必需的列：{'、'.join(missing)}")
    return {column: names.index(column.header) for column in ALL_COLUMNS if column.header in names}


UNSET_OPTIONAL_FIELDS: dict[str, object] = {column.field: None for column in OPTIONAL_COLUMNS}


def _parse_row(
    cells: list[str], positions: dict[Column, int], line: int, defaults: dict[str, object]
) -> SourceRow | list[str]:
    """The row, or the reasons it is bad (all of them, one per column); `defaults` for the absent columns."""
    values: dict[str, object] = {**defaults, "line": line}
    reasons = []
    for column, position in positions.items():
        try:
            values[column.field] = column.parse(cells[position].strip())
        except CellError as exc:
            reasons.append(f"{column.header}{exc}")
    if reasons:
        return reasons
    if values["plan_fee"] is None:
        values["plan_fee"] = plan_fee_from_name(str(values["plan_name"]))
        # Without the column the fee is unknown; a file that has it must give it (a cell left empty by mistake).
        if values["plan_fee"] is None and PLAN_FEE.columns[0] in positions:
            reasons.append("套餐月费为空，套餐名称中也没有「N元」")
    if values["has_broadband"] and values["bandwidth_mbps"] is None:
        reasons.append("宽带用户的带宽不能为空")
    if not values["has_broadband"] and values["bandwidth_mbps"] is not None:
        reasons.append(f"非宽带用户不应有带宽（{values['bandwidth_mbps']}M）")
    if reasons:
        return reasons
    values["name"] = values["name"] or DEFAULT_NAME
    values["city"] = values["city"] or DEFAULT_CITY
    return SourceRow(**values)  # type: ignore[arg-type]


def parse_source(text: str, month: date | None = None) -> ParsedSource:
    """Validated rows and which optional columns are present; SourceFileError listing every bad row otherwise.

    `month` is the 账期 of a file without that column (default: the current month); a file that has the column
    must not also be given one, since one of the two would silently lose.
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None or not any(cell.strip() for cell in header):
        raise SourceFileError("文件为空：没有表头，也没有数据")
    positions = _column_positions(header)
    optional_fields = frozenset(column.field for column in positions if column not in REQUIRED_COLUMNS)
    missing = {group: tuple(c.header for c in group.columns if c not in positions) for group in OPTIONAL_GROUPS}
    absent = {group: headers for group, headers in missing.items() if headers}
    if month is not None and BILLING_MONTH not in absent:
        raise SourceFileError("文件已有「账期」列：--month 只用于没有账期列的文件")
    defaults = {
        **UNSET_OPTIONAL_FIELDS,
        "month": month or date.today().replace(day=1),
        "contract_known": CONTRACT not in absent,
        "name": "",
        "city": "",
    }
    rows: list[SourceRow] = []
    problems: list[RowProblem] = []
    first_line_of_phone: dict[str, int] = {}
    width = len(header)
    line = reader.line_num
    for cells in reader:
        start, line = line + 1, reader.line_num
        if not any(cell.strip() for cell in cells):
            continue  # blank lines, often at the end of hand-edited files
        if len(cells) != width:
            problems.append(RowProblem(start, f"有 {len(cells)} 个字段，表头有 {width} 列"))
            continue
        parsed = _parse_row(cells, positions, start, defaults)
        if isinstance(parsed, list):
            problems.append(RowProblem(start, "；".join(parsed)))
            continue
        first = first_line_of_phone.setdefault(parsed.phone, start)
        if first != start:
            problems.append(RowProblem(start, f"号码 {parsed.phone} 与第 {first} 行重复"))
            continue
        rows.append(parsed)
    if problems:
        raise SourceFileError(f"{len(problems)} 行数据有错误，未导入任何数据", problems)
    if not rows:
        raise SourceFileError("文件只有表头，没有数据行")
    return ParsedSource(rows, optional_fields, absent, sum(row.plan_fee is None for row in rows))


def read_source(path: Path, month: date | None = None) -> SourceFile:
    """The validated file; `month` is the 账期 when the file has no such column (see parse_source)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceFileError(f"无法读取文件 {path}：{exc.strerror}") from None
    if not data.strip():
        raise SourceFileError("文件为空：没有表头，也没有数据")
    text, encoding = decode(data)
    parsed = parse_source(text, month)
    return SourceFile(**vars(parsed), path=path, encoding=encoding)
