"""All models on one `Base`; importing this package registers every table on `Base.metadata`."""

from bot.db.models.base import AwareDateTime, Base, Money
from bot.db.models.churn import ChurnModelVersion, ChurnScore
from bot.db.models.conversation import Conversation, Turn
from bot.db.models.customer import Customer, MonthlyUsage
from bot.db.models.identity import SmsOutbox, VerificationCode
from bot.db.models.offer import Offer, OfferHistory
from bot.db.models.practice import PracticePointScore
from bot.db.models.retention import RetentionOutcome
from bot.db.models.review import ReviewComment, ReviewMark, ReviewTag, TurnCorrection
from bot.db.models.ticket import Ticket
from bot.db.models.user import User
from bot.db.models.wechat import WechatMessage, WechatNonce, WechatUser

__all__ = [
    "AwareDateTime",
    "Base",
    "ChurnModelVersion",
    "ChurnScore",
    "Conversation",
    "Customer",
    "Money",
    "MonthlyUsage",
    "Offer",
    "OfferHistory",
    "PracticePointScore",
    "RetentionOutcome",
    "ReviewComment",
    "ReviewMark",
    "ReviewTag",
    "SmsOutbox",
    "Ticket",
    "Turn",
    "TurnCorrection",
    "User",
    "VerificationCode",
    "WechatMessage",
    "WechatNonce",
    "WechatUser",
]
