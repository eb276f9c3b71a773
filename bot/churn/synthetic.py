"""Synthetic operator exports in the import format, for demos, tests and benchmarks.

No real customer data ever enters the repository, yet the model, the importer and the explanations need data
with a known truth. Each customer's churn is drawn from a logistic model whose terms are listed in
`CHURN_TERMS` (and docs/CHURN.md): the five warning signals of the training material raise the risk, with
thresholds and one interaction (协议到期 × 竞争对手营销) that a linear model cannot represent exactly — which is
what lets the tests check that the boosted model earns its keep over the logistic-regression baseline.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from bot.churn.features import next_month
from bot.churn.source_format import ALL_COLUMNS

MAX_ROWS = 1_000_000
WRITE_SLICE_ROWS = 50_000
PHONE_PREFIXES = ("133", "149", "153", "173", "177", "180", "181", "189", "190", "191", "193", "199")
# A multiplier coprime with 10**8 makes the 8-digit suffix a bijection of the row index: numbers are unique
# within a file and across files generated with non-overlapping --offset ranges, whatever the seed.
PHONE_STRIDE = 7919
PLANS_BY_BRAND: dict[str, tuple[tuple[str, int], ...]] = {
    "天翼": tuple((f"天翼畅享{fee}元套餐", fee) for fee in (59, 79, 99, 129, 169, 199, 239)),
    "星卡": (("星卡19元套餐", 19), ("星卡29元套餐", 29)),
    "青春卡": (("青春卡39元套餐", 39), ("青春卡59元套餐", 59)),
    "政企": (("政企商务129元套餐", 129), ("政企商务199元套餐", 199)),
}
BRAND_SHARES = {"天翼": 0.55, "星卡": 0.2, "青春卡": 0.15, "政企": 0.1}
STATUS_SHARES = {"正常": 0.92, "欠费停机": 0.04, "主动停机": 0.025, "预销户": 0.015}
DEVICES_BY_NETWORK: dict[str, tuple[str, ...]] = {
    "5G": ("华为Mate60 Pro", "iPhone 15", "iPhone 14", "小米14", "OPPO Reno11", "vivo X100", "荣耀Magic6", "华为nova12"),
    "4G": ("iPhone 11", "华为畅享20", "红米Note 9", "OPPO A57", "vivo Y52s", "荣耀Play5"),
    "3G": ("华为C8815", "中兴N880"),
    "2G": ("诺基亚105", "天翼老人机"),
}
NETWORK_SHARES = {"5G": 0.45, "4G": 0.45, "3G": 0.07, "2G": 0.03}
BANDWIDTHS = (100, 200, 300, 500, 1000)
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何林罗高"
CITIES = ("广州", "深圳", "佛山", "东莞", "珠海", "汕头", "惠州", "中山", "江门", "湛江")

# The churn mechanism: log-odds = INTERCEPT + Σ weight × term. Documented in docs/CHURN.md.
INTERCEPT = -3.3
CHURN_TERMS: tuple[tuple[str, float, str], ...] = (
    ("contract_expiring", 1.4, "协议在账期后30天内到期"),
    ("contract_recently_expired", 0.8, "协议已到期不超过90天"),
    ("no_contract", 0.3, "未签协议"),
    ("expiring_and_courted", 1.2, "协议30天内到期且本月有竞争对手营销（交互项）"),
    ("mou_drop_half", 1.6, "本月MOU比上月下降50%以上（阈值）"),
    ("dou_drop_half", 0.6, "本月DOU比上月下降50%以上（阈值）"),
    ("competitor_marketing", 0.5, "竞争对手营销次数，最多计3次"),
    ("zero_calls_week", 1.0, "零通话天数 ≥ 7"),
    ("competitor_hotline", 0.9, "拨打竞争对手客服电话次数，最多计2次"),
    ("suspended", 0.6, "本月有停机"),
    ("new_customer", 0.8, "网龄不足6个月"),
    ("loyal_customer", -0.5, "网龄超过60个月"),
    ("old_device", 0.4, "终端使用超过24个月"),
    ("broadband", -0.6, "宽带用户（融合业务）"),
    ("migu_video", -0.2, "订购咪咕视频"),
    ("migu_read", -0.1, "订购咪咕阅读"),
    ("credit_above_4", -0.12, "信用等级每高于4星一级（低于则为正）"),
    ("bill_shock", 0.5, "当月ARPU超过套餐月费30%以上"),
    ("pending_cancellation", 2.0, "号码状态为预销户"),
    ("arrears_suspended", 0.8, "号码状态为欠费停机"),
    ("youth_brand", 0.3, "品牌为青春卡"),
)


@dataclass(frozen=True)
class GeneratorOptions:
    rows: int
    seed: int = 20240601
    month: date = date(2024, 5, 1)  # 账期
    offset: int = 0  # index of the first row: files with disjoint [offset, offset+rows) share no number
    labelled: bool = True  # False leaves 是否流失 empty, as in an export of customers still to score

    def __post_init__(self) -> None:
        if not 1 <= self.rows <= MAX_ROWS:
            raise ValueError(f"行数应在 1 到 {MAX_ROWS:,} 之间")
        if self.offset < 0 or self.offset + self.rows > 10**8:
            raise ValueError("offset + rows 应小于 100,000,000（8位号码空间）")


def _shares(rng: np.random.Generator, shares: dict[str, float], size: int) -> np.ndarray:
    return rng.choice(np.array(list(shares)), size=size, p=np.array(list(shares.values())))


def _pick_within_groups(
    rng: np.random.Generator, groups: np.ndarray, options: dict[str, tuple[str, ...]]
) -> np.ndarray:
    """For each row, a uniformly drawn member of options[its group]."""
    picked = np.empty(groups.size, dtype=object)
    for group, members in options.items():
        mask = groups == group
        picked[mask] = np.array(members, dtype=object)[rng.integers(0, len(members), mask.sum())]
    return picked


def churn_terms(columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Each term of CHURN_TERMS as a float array, from generated columns."""
    days = columns["contract_days"]
    has_contract = columns["has_contract"]
    expiring = has_contract & (days >= 0) & (days <= 30)
    mou_ratio = columns["mou"] / np.maximum(columns["prev_mou"], 1)
    dou_ratio = columns["dou_mb"] / np.maximum(columns["prev_dou_mb"], 1)
    terms = {
        "contract_expiring": expiring,
        "contract_recently_expired": has_contract & (days < 0) & (days >= -90),
        "no_contract": ~has_contract,
        "expiring_and_courted": expiring & (columns["competitor_marketing_contacts"] > 0),
        "mou_drop_half": (columns["prev_mou"] > 0) & (mou_ratio <= 0.5),
        "dou_drop_half": (columns["prev_dou_mb"] > 0) & (dou_ratio <= 0.5),
        "competitor_marketing": np.minimum(columns["competitor_marketing_contacts"], 3),
        "zero_calls_week": columns["zero_call_days"] >= 7,
        "competitor_hotline": np.minimum(columns["competitor_hotline_calls"], 2),
        "suspended": columns["suspend_days"] > 0,
        "new_customer": columns["tenure_months"] < 6,
        "loyal_customer": columns["tenure_months"] > 60,
        "old_device": columns["device_months"] > 24,
        "broadband": columns["has_broadband"],
        "migu_video": columns["migu_video"],
        "migu_read": columns["migu_read"],
        "credit_above_4": columns["credit_level"] - 4,
        "bill_shock": columns["arpu"] > 1.3 * columns["plan_fee"],
        "pending_cancellation": columns["status"] == "预销户",
        "arrears_suspended": columns["status"] == "欠费停机",
        "youth_brand": columns["brand"] == "青春卡",
    }
    return {name: np.asarray(value, dtype=float) for name, value in terms.items()}


def churn_probability(columns: dict[str, np.ndarray]) -> np.ndarray:
    terms = churn_terms(columns)
    logit = INTERCEPT + sum(weight * terms[name] for name, weight, _ in CHURN_TERMS)
    return 1.0 / (1.0 + np.exp(-logit))


def generate_columns(options: GeneratorOptions) -> dict[str, np.ndarray]:
    """Every field of the export as an array, plus the truth (`churn_probability`, `churned`)."""
    rng = np.random.default_rng(options.seed)
    n = options.rows
    c: dict[str, np.ndarray] = {}
    index = np.arange(options.offset, options.offset + n, dtype=np.int64)
    suffixes = (index * PHONE_STRIDE + 12345) % 10**8
    prefixes = np.array(PHONE_PREFIXES)[rng.integers(0, len(PHONE_PREFIXES), n)]
    c["phone"] = np.char.add(prefixes, np.char.zfill(suffixes.astype(str), 8))
    c["status"] = _shares(rng, STATUS_SHARES, n)
    c["brand"] = _shares(rng, BRAND_SHARES, n)
    plan_names = {brand: tuple(name for name, _ in plans) for brand, plans in PLANS_BY_BRAND.items()}
    fees = {name: fee for plans in PLANS_BY_BRAND.values() for name, fee in plans}
    c["plan_name"] = _pick_within_groups(rng, c["brand"], plan_names).astype(str)
    c["plan_fee"] = np.array([fees[name] for name in c["plan_name"]], dtype=float)
    c["credit_level"] = rng.choice(np.arange(1, 8), size=n, p=[0.05, 0.1, 0.2, 0.25, 0.2, 0.12, 0.08])
    c["tenure_months"] = np.minimum(np.round(rng.exponential(40, n)).astype(int) + 1, 360)
    c["network_type"] = _shares(rng, NETWORK_SHARES, n)
    c["device_model"] = _pick_within_groups(rng, c["network_type"], DEVICES_BY_NETWORK).astype(str)
    c["device_months"] = np.minimum(np.round(rng.gamma(2.0, 10.0, n)).astype(int), 96)
    c["has_broadband"] = rng.random(n) < np.where(c["brand"] == "政企", 0.6, 0.38)
    c["bandwidth_mbps"] = np.where(c["has_broadband"], rng.choice(BANDWIDTHS, n), 0)
    c["migu_video"] = rng.random(n) < 0.25
    c["migu_read"] = rng.random(n) < 0.15

    c["has_contract"] = rng.random(n) < 0.55
    c["contract_days"] = rng.integers(-120, 731, n)  # days from the day after the 账期 to the contract's end
    expiring = c["has_contract"] & (c["contract_days"] >= 0) & (c["contract_days"] <= 30)

    usage_drop = rng.random(n) < 0.14
    c["prev_mou"] = np.minimum(np.round(rng.lognormal(np.log(300), 0.7, n)), 44640).astype(int)
    mou_factor = np.where(usage_drop, rng.uniform(0.1, 0.7, n), rng.lognormal(0.0, 0.15, n))
    c["mou"] = np.minimum(np.round(c["prev_mou"] * mou_factor), 44640).astype(int)
    c["prev_dou_mb"] = np.round(rng.lognormal(np.log(8000), 0.9, n)).astype(int)
    dou_drop = (usage_drop & (rng.random(n) < 0.7)) | (rng.random(n) < 0.04)
    dou_factor = np.where(dou_drop, rng.uniform(0.1, 0.7, n), rng.lognormal(0.0, 0.2, n))
    c["dou_mb"] = np.round(c["prev_dou_mb"] * dou_factor).astype(int)
    c["prev_arpu"] = np.round(c["plan_fee"] * rng.lognormal(0.05, 0.1, n), 2)
    bill_shock = rng.random(n) < 0.08
    arpu_factor = np.where(bill_shock, rng.uniform(1.35, 1.8, n), rng.lognormal(0.0, 0.06, n))
    c["arpu"] = np.round(c["plan_fee"] * arpu_factor * np.where(usage_drop, 0.9, 1.0), 2)

    arrears = c["status"] == "欠费停机"
    suspended = arrears | (rng.random(n) < 0.06)
    c["suspend_days"] = np.where(suspended, rng.integers(1, 21, n), 0)
    c["suspend_count"] = np.where(suspended, rng.integers(1, 4, n), 0)
    c["roaming_minutes"] = np.where(rng.random(n) < 0.2, np.round(rng.lognormal(np.log(60), 1.0, n)), 0)
    c["roaming_minutes"] = np.minimum(c["roaming_minutes"], 44640).astype(int)
    c["competitor_marketing_contacts"] = rng.poisson(0.25 + 0.9 * expiring)
    quiet = (rng.random(n) < 0.1) | (usage_drop & (rng.random(n) < 0.5))
    c["zero_call_days"] = np.where(quiet, rng.integers(3, 26, n), rng.integers(0, 3, n))
    c["competitor_hotline_calls"] = rng.poisson(0.05 + 0.35 * (c["competitor_marketing_contacts"] > 0))

    c["churn_probability"] = churn_probability(c)
    c["churned"] = rng.random(n) < c["churn_probability"]
    c["name"] = np.char.add(
        np.array(list(SURNAMES))[rng.integers(0, len(SURNAMES), n)],
        np.where(rng.random(n) < 0.5, "先生", "女士"),
    )
    c["city"] = np.array(CITIES)[rng.integers(0, len(CITIES), n)]
    return c


def _yes_no(values: np.ndarray) -> np.ndarray:
    return np.where(values, "是", "否")


def export_cells(columns: dict[str, np.ndarray], options: GeneratorOptions) -> dict[str, list[str]]:
    """The generated columns as the export's text cells, keyed by header."""
    n = columns["phone"].size
    reference = next_month(options.month)
    contract_end = np.datetime64(reference) + columns["contract_days"].astype("timedelta64[D]")
    cells: dict[str, np.ndarray] = {
        "账期": np.full(n, options.month.strftime("%Y%m")),
        "号码": columns["phone"],
        "号码状态": columns["status"],
        "品牌": columns["brand"],
        "套餐": columns["plan_name"],
        "信用等级": columns["credit_level"].astype(str),
        "网龄": columns["tenure_months"].astype(str),
        "当月ARPU": np.char.mod("%.2f", columns["arpu"]),
        "当月MOU": columns["mou"].astype(str),
        "当月停机天数": columns["suspend_days"].astype(str),
        "当月停机次数": columns["suspend_count"].astype(str),
        "当月DOU": columns["dou_mb"].astype(str),
        "终端制式": columns["network_type"],
        "终端机型": columns["device_model"],
        "终端使用时间(月)": columns["device_months"].astype(str),
        "当月省际漫游时长": columns["roaming_minutes"].astype(str),
        "是否流失": _yes_no(columns["churned"]) if options.labelled else np.full(n, ""),
        "是否宽带用户": _yes_no(columns["has_broadband"]),
        "带宽": np.where(columns["has_broadband"], columns["bandwidth_mbps"].astype(str), ""),
        "咪咕视频": _yes_no(columns["migu_video"]),
        "咪咕阅读": _yes_no(columns["migu_read"]),
        "协议到期日期": np.where(columns["has_contract"], contract_end.astype(str), ""),
        "上月ARPU": np.char.mod("%.2f", columns["prev_arpu"]),
        "上月MOU": columns["prev_mou"].astype(str),
        "上月DOU": columns["prev_dou_mb"].astype(str),
        "竞争对手营销次数": columns["competitor_marketing_contacts"].astype(str),
        "零通话天数": columns["zero_call_days"].astype(str),
        "拨打竞争对手客服电话次数": columns["competitor_hotline_calls"].astype(str),
        "套餐月费": np.char.mod("%.2f", columns["plan_fee"]),
        "客户姓名": columns["name"],
        "地市": columns["city"],
    }
    return {column.header: cells[column.header].tolist() for column in ALL_COLUMNS}


def write_export(path: Path, options: GeneratorOptions, encoding: str = "utf-8") -> dict[str, np.ndarray]:
    """Write the synthetic export to `path`; returns the generated columns (with the truth) for tests.

    Rows are formatted in slices: a million rows of text cells at once would take gigabytes.
    """
    columns = generate_columns(options)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([column.header for column in ALL_COLUMNS])
        for start in range(0, options.rows, WRITE_SLICE_ROWS):
            part = {name: values[start : start + WRITE_SLICE_ROWS] for name, values in columns.items()}
            writer.writerows(zip(*export_cells(part, options).values()))
    return columns
