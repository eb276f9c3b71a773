"""Small, typed helpers the dialogue actions call; each takes a Session and flushes, the caller commits."""

from bot.db.queries.conversations import (
    current_conversation,
    end_conversation,
    open_conversation,
    record_turn,
    record_turns,
    start_conversation,
)
from bot.db.queries.customers import (
    RecentUsage,
    find_customer_by_phone,
    latest_usage,
    usage_history,
)
from bot.db.queries.offers import (
    RankedOffer,
    offer_by_code,
    recommend_offers,
    record_offer_outcome,
    record_offer_proposal,
)
from bot.db.queries.outcomes import forget_retention_outcome, record_retention_outcome
from bot.db.queries.tickets import DEFAULT_DUE_IN, create_ticket

__all__ = [
    "DEFAULT_DUE_IN",
    "RankedOffer",
    "RecentUsage",
    "create_ticket",
    "current_conversation",
    "end_conversation",
    "find_customer_by_phone",
    "latest_usage",
    "offer_by_code",
    "open_conversation",
    "recommend_offers",
    "record_offer_outcome",
    "record_offer_proposal",
    "forget_retention_outcome",
    "record_retention_outcome",
    "record_turn",
    "record_turns",
    "start_conversation",
    "usage_history",
]
