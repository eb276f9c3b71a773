"""The operator export format: its Chinese column headers and how each cell becomes a typed value.

The 20 源数据 columns of the retention training material are kept verbatim and are the only required ones; the
warning signals (流失倾向) and what 业务量突降 needs (last month's volumes) are optional extra columns of the same
export. docs/CHURN.md is the reference for users; this module is the one place the headers are spelled, and the
one place that says what an absent optional column costs the model.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Callable

from bot.db.models.vocabulary import BRANDS, CUSTOMER_STATUSES, NETWORK_TYPES


class CellError(ValueError):
    """A cell that cannot become a valid value; the message is shown to the user after the column name."""


# --- cell parsers: each takes the stripped cell text and returns the typed value or raises CellError ---------

TRUE_WORDS = frozenset({"是", "1", "y", "yes", "true", "t", "有"})
FALSE_WORDS = frozenset({"否", "0", "n", "no", "false", "f", "无"})
CHINESE_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7}
# The largest values the database columns hold (SMALLINT counts, NUMERIC(10,2) money, minutes in 31 days):
# checking them here means a file that passed validation cannot fail half-way through the insert.
MAX_COUNT = 9999
MAX_MONTH_MINUTES = 31 * 24 * 60
MAX_MONEY = Decimal("99999999.99")
MAX_PLAN_FEE = Decimal("999999.99")
MAX_MEGABYTES = 2**31 - 1


def parse_phone(text: str) -> str:
    if not (len(text) == 11 and text.isascii() and text.isdigit() and text[0] == "1"):
        raise CellError(f"「{text}」不是11位手机号码")
    return text


def parse_month(text: str) -> date:
    """账期: 202405, 2024-05, 2024/05 or a date inside the month."""
    match = re.fullmatch(r"(\d{4})[-/.]?(\d{1,2})(?:[-/.]?\d{1,2})?", text)
    if match is None or not 1 <= int(match.group(2)) <= 12:
        raise CellError(f"「{text}」不是有效的账期（例如 202405 或 2024-05）")
    return date(int(match.group(1)), int(match.group(2)), 1)


def parse_date(text: str) -> date | None:
    if not text:
        return None
    match = re.fullmatch(r"(\d{4})[-/.]?(\d{1,2})[-/.]?(\d{1,2})", text)
    try:
        if match is None:
            raise ValueError
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        raise CellError(f"「{text}」不是有效日期（例如 2024-06-30）") from None


def parse_bool(text: str) -> bool:
    value = parse_optional_bool(text)
    if value is None:
        raise CellError("不能为空，应为 是 或 否")
    return value


def parse_optional_bool(text: str) -> bool | None:
    lowered = text.lower()
    if not lowered:
        return None
    if lowered in TRUE_WORDS:
        return True
    if lowered in FALSE_WORDS:
        return False
    raise CellError(f"「{text}」应为 是 或 否")


def _decimal(text: str) -> Decimal:
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise CellError(f"「{text}」不是数字") from None
    if not value.is_finite():
        raise CellError(f"「{text}」不是数字")
    return value


def money(maximum: Decimal) -> Callable[[str], Decimal]:
    def parse(text: str) -> Decimal:
        if not text:
            raise CellError("不能为空")
        value = _decimal(text)
        if value < 0 or value > maximum:
            raise CellError(f"「{text}」应在 0 到 {maximum} 之间")
        return value.quantize(Decimal("0.01"))

    return parse


def volume(maximum: int) -> Callable[[str], int]:
    """Minutes or megabytes: decimals are accepted and rounded, because exports often carry them."""

    def parse(text: str) -> int:
        if not text:
            raise CellError("不能为空")
        value = _decimal(text)
        if value < 0 or value > maximum:
            raise CellError(f"「{text}」应在 0 到 {maximum} 之间")
        return int(value.to_integral_value())

    return parse


def count(maximum: int) -> Callable[[str], int]:
    """Days, times, months: whole numbers only (「2.5次」 is a data error, not something to round)."""

    def parse(text: str) -> int:
        if not text:
            raise CellError("不能为空")
        value = _decimal(text)
        if value != value.to_integral_value():
            raise CellError(f"「{text}」应为整数")
        if value < 0 or value > maximum:
            raise CellError(f"「{text}」应在 0 到 {maximum} 之间")
        return int(value)

    return parse


def parse_credit_level(text: str) -> int:
    """信用等级 as 3, 3星, 三星 or 三星级 (星级 1-7)."""
    core = text.removesuffix("级").removesuffix("星")
    level = CHINESE_DIGITS.get(core) or (int(core) if core.isascii() and core.isdigit() else None)
    if level is None or not 1 <= level <= 7:
        raise CellError(f"「{text}」应为 1-7 星")
    return level


def parse_bandwidth(text: str) -> int | None:
    """带宽 in Mbps: 100, 100M, 100Mbps, 1G; empty or 0 for none."""
    if not text:
        return None
    match = re.fullmatch(r"(\d+)\s*(m|mb|mbps|g|gb|gbps)?", text.lower())
    if match is None:
        raise CellError(f"「{text}」不是有效带宽（例如 100 或 100M）")
    value = int(match.group(1)) * (1000 if (match.group(2) or "m").startswith("g") else 1)
    if value > 100_000:
        raise CellError(f"「{text}」超出合理带宽范围")
    return value or None


def one_of(values: tuple[str, ...], *, upper: bool = False) -> Callable[[str], str]:
    def parse(text: str) -> str:
        value = text.upper() if upper else text
        if value not in values:
            raise CellError(f"「{text}」不是 {'/'.join(values)} 之一")
        return value

    return parse


def text_of(maximum: int, *, required: bool = True) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if required and not text:
            raise CellError("不能为空")
        if len(text) > maximum:
            raise CellError(f"长度超过 {maximum} 个字符")
        return text

    return parse


def parse_plan_fee(text: str) -> Decimal | None:
    """An empty 套餐月费 is read from the plan name (「天翼畅享129元套餐」), like an absent column."""
    return money(MAX_PLAN_FEE)(text) if text else None


# --- the columns -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    header: str  # exactly as in the export (after NFKC normalisation, which maps （） to ())
    field: str  # the attribute on SourceRow
    parse: Callable[[str], object]


SOURCE_COLUMNS: tuple[Column, ...] = (
    Column("号码", "phone", parse_phone),
    Column("号码状态", "status", one_of(CUSTOMER_STATUSES)),
    Column("品牌", "brand", one_of(BRANDS)),
    Column("套餐", "plan_name", text_of(64)),
    Column("信用等级", "credit_level", parse_credit_level),
    Column("网龄", "tenure_months", count(1200)),
    Column("当月ARPU", "arpu", money(MAX_MONEY)),
    Column("当月MOU", "mou", volume(MAX_MONTH_MINUTES)),
    Column("当月停机天数", "suspend_days", count(31)),
    Column("当月停机次数", "suspend_count", count(MAX_COUNT)),
    Column("当月DOU", "dou_mb", volume(MAX_MEGABYTES)),
    Column("终端制式", "network_type", one_of(NETWORK_TYPES, upper=True)),
    Column("终端机型", "device_model", text_of(64)),
    Column("终端使用时间(月)", "device_months", count(600)),
    Column("当月省际漫游时长", "roaming_minutes", volume(MAX_MONTH_MINUTES)),
    Column("是否流失", "churned", parse_optional_bool),
    Column("是否宽带用户", "has_broadband", parse_bool),
    Column("带宽", "bandwidth_mbps", parse_bandwidth),
    Column("咪咕视频", "migu_video", parse_bool),
    Column("咪咕阅读", "migu_read", parse_bool),
)
"""The 源数据 columns of the training material, verbatim: the only required ones."""

REQUIRED_COLUMNS: tuple[Column, ...] = SOURCE_COLUMNS


@dataclass(frozen=True)
class OptionalColumns:
    """Columns an export may lack, used only together, and what their absence means for the import report."""

    columns: tuple[Column, ...]
    instead: str  # what the import does without them, as the report says it
    unknown_features: tuple[str, ...] = ()  # features.FEATURES the model then lacks (missing values, not errors)


BILLING_MONTH = OptionalColumns((Column("账期", "month", parse_month),), "账期取自 --month（默认为导入的当月）")
PREVIOUS_MONTH = OptionalColumns(
    (  # 业务量突降 compares these with 当月; they make one stored month, so all three or none are used
        Column("上月ARPU", "prev_arpu", money(MAX_MONEY)),
        Column("上月MOU", "prev_mou", volume(MAX_MONTH_MINUTES)),
        Column("上月DOU", "prev_dou_mb", volume(MAX_MEGABYTES)),
    ),
    "不记录上月数据（三列齐全才记录；已导入过上月数据的客户不受影响）",
    ("mou_change", "dou_change", "arpu_change"),
)
CONTRACT = OptionalColumns(
    (Column("协议到期日期", "contract_end_date", parse_date),),  # 协议到期; an empty cell = no contract
    "协议情况记为未知（已导入过协议到期日期的客户保留原值）",
    ("has_contract", "contract_days_left"),
)


def signal_count(header: str, field: str, maximum: int) -> OptionalColumns:
    """A warning-signal count of this month: absent, it is unknown (NULL), never 0 ("none this month")."""
    instead = f"本月{header}记为未知（已导入过该账期此列的客户保留原值）"
    return OptionalColumns((Column(header, field, count(maximum)),), instead, (field,))


SIGNAL_COUNTS: tuple[OptionalColumns, ...] = (
    signal_count("竞争对手营销次数", "competitor_marketing_contacts", MAX_COUNT),  # 竞争对手营销
    signal_count("零通话天数", "zero_call_days", 31),  # 多日零通话
    signal_count("拨打竞争对手客服电话次数", "competitor_hotline_calls", MAX_COUNT),
)
PLAN_FEE = OptionalColumns(  # its features are unknown only for the plans without 「N元」 (see ParsedSource)
    (Column("套餐月费", "plan_fee", parse_plan_fee),),
    "月费取自套餐名称中的「N元」，没有的记为未知（套餐未变的客户保留原值）",
    ("plan_fee", "arpu_over_plan"),
)
OPTIONAL_GROUPS: tuple[OptionalColumns, ...] = (
    BILLING_MONTH,
    PREVIOUS_MONTH,
    CONTRACT,
    *SIGNAL_COUNTS,
    PLAN_FEE,
    OptionalColumns((Column("客户姓名", "name", text_of(32, required=False)),), "新客户称呼为「尊敬的客户」"),
    OptionalColumns((Column("地市", "city", text_of(32, required=False)),), "新客户地市为「未知」"),
)
OPTIONAL_COLUMNS: tuple[Column, ...] = tuple(column for group in OPTIONAL_GROUPS for column in group.columns)
ALL_COLUMNS: tuple[Column, ...] = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

DEFAULT_NAME = "尊敬的客户"  # how the bot addresses a customer whose name the export does not carry
DEFAULT_CITY = "未知"
PLAN_FEE_IN_NAME = re.compile(r"(\d+(?:\.\d+)?)\s*元")


def normalise_header(header: str) -> str:
    """Full-width brackets and letters, stray spaces and a BOM must not make a column 'missing'."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", header)).lstrip("\ufeff")


def plan_fee_from_name(plan_name: str) -> Decimal | None:
    match = PLAN_FEE_IN_NAME.search(plan_name)
    return Decimal(match.group(1)).quantize(Decimal("0.01")) if match else None
