"""The closed vocabularies of the app data, one tuple per coded column.

The models turn each tuple into a CHECK constraint, the seeder and the query helpers validate against it, so a
value unknown here can reach the database from no path. NLU labels (intents, needs, reasons) are not repeated
here: bot/taxonomy.yml owns them and may grow, so the query helpers check them against bot.taxonomy instead.
"""

from __future__ import annotations

# 号码状态
CUSTOMER_STATUSES: tuple[str, ...] = ("正常", "欠费停机", "主动停机", "预销户")
# What each status means for the customer and how it ends, in words the bot can say (general rules; the amount
# owed and the exact dates are checked by a colleague).
STATUS_MEANINGS: dict[str, str] = {
    "正常": "号码可以正常使用，没有停机",
    "欠费停机": "号码因为欠费暂停了服务，把欠费结清后一般会在24小时内自动恢复",
    "主动停机": "号码是申请了停机（比如停机保号）后暂停的，想恢复的话机主带身份证到营业厅或打10000申请复机就行",
    "预销户": "号码欠费停机时间比较长，进入了待注销状态；在正式注销前结清欠费、机主本人申请，一般还能恢复，"
    "超过保留期号码就会被回收",
}
# 品牌 (中国电信)
BRANDS: tuple[str, ...] = ("天翼", "星卡", "青春卡", "政企")
# 终端制式
NETWORK_TYPES: tuple[str, ...] = ("2G", "3G", "4G", "5G")
# 信用等级: 星级 1-7 (七星 highest); stored as a small integer so rules and models can compare it.
CREDIT_LEVELS: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7)

# The kinds of offer the training material names (价值提升 + 挽留 strategies of seeds 000/002).
OFFER_TYPES: tuple[str, ...] = (
    "套餐升级",
    "套餐降档",
    "宽带提速",
    "融合业务",
    "终端更换",
    "增值业务",
    "话费补偿",
    "流量包",
    "保号套餐",
)
OFFER_OUTCOMES: tuple[str, ...] = ("pending", "accepted", "rejected")

# Things promised to a customer with a deadline (seed 002: 承诺一定时间内回复 / 上门拜访 / 向领导申请 ...).
TICKET_KINDS: tuple[str, ...] = (
    "network_repair",
    "billing_check",
    "device_repair",
    "complaint",
    "callback",
    "tariff_comparison",
    "home_visit",
    "compensation_review",
)
TICKET_STATUSES: tuple[str, ...] = ("open", "in_progress", "resolved", "closed", "cancelled")
# Still owed to the customer: the desk works on these, and the bot quotes them when the problem comes up again.
OPEN_TICKET_STATUSES: tuple[str, ...] = ("open", "in_progress")

CONVERSATION_MODES: tuple[str, ...] = ("customer", "practice")
CHANNELS: tuple[str, ...] = ("web", "wechat", "rest", "practice", "cli")
CONVERSATION_OUTCOMES: tuple[str, ...] = ("retained", "lost", "handoff", "resolved", "abandoned", "completed")
TURN_ROLES: tuple[str, ...] = ("customer", "bot", "agent", "trainee")

RETENTION_RESULTS: tuple[str, ...] = ("retained", "lost", "handoff", "pending")

# 流失倾向 warning signals of seed 000, by the names the offer suitability rules use.
WARNING_SIGNALS: tuple[str, ...] = (
    "contract_expiring",  # 协议到期
    "usage_drop",  # 业务量突降
    "competitor_marketing",  # 竞争对手营销
    "zero_calls",  # 多日零通话
    "competitor_hotline",  # 拨打竞争对手客服电话
)

CHURN_BANDS: tuple[str, ...] = ("高", "中", "低")

# Accounts of practice mode and the supervisor desk (docs/ACCOUNTS.md); a route names the roles it admits.
USER_ROLES: tuple[str, ...] = ("admin", "supervisor", "trainee")

# What a supervisor may relabel on a turn (the supervisor desk): a customer turn's intent or need, a trainee's act.
CORRECTION_FIELDS: tuple[str, ...] = ("intent", "need", "act")
