"""Customers and their monthly usage: the 源数据 fields of the retention training material."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import relationship

from bot.db.models.base import Base, Money, one_of, timestamp_column, utcnow
from bot.db.models.vocabulary import CUSTOMER_STATUSES, NETWORK_TYPES


class Customer(Base):
    """One subscriber line (号码) with its plan, device and broadband, as the operator's systems know it."""

    __tablename__ = "customers"
    __table_args__ = (
        CheckConstraint("length(phone) = 11 AND trim(phone, '0123456789') = ''", name="phone_11_digits"),
        one_of("status", CUSTOMER_STATUSES),
        one_of("network_type", NETWORK_TYPES),
        CheckConstraint("credit_level BETWEEN 1 AND 7", name="credit_level_range"),
        CheckConstraint("plan_fee >= 0", name="plan_fee_not_negative"),
        CheckConstraint("tenure_months >= 0", name="tenure_not_negative"),
        CheckConstraint("device_months >= 0", name="device_months_not_negative"),
        CheckConstraint(
            "(has_broadband AND bandwidth_mbps IS NOT NULL AND bandwidth_mbps > 0)"
            " OR (NOT has_broadband AND bandwidth_mbps IS NULL)",
            name="bandwidth_iff_broadband",
        ),
        # an export without 协议到期日期 cannot say "no contract" either
        CheckConstraint("contract_known OR contract_end_date IS NULL", name="contract_end_only_when_known"),
    )

    id = Column(Integer, primary_key=True)
    phone = Column(String(11), nullable=False, unique=True)  # 号码
    name = Column(String(32), nullable=False)  # how the bot addresses the customer, e.g. 王先生
    city = Column(String(32), nullable=False)
    status = Column(String(8), nullable=False, default="正常")  # 号码状态
    brand = Column(String(16), nullable=False)  # 品牌
    plan_name = Column(String(64), nullable=False)  # 套餐
    plan_fee = Column(Money(8, 2), nullable=True)  # 套餐月费 (元); None = unknown (not in the export)
    credit_level = Column(SmallInteger, nullable=False)  # 信用等级 (星级 1-7)
    tenure_months = Column(Integer, nullable=False)  # 网龄 (月)
    network_type = Column(String(2), nullable=False)  # 终端制式
    device_model = Column(String(64), nullable=False)  # 终端机型
    device_months = Column(Integer, nullable=False)  # 终端使用时间 (月)
    has_broadband = Column(Boolean, nullable=False, default=False)  # 是否宽带用户
    bandwidth_mbps = Column(Integer, nullable=True)  # 带宽 (Mbps), only for broadband users
    migu_video = Column(Boolean, nullable=False, default=False)  # 咪咕视频
    migu_read = Column(Boolean, nullable=False, default=False)  # 咪咕阅读
    contract_end_date = Column(Date, nullable=True)  # 协议到期日; None = no contract (when contract_known)
    # False: the export had no 协议到期日期, so whether a contract runs is not known (contract_end_date is None)
    contract_known = Column(Boolean, nullable=False, default=True, server_default=true())
    churned = Column(Boolean, nullable=True)  # 是否流失; None = not (yet) known
    created_at = timestamp_column()
    updated_at = timestamp_column(onupdate=utcnow)

    usage = relationship(
        "MonthlyUsage",
        back_populates="customer",
        order_by="MonthlyUsage.month",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    def __repr__(self) -> str:
        return f"<Customer {self.id} {self.phone} {self.plan_name}>"


class MonthlyUsage(Base):
    """One customer's figures for one calendar month (month = its first day).

    业务量突降 is not stored: it is a comparison between months. 协议到期 comes from Customer.contract_end_date.
    """

    __tablename__ = "monthly_usage"
    __table_args__ = (
        UniqueConstraint("customer_id", "month"),
        CheckConstraint("arpu >= 0", name="arpu_not_negative"),
        CheckConstraint("mou >= 0 AND dou_mb >= 0 AND roaming_minutes >= 0", name="volumes_not_negative"),
        CheckConstraint("suspend_days BETWEEN 0 AND 31", name="suspend_days_range"),
        CheckConstraint("zero_call_days BETWEEN 0 AND 31", name="zero_call_days_range"),
        CheckConstraint(
            "suspend_count >= 0 AND competitor_marketing_contacts >= 0 AND competitor_hotline_calls >= 0",
            name="counts_not_negative",
        ),
    )

    id = Column(Integer, primary_key=True)
    customer_id = Column(Integer, ForeignKey("customers.id", ondelete="CASCADE"), nullable=False)
    month = Column(Date, nullable=False)  # first day of the month
    arpu = Column(Money(10, 2), nullable=False)  # 当月ARPU (元)
    mou = Column(Integer, nullable=False)  # 当月MOU (分钟)
    dou_mb = Column(Integer, nullable=False)  # 当月DOU (MB)
    suspend_days = Column(SmallInteger, nullable=False, default=0)  # 当月停机天数
    suspend_count = Column(SmallInteger, nullable=False, default=0)  # 当月停机次数
    roaming_minutes = Column(Integer, nullable=False, default=0)  # 当月省际漫游时长 (分钟)
    # The warning-signal counts; None = not in the export (0 would claim "none this month"), so no default.
    competitor_marketing_contacts = Column(SmallInteger, nullable=True)  # 竞争对手营销 (次)
    zero_call_days = Column(SmallInteger, nullable=True)  # 多日零通话 (天)
    competitor_hotline_calls = Column(SmallInteger, nullable=True)  # 拨打竞争对手客服电话 (次)

    customer = relationship("Customer", back_populates="usage")

    def __repr__(self) -> str:
        return f"<MonthlyUsage customer={self.customer_id} {self.month:%Y-%m}>"
