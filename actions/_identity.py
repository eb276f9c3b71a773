"""Who the customer is, and how a claimed number becomes a verified one (docs/CHANNELS.md).

Trusted, without a code: the number verified earlier in this conversation (`flow.phone`); `metadata.phone`
signed by the operator's site (bot/identity/signing.py); on WeChat the openid's binding, which is made only when
a code comes back and is read again on every message (so an unbinding, by 「解绑」 or by the operator, holds at
once). Everything else — a typed number, a typed `/inform_phone{…}` (read as text by the dialogue service),
unsigned or badly signed metadata — is a claim: a one-time code goes to the number by SMS (bot/identity/codes.py
for the limits), and the sender is that customer once the code comes back. Until then `Identity` has no facts,
so the flow can only help in general terms: no name, no spend, no offers, no enrolment.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from datetime import datetime
from typing import Any

from rasa_sdk import Tracker
from sqlalchemy.orm import Session

from actions._db import conversation_channel
from bot.churn import UnknownCustomer, score_customer
from bot.config import get_settings
from bot.db.queries import find_customer_by_phone
from bot.db.queries.wechat import bind_phone, bound_phone, unbind_phone
from bot.flow.decide import Identity, Message
from bot.flow.facts import load_customer_facts
from bot.flow.promises import CHINA_TIME
from bot.flow.state import FlowState
from bot.identity.codes import CodeCheck, CodePolicy, CodeRefused, check_code, issue_code
from bot.identity.signing import vouched_phone
from bot.identity.sms import SmsNotSent, code_message, sms_sender
from bot.phone_numbers import mask_phones, normalize_phone

logger = logging.getLogger(__name__)

# The latest message's metadata key under which a channel passes the customer's number.
METADATA_PHONE = "phone"
WECHAT = "wechat"
# A code as typed: six digits on their own (「123456」「验证码是 123456」), never part of a longer number.
CODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")
# A WeChat follower asking to forget the number bound to the openid.
UNBIND = re.compile(r"^(请|帮我)?(解绑|解除绑定|取消绑定)(手机号码?|号码|手机)?(吧)?[。.!！]?$")


def _churn_band(session: Session, phone: str) -> str | None:
    try:
        return score_customer(session, phone).band
    except UnknownCustomer:
        return None


def _forget(state: FlowState) -> None:
    state.phone = state.claimed_phone = state.churn_band = None


def identify(session: Session, tracker: Tracker, state: FlowState, message: Message, now: datetime) -> Identity:
    """Who the customer is after this message, and what became of a number they claimed (module docstring)."""
    channel = conversation_channel(tracker)
    sender = tracker.sender_id
    text = unicodedata.normalize("NFKC", message.text).strip()
    if channel == WECHAT:
        if UNBIND.fullmatch(text):
            unbound = unbind_phone(session, sender)
            _forget(state)
            return Identity(verification="unbound" if unbound else "not_bound")
        trusted = bound_phone(session, sender)
        if trusted is None and state.phone:
            _forget(state)  # unbound by the operator since the last message
    else:
        metadata = (tracker.latest_message or {}).get("metadata") or {}
        settings = get_settings()
        signed = vouched_phone(
            metadata,
            settings.channel_identity_secret,
            now=now.timestamp(),
            max_lifetime=settings.channel_identity_max_lifetime_seconds,
        )
        trusted = state.phone or normalize_phone(signed)
    if trusted is not None:
        return _identified(session, state, trusted, now, newly=False)
    code = CODE.search(text)
    if state.claimed_phone and code:
        return _check(session, state, channel, sender, state.claimed_phone, code.group(1), now)
    return _claim(session, state, tracker, sender, message, now)


def _identified(session: Session, state: FlowState, phone: str, now: datetime, *, newly: bool) -> Identity:
    customer = find_customer_by_phone(session, phone)
    if customer is None:
        return Identity()
    band = state.churn_band if state.phone == phone else _churn_band(session, phone)
    state.phone, state.churn_band, state.claimed_phone = phone, band, None
    facts = load_customer_facts(session, customer, now.astimezone(CHINA_TIME).date(), band)
    return Identity(facts=facts, newly=newly, verification="verified" if newly else None)


def _check(
    session: Session, state: FlowState, channel: str, sender: str, phone: str, code: str, now: datetime
) -> Identity:
    """The code typed for the claimed `phone`: identified (and on WeChat bound), or told what went wrong."""
    result = check_code(session, phone, sender, code, now=now, policy=CodePolicy.from_settings(get_settings()))
    if result is CodeCheck.WRONG:
        return Identity(verification="code_wrong")
    state.claimed_phone = None
    if result is CodeCheck.USED_UP:
        return Identity(verification="code_expired")
    if channel == WECHAT:
        bind_phone(session, sender, phone)  # bound only now, after the code
    return _identified(session, state, phone, now, newly=True)


def _claim(
    session: Session, state: FlowState, tracker: Tracker, sender: str, message: Message, now: datetime
) -> Identity:
    """A number typed, or passed unsigned: a code to it when it is a customer's (once per claim of metadata).

    A refusal (a rate limit, a failed send) is said only to a customer who typed the number: a channel that
    repeats an unsigned number with every message would otherwise have every message answered with it.
    """
    typed = normalize_phone(message.entities.get("phone_number"))
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    claimed = typed or normalize_phone(metadata.get(METADATA_PHONE))
    if claimed is None or (typed is None and claimed == state.claimed_phone):
        return Identity()  # nothing claimed, or the channel repeating the claim a code already went out for
    if find_customer_by_phone(session, claimed) is None:
        return Identity(unknown_number=claimed if typed else None)
    settings = get_settings()
    policy = CodePolicy.from_settings(settings)
    try:
        code = issue_code(session, claimed, sender, now=now, policy=policy)
    except CodeRefused as refused:
        logger.info("No code for %s (sender %r): %s", mask_phones(claimed), sender, refused)
        return Identity(verification="code_refused" if typed else None)
    try:  # a failed send keeps the code's row: it counts towards the limits, so a failing gateway is not hammered
        sms_sender(settings).send(session, code_message(claimed, code, policy.ttl_seconds))
    except SmsNotSent as failure:
        logger.warning("Code for %s (sender %r) not sent: %s", mask_phones(claimed), sender, failure)
        return Identity(verification="code_not_sent" if typed else None)
    state.claimed_phone = claimed
    return Identity(verification="code_sent", masked_phone=mask_phones(claimed))
