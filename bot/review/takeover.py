"""Live take-over of a web chat: a supervisor answers the customer instead of the bot, with the flow's next line
suggested next to the reply box (issue #13, the optional part).

While a conversation is taken over (`conversations.taken_over_by`), the customer's messages never reach the Rasa
agent: they are recorded as turns, read by the customer NLU when it is loaded so that the desk sees intent and
need, and answered by nobody but the supervisor. The supervisor's replies are `agent` turns; the chat page
fetches them (`GET /webhooks/rest/agent`). Handing back lets the bot go on from the flow state it had: what was
said meanwhile is in the transcript, not in the bot's tracker.

The suggestion is what the customer bot's own flow would answer the customer's latest message: the practice
coach's model answer (bot/practice/coach.py), from `decide` over the bot's flow state (the tracker's `flow`
slot) and the customer's facts once identified. A ticket that line promises is not opened by it (the line says
so where the ticket number would be); the supervisor opens tickets from the desk.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.corpus.lookup import default_corpus
from bot.db.models import Conversation, Turn, User
from bot.db.models.base import utcnow
from bot.db.queries.conversations import open_conversation, record_turn
from bot.db.queries.customers import find_customer_by_phone
from bot.db.session import session_scope
from bot.flow.decide import FALLBACK_INTENT
from bot.flow.facts import CustomerFacts, load_customer_facts
from bot.flow.promises import CHINA_TIME
from bot.flow.state import FlowState
from bot.flow.strategy import strategies
from bot.practice.coach import Coach
from bot.practice.simulator import CustomerLine
from bot.review.transcript import visible_conversation

if TYPE_CHECKING:  # the parser module loads Rasa and TensorFlow; the desk needs only the type
    from bot.nlu.parser import NluParser

logger = logging.getLogger(__name__)

LIVE_CHANNEL = "web"  # the chat page; REST clients and WeChat have no page to show a person's replies
MAX_REPLY_CHARS = 1000  # what the chat page lets a customer type
UNOPENED_TICKET = "（待开单）"
NO_NEED = "none"


class AgentMessage(BaseModel):
    seq: int
    text: str


class LiveMessages(BaseModel):
    """What the chat page polls: whether a person answers now, and their replies after the `seq` it has."""

    live: bool
    messages: list[AgentMessage]


def _live_chat(session: Session, viewer: User, conversation_id: int) -> Conversation:
    conversation = visible_conversation(session, viewer, conversation_id)
    if conversation.mode != "customer" or conversation.channel != LIVE_CHANNEL or conversation.ended_at is not None:
        raise ValueError("only an open web chat can be taken over")
    return conversation


def take_over(session: Session, viewer: User, conversation_id: int) -> None:
    """`viewer` answers from now on; refused while another supervisor has it (one voice for the customer)."""
    conversation = _live_chat(session, viewer, conversation_id)
    if conversation.taken_over_by == viewer.id:
        return
    if conversation.taken_over_by is not None:
        holder = session.get(User, conversation.taken_over_by)
        raise ValueError(f"already taken over by {holder.display_name if holder else 'someone'}")
    conversation.taken_over_by, conversation.taken_over_at = viewer.id, utcnow()


def hand_back(session: Session, viewer: User, conversation_id: int) -> None:
    """The bot answers again; any staff member may hand back (the one who took over may have left)."""
    conversation = visible_conversation(session, viewer, conversation_id)
    conversation.taken_over_by = conversation.taken_over_at = None


def reply(session: Session, viewer: User, conversation_id: int, text: str) -> Turn:
    """The supervisor's reply, as the conversation's next `agent` turn; only from the one who took it over."""
    conversation = _live_chat(session, viewer, conversation_id)
    if conversation.taken_over_by != viewer.id:
        raise ValueError("take the conversation over before replying")
    body = text.strip()
    if not body or len(body) > MAX_REPLY_CHARS:
        raise ValueError(f"a reply has 1-{MAX_REPLY_CHARS} characters")
    return record_turn(session, conversation.id, role="agent", text=body)


def agent_messages(session: Session, sender_id: str, after: int) -> LiveMessages:
    """The supervisor's replies in the sender's open web chat after turn `after`."""
    conversation = open_conversation(session, channel=LIVE_CHANNEL, sender_id=sender_id)
    if conversation is None:
        return LiveMessages(live=False, messages=[])
    turns = session.execute(
        select(Turn.seq, Turn.text)
        .where(Turn.conversation_id == conversation.id, Turn.role == "agent", Turn.seq > after)
        .order_by(Turn.seq)
    ).all()
    return LiveMessages(
        live=conversation.taken_over_by is not None, messages=[AgentMessage(seq=seq, text=text) for seq, text in turns]
    )


def _taken_over_chat(sender_id: str) -> int | None:
    with session_scope() as session:
        conversation = open_conversation(session, channel=LIVE_CHANNEL, sender_id=sender_id)
        return conversation.id if conversation is not None and conversation.taken_over_by is not None else None


def _record_customer(conversation_id: int, text: str, parsed: dict[str, Any] | None) -> None:
    with session_scope() as session:
        if parsed is None:
            record_turn(session, conversation_id, role="customer", text=text)
            return
        record_turn(
            session, conversation_id, role="customer", text=text,
            intent=parsed["intent"]["name"], intent_confidence=parsed["intent"]["confidence"],
            need=parsed["need"]["name"], need_confidence=parsed["need"]["confidence"],
            entities=[{"entity": e["entity"], "value": e["value"]} for e in parsed["entities"]],
        )


async def held_for_agent(sender_id: str, text: str, parser: NluParser | None) -> bool:
    """True when the sender's web chat is taken over: the message is then recorded for the supervisor and must
    not reach the bot. A database that does not answer leaves the message to the bot (which says what it can)."""
    try:
        conversation_id = await asyncio.to_thread(_taken_over_chat, sender_id)
    except SQLAlchemyError:
        logger.exception("could not check whether web chat %r is taken over", sender_id)
        return False
    if conversation_id is None:
        return False
    parsed = await parser.parse(text) if parser is not None else None
    await asyncio.to_thread(_record_customer, conversation_id, text, parsed)
    return True


def _facts(session: Session, state: FlowState, now: datetime) -> CustomerFacts | None:
    customer = find_customer_by_phone(session, state.phone) if state.phone else None
    if customer is None:
        return None
    return load_customer_facts(session, customer, now.astimezone(CHINA_TIME).date(), state.churn_band)


def suggested_line(session: Session, conversation: Conversation, flow_slot: Any, now: datetime) -> str | None:
    """The line the bot's flow would answer the customer's latest message with (module docstring); None before
    the customer has said anything."""
    last = session.execute(
        select(Turn).where(Turn.conversation_id == conversation.id, Turn.role == "customer")
        .order_by(Turn.seq.desc()).limit(1)
    ).scalar_one_or_none()
    if last is None:
        return None
    state = FlowState.from_slot(flow_slot)
    coach = Coach(_facts(session, state, now), strategies(), default_corpus(), now=now, seed=conversation.id,
                  ticket_label=UNOPENED_TICKET)
    line = CustomerLine(
        intent=last.intent or FALLBACK_INTENT, need=last.need or NO_NEED, text=last.text,
        entities={item["entity"]: item.get("value") for item in last.entities or []},
    )
    return coach.expect(state, line).recommended or None
