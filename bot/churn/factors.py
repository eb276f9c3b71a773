"""The factors an agent reads: groups of model features, their low-risk reference, and their Chinese wording.

A factor's weight for one customer is how much the model's log-odds drop when that group of features is set to
its reference value (e.g. 竞争对手营销 → 0 times, 协议 → a year left): a real contribution of that customer's
values to that customer's score, not a global feature importance. The text shows the customer's own values.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from bot.churn.features import CATEGORICAL_FEATURES, FEATURE_INDEX, FEATURES

Values = Mapping[str, Any]


def _int(value: Any) -> int:
    return int(round(float(value)))


def _percent(change: float) -> int:
    return int(round(abs(change) * 100))


def _change_text(subject: str, change: float) -> str:
    if math.isnan(change):
        return f"缺少上月{subject}数据"
    if _percent(change) == 0:
        return f"本月{subject}与上月持平"
    return f"本月{subject}比上月{'下降' if change < 0 else '增长'}{_percent(change)}%"


def contract_text(v: Values) -> str:
    if math.isnan(v["has_contract"]):
        return "缺少协议到期数据"
    if not v["has_contract"]:
        return "未签订合约，没有协议约束"
    days = _int(v["contract_days_left"])
    if days < 0:
        return f"协议已于{-days}天前到期"
    if days <= 30:
        return "协议30天内到期"
    if days <= 90:
        return f"协议{days}天后到期"
    return f"协议还有{days}天到期"


def usage_change_text(v: Values) -> str:
    return "，".join((_change_text("通话量", v["mou_change"]), _change_text("流量", v["dou_change"])))


def spending_text(v: Values) -> str:
    parts = [f"当月ARPU {float(v['arpu']):.0f}元"] if not math.isnan(v["arpu"]) else ["缺少当月ARPU"]
    if not math.isnan(v["arpu_over_plan"]) and abs(v["arpu_over_plan"]) >= 0.1:
        parts.append(f"{'超出' if v['arpu_over_plan'] > 0 else '低于'}套餐月费{_percent(v['arpu_over_plan'])}%")
    if not math.isnan(v["arpu_change"]) and _percent(v["arpu_change"]) >= 10:
        parts.append(f"比上月{'下降' if v['arpu_change'] < 0 else '增长'}{_percent(v['arpu_change'])}%")
    return "，".join(parts)


def usage_level_text(v: Values) -> str:
    if math.isnan(v["mou"]) or math.isnan(v["dou_mb"]):
        return "缺少当月通话和流量数据"
    return f"本月通话{_int(v['mou'])}分钟、流量{float(v['dou_mb']) / 1024:.1f}GB"


def count_text(feature: str, template: str, none_text: str) -> Callable[[Values], str]:
    def render(v: Values) -> str:
        count = v[feature]
        if math.isnan(count):
            return "缺少当月数据"
        return template.format(_int(count)) if count > 0 else none_text

    return render


def suspension_text(v: Values) -> str:
    if math.isnan(v["suspend_days"]):
        return "缺少当月停机数据"
    if v["suspend_days"] <= 0:
        return "本月没有停机"
    return f"本月停机{_int(v['suspend_days'])}天（{_int(v['suspend_count'])}次）"


def plan_text(v: Values) -> str:
    fee = "月费未知" if math.isnan(v["plan_fee"]) else f"月费{float(v['plan_fee']):.0f}元"
    return f"套餐{v['plan_name']}（{v['brand']}，{fee}）"


def broadband_text(v: Values) -> str:
    if v["has_broadband"]:
        return f"已办理{_int(v['bandwidth_mbps'])}M宽带"
    return "未办理宽带（没有融合业务）"


def value_added_text(v: Values) -> str:
    missing = [name for name, feature in (("咪咕视频", "migu_video"), ("咪咕阅读", "migu_read")) if not v[feature]]
    return f"未订购{'、'.join(missing)}" if missing else "已订购咪咕视频和咪咕阅读"


@dataclass(frozen=True)
class FactorGroup:
    key: str
    features: tuple[str, ...]
    render: Callable[[Values], str]
    # Fixed low-risk reference values; the other features of the group take the training population's
    # typical value: the median, or the most common combination of categories.
    reference: Mapping[str, Any]
    # The numbers of the group belong to its categories (a plan's fee): take the most common combination.
    joint: bool = False


FACTOR_GROUPS: tuple[FactorGroup, ...] = (
    # The five warning signals of the training material; keys as in bot.db.models.vocabulary.WARNING_SIGNALS.
    FactorGroup(
        "contract_expiring",
        ("has_contract", "contract_days_left"),
        contract_text,
        {"has_contract": 1.0, "contract_days_left": 365.0},
    ),
    FactorGroup(
        "usage_drop",
        ("mou_change", "dou_change"),
        usage_change_text,
        {"mou_change": 0.0, "dou_change": 0.0},
    ),
    FactorGroup(
        "competitor_marketing",
        ("competitor_marketing_contacts",),
        count_text("competitor_marketing_contacts", "本月受到竞争对手营销{}次", "本月没有竞争对手营销"),
        {"competitor_marketing_contacts": 0.0},
    ),
    FactorGroup(
        "zero_calls",
        ("zero_call_days",),
        count_text("zero_call_days", "本月有{}天零通话", "本月没有零通话的日子"),
        {"zero_call_days": 0.0},
    ),
    FactorGroup(
        "competitor_hotline",
        ("competitor_hotline_calls",),
        count_text("competitor_hotline_calls", "本月拨打竞争对手客服电话{}次", "本月没有拨打竞争对手客服电话"),
        {"competitor_hotline_calls": 0.0},
    ),
    # The other source columns.
    FactorGroup(
        "suspension",
        ("suspend_days", "suspend_count"),
        suspension_text,
        {"suspend_days": 0.0, "suspend_count": 0.0},
    ),
    FactorGroup(
        "spending",
        ("arpu", "arpu_over_plan", "arpu_change"),
        spending_text,
        {"arpu_over_plan": 0.0, "arpu_change": 0.0},
    ),
    FactorGroup("usage_level", ("mou", "dou_mb"), usage_level_text, {}),
    FactorGroup("tenure", ("tenure_months",), lambda v: f"网龄{_int(v['tenure_months'])}个月", {}),
    FactorGroup("credit", ("credit_level",), lambda v: f"信用等级{_int(v['credit_level'])}星", {}),
    FactorGroup(
        "device",
        ("network_type", "device_model", "device_months"),
        lambda v: f"终端{v['device_model']}（{v['network_type']}）已使用{_int(v['device_months'])}个月",
        {},
    ),
    FactorGroup("broadband", ("has_broadband", "bandwidth_mbps"), broadband_text, {"has_broadband": 1.0}),
    FactorGroup(
        "value_added",
        ("migu_video", "migu_read"),
        value_added_text,
        {"migu_video": 1.0, "migu_read": 1.0},
    ),
    FactorGroup(
        "plan",
        ("brand", "plan_name", "plan_fee"),
        plan_text,
        {},
        joint=True,
    ),
    FactorGroup("status", ("status",), lambda v: f"号码状态为{v['status']}", {"status": "正常"}),
    FactorGroup(
        "roaming",
        ("roaming_minutes",),
        count_text("roaming_minutes", "当月省际漫游{}分钟", "当月没有省际漫游"),
        {"roaming_minutes": 0.0},
    ),
)
GROUP_BY_KEY = {group.key: group for group in FACTOR_GROUPS}
GROUP_INDEXES: tuple[tuple[int, ...], ...] = tuple(
    tuple(FEATURE_INDEX[feature] for feature in group.features) for group in FACTOR_GROUPS
)
GROUP_OF_FEATURE = np.array(  # FEATURES index → FACTOR_GROUPS index (each feature is in exactly one group)
    [next(g for g, indexes in enumerate(GROUP_INDEXES) if index in indexes) for index in range(len(FEATURES))]
)


def _most_common(columns: np.ndarray) -> tuple[Any, ...]:
    return Counter(map(tuple, columns)).most_common(1)[0][0]


def reference_row(features: np.ndarray) -> np.ndarray:
    """The low-risk reference customer, from the training features (object array in FEATURES order)."""
    reference = np.empty(len(FEATURES), dtype=object)
    for group, indexes in zip(FACTOR_GROUPS, GROUP_INDEXES):
        free = [i for i in indexes if FEATURES[i] not in group.reference]
        together = free if group.joint else [i for i in free if FEATURES[i] in CATEGORICAL_FEATURES]
        if together:
            reference[together] = _most_common(features[:, together])
        for index in indexes:
            name = FEATURES[index]
            if name in group.reference:
                reference[index] = group.reference[name]
            elif index not in together:
                reference[index] = float(np.nanmedian(features[:, index].astype(float)))
    # A broadband reference needs a bandwidth: the typical one among broadband customers.
    broadband = features[:, FEATURE_INDEX["has_broadband"]].astype(float) == 1.0
    bandwidths = features[broadband, FEATURE_INDEX["bandwidth_mbps"]].astype(float)
    reference[FEATURE_INDEX["bandwidth_mbps"]] = float(np.nanmedian(bandwidths)) if bandwidths.size else 100.0
    return reference


def named(row: Sequence[Any]) -> dict[str, Any]:
    """A feature row (FEATURES order) as the mapping the texts are rendered from."""
    return dict(zip(FEATURES, row))


def render(key: str, values: Values) -> str:
    """The factor's text with this customer's values."""
    return GROUP_BY_KEY[key].render(values)
