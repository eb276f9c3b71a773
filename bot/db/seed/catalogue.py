"""The tables the synthetic customer base is drawn from: plans, devices, names, cities, number ranges.

Plans carry what they include (minutes, data, broadband) because usage is generated relative to the allowance:
that is what makes MOU, DOU and ARPU of a customer hang together with the plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Plan:
    name: str
    brand: str
    fee: int  # 元/月
    minutes: int  # included domestic minutes
    data_mb: int  # included data
    broadband_mbps: int | None  # a 融合 plan bundles broadband of this speed
    weight: int  # share of the customer base


PLANS: tuple[Plan, ...] = (
    Plan("星卡19元版", "星卡", 19, 100, 5 * 1024, None, 6),
    Plan("青春卡29元套餐", "青春卡", 29, 100, 30 * 1024, None, 4),
    Plan("天翼畅享29元套餐", "天翼", 29, 100, 10 * 1024, None, 8),
    Plan("孝心卡39元套餐", "天翼", 39, 500, 2 * 1024, None, 4),
    Plan("天翼畅享59元套餐", "天翼", 59, 200, 20 * 1024, None, 12),
    Plan("5G畅享79元套餐", "天翼", 79, 300, 30 * 1024, None, 12),
    Plan("政企商务99元套餐", "政企", 99, 1000, 20 * 1024, None, 5),
    Plan("5G畅享129元融合套餐", "天翼", 129, 500, 60 * 1024, 300, 14),
    Plan("5G畅享169元融合套餐", "天翼", 169, 800, 80 * 1024, 500, 9),
    Plan("5G畅享199元套餐", "天翼", 199, 1000, 100 * 1024, None, 6),
    Plan("5G畅享299元融合套餐", "天翼", 299, 1500, 150 * 1024, 1000, 4),
    Plan("全家享399元融合套餐", "天翼", 399, 3000, 300 * 1024, 1000, 2),
)
SENIOR_PLAN = "孝心卡39元套餐"
YOUTH_PLAN = "青春卡29元套餐"

# Broadband bought on its own (not in a 融合 plan): speed -> monthly fee.
STANDALONE_BROADBAND_FEES: dict[int, int] = {100: 50, 200: 60, 300: 80}

# Tariffs beyond the allowance and value-added services, for ARPU.
EXTRA_MINUTE_FEE = 0.15  # 元/分钟
EXTRA_GB_FEE = 5  # 元/GB, charged per started GB
MIGU_VIDEO_FEE = 15  # 元/月
MIGU_READ_FEE = 10  # 元/月


@dataclass(frozen=True)
class Device:
    model: str
    network_type: str  # 终端制式
    released: date
    feature_phone: bool = False


DEVICES: tuple[Device, ...] = (
    # 5G
    Device("华为 Mate 70", "5G", date(2024, 11, 1)),
    Device("华为 Mate 60 Pro", "5G", date(2023, 9, 1)),
    Device("华为 nova 12", "5G", date(2023, 12, 1)),
    Device("华为 Mate 40", "5G", date(2020, 10, 1)),
    Device("华为 P40", "5G", date(2020, 3, 1)),
    Device("iPhone 16", "5G", date(2024, 9, 1)),
    Device("iPhone 15", "5G", date(2023, 9, 1)),
    Device("iPhone 14", "5G", date(2022, 9, 1)),
    Device("iPhone 13", "5G", date(2021, 9, 1)),
    Device("iPhone 12", "5G", date(2020, 10, 1)),
    Device("小米 15", "5G", date(2024, 10, 1)),
    Device("小米 14", "5G", date(2023, 10, 1)),
    Device("小米 10", "5G", date(2020, 2, 1)),
    Device("红米 K60", "5G", date(2022, 12, 1)),
    Device("OPPO Reno10", "5G", date(2023, 5, 1)),
    Device("OPPO A1", "5G", date(2023, 4, 1)),
    Device("vivo X100", "5G", date(2023, 11, 1)),
    Device("vivo Y78", "5G", date(2023, 6, 1)),
    Device("荣耀 90", "5G", date(2023, 5, 1)),
    Device("荣耀 X40", "5G", date(2022, 9, 1)),
    Device("一加 12", "5G", date(2023, 12, 1)),
    # 4G (Huawei flagships of 2021-2022 shipped without 5G)
    Device("华为 Mate 50", "4G", date(2022, 9, 1)),
    Device("华为 P50", "4G", date(2021, 7, 1)),
    Device("华为 nova 9", "4G", date(2021, 9, 1)),
    Device("华为 P30", "4G", date(2019, 3, 1)),
    Device("华为 畅享 10", "4G", date(2019, 10, 1)),
    Device("荣耀 9X", "4G", date(2019, 7, 1)),
    Device("iPhone 11", "4G", date(2019, 9, 1)),
    Device("iPhone X", "4G", date(2017, 11, 1)),
    Device("iPhone 8", "4G", date(2017, 9, 1)),
    Device("iPhone 6s", "4G", date(2015, 9, 1)),
    Device("小米 9", "4G", date(2019, 2, 1)),
    Device("红米 Note 8", "4G", date(2019, 8, 1)),
    Device("OPPO A5", "4G", date(2018, 7, 1)),
    Device("vivo Y93", "4G", date(2018, 11, 1)),
    Device("三星 Galaxy S9", "4G", date(2018, 3, 1)),
    Device("三星 Galaxy S6", "4G", date(2015, 4, 1)),
    # 3G (CDMA2000 EV-DO)
    Device("华为 C8812", "3G", date(2012, 3, 1)),
    Device("中兴 N880", "3G", date(2011, 6, 1)),
    Device("iPhone 4S", "3G", date(2011, 10, 1)),
    Device("三星 Galaxy S3", "3G", date(2012, 5, 1)),
    # 2G feature phones (CDMA 1X), still sold to older customers
    Device("诺基亚 105", "2G", date(2019, 7, 1), feature_phone=True),
    Device("中兴 守护宝 K288", "2G", date(2016, 5, 1), feature_phone=True),
    Device("天翼 老人机 E5", "2G", date(2013, 4, 1), feature_phone=True),
)

SURNAMES: tuple[str, ...] = (
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高",
    "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "潘",
)
TITLES: tuple[str, ...] = ("先生", "女士")

CITIES: tuple[tuple[str, int], ...] = (
    ("广州", 14), ("深圳", 12), ("上海", 10), ("成都", 9), ("重庆", 8), ("南京", 7), ("杭州", 7), ("武汉", 7),
    ("西安", 6), ("长沙", 5), ("福州", 5), ("南宁", 4), ("合肥", 4), ("南昌", 3), ("海口", 2),
)

# China Telecom mobile number ranges.
PHONE_PREFIXES: tuple[str, ...] = (
    "133", "149", "153", "173", "177", "180", "181", "189", "190", "191", "193", "199",
)
