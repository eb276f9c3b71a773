"""Scripted whole conversations (tests/conversations/*.yml, written from the seeds, most by people who never saw
the flow) replayed through the REST channel with the trained model and the real action, checked against the
app database after every turn: what was proposed and enrolled, tickets by kind, promised times, repeated lines,
answers to questions. FORMAT.md beside the scripts says what each expectation means.

Identity as a real customer proves it: an `identified` customer's number comes in `metadata` signed as the
operator's logged-in site signs it; a customer who types their number then types the SMS code the development
sender recorded, and that scripted turn's expectations are checked against the reply after the code.
"""

from __future__ import annotations

import functools
import re
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bot.corpus import default_corpus
from bot.db.models import Conversation as ConversationRow
from bot.db.models import Customer, MonthlyUsage, Offer, OfferHistory, Ticket
from bot.db.session import session_scope
from bot.dialogue.service import TURN_FAILED
from bot.flow.promises import CHINA_TIME, SERVICE_CLOSES, SERVICE_OPENS, due_phrase
from tests.conversation_script import Conversation, Profile, TurnExpectation, load_conversations
from tests.identity_testing import last_code, signed, use_identity_secret

WEBHOOK = "/webhooks/rest/webhook"
CONVERSATIONS = load_conversations()
KNOWN_GAPS: dict[str, str] = yaml.safe_load(Path(__file__).with_name("conversation_known_gaps.yml").read_text("utf-8"))
PARAMS = [
    pytest.param(
        c, id=c.name, marks=[pytest.mark.xfail(strict=True, reason=KNOWN_GAPS[c.name])] if c.name in KNOWN_GAPS else []
    )
    for c in CONVERSATIONS
]
DUE = re.compile(r"\d{1,2}月\d{1,2}日 \d{2}:\d{2}前")
AMOUNT_PROMISED = re.compile(r"(补偿|赔偿|返还|赠送|退还|减免)(您|给您)?\s*\d+(\.\d+)?\s*元")
FALLBACK_RESPONSES = ("utter_ask_rephrase", "utter_default", "utter_service_error")
_phones = iter(range(10_000_000))


def _fallback_texts() -> set[str]:
    corpus = default_corpus()
    return {v for name in FALLBACK_RESPONSES for e in corpus.entries_of(name) for v in e.variants}


def _failure_texts() -> set[str]:
    """What the action says when its work failed: an apology is no answer, whatever the script expected."""
    return {v for e in default_corpus().entries_of("utter_service_error") for v in e.variants}


def _new_phone() -> str:
    return f"199{next(_phones) + int(uuid.uuid4().int % 9_000_000):08d}"[:11]


def _add_customer(url: str, profile: Profile) -> str:
    today = date.today()
    phone = _new_phone()
    with session_scope(url) as session:
        customer = Customer(
            phone=phone, name=profile.name, city=profile.city, status="正常", brand="天翼",
            plan_name=profile.plan_name or f"天翼畅享{profile.plan_fee:g}元套餐", plan_fee=Decimal(str(profile.plan_fee)),
            credit_level=profile.credit_level, tenure_months=profile.tenure_months, network_type=profile.network_type,
            device_model="华为Mate 40", device_months=profile.device_months, has_broadband=profile.has_broadband,
            bandwidth_mbps=(profile.bandwidth_mbps or 300) if profile.has_broadband else None,
            contract_end_date=profile.contract_end(today),
        )
        session.add(customer)
        session.flush()
        first = today.replace(day=1)
        for back in (3, 2, 1):
            month = (first - timedelta(days=28 * back)).replace(day=1)
            session.add(MonthlyUsage(
                customer_id=customer.id, month=month, arpu=Decimal(str(profile.arpu or profile.plan_fee)),
                mou=profile.mou, dou_mb=int(profile.dou_gb * 1024),
            ))
    return phone


@dataclass
class Observed:
    """The app database's view of the conversation after a turn."""

    proposals: list[Offer] = field(default_factory=list)
    enrolled: list[Offer] = field(default_factory=list)
    tickets: list[Ticket] = field(default_factory=list)
    outcome: str | None = None


def _observe(url: str, sender: str) -> Observed:
    with session_scope(url) as session:
        row = session.execute(select(ConversationRow).where(ConversationRow.sender_id == sender)).scalar_one_or_none()
        if row is None:
            return Observed()
        history = session.execute(
            select(OfferHistory, Offer).join(Offer).where(OfferHistory.conversation_id == row.id)
            .order_by(OfferHistory.id)
        ).all()
        tickets = list(session.execute(select(Ticket).where(Ticket.conversation_id == row.id)).scalars())
        observed = Observed(
            proposals=[offer for _, offer in history],
            enrolled=[offer for entry, offer in history if entry.outcome == "accepted"],
            tickets=tickets,
            outcome=row.outcome,
        )
        session.expunge_all()  # the rows stay readable after the session closes
        return observed


def _matches(offers: list[Offer], expected: str) -> bool:
    if expected == "none":
        return not offers
    return any(expected in (offer.code, offer.type) for offer in offers)


def _kinds(tickets: list[Ticket]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for ticket in tickets:
        counts[ticket.kind] = counts.get(ticket.kind, 0) + 1
    return counts


def _check_turn(expect: TurnExpectation, text: str, before: Observed, after: Observed, state: dict, asks: int,
                where: str) -> None:
    new = after.proposals[len(before.proposals):]
    if expect.proposes is not None:
        if expect.proposes is False:
            assert not new, f"{where}: proposed {[o.code for o in new]} — {text}"
        else:
            assert new, f"{where}: expected a proposal — {text}"
            if isinstance(expect.proposes, list):
                assert all(o.type in expect.proposes for o in new), f"{where}: proposed {[o.type for o in new]}"
    if expect.confirms is not None:
        pending = state.get("pending")
        if expect.confirms is False:
            assert not pending, f"{where}: asked to confirm {pending} — {text}"
        else:
            assert pending, f"{where}: expected a confirmation question — {text}"
            if isinstance(expect.confirms, str):
                assert expect.confirms in (pending, _type_of(pending)), f"{where}: confirms {pending}"
    if expect.enrolled is not None:
        assert _matches(after.enrolled, expect.enrolled), f"{where}: enrolled {[o.code for o in after.enrolled]}"
    if expect.tickets is not None:
        kinds = _kinds(after.tickets)
        for kind, count in expect.tickets.items():
            assert kinds.get(kind, 0) == count, f"{where}: tickets {kinds} — {text}"
    if expect.tickets_total is not None:
        assert len(after.tickets) == expect.tickets_total, f"{where}: tickets {_kinds(after.tickets)} — {text}"
    if expect.asks_phone is not None:
        asked = state.get("phone_asks", 0) > asks
        assert asked == expect.asks_phone, f"{where}: asks_phone {asked} — {text}"
    if expect.answered:
        assert text and not any(f in text for f in _fallback_texts()), f"{where}: not answered — {text}"
    if expect.mentions_any:
        assert any(str(w) in text for w in expect.mentions_any), f"{where}: none of {expect.mentions_any} — {text}"
    for word in expect.mentions_all or []:
        assert str(word) in text, f"{where}: {word!r} missing — {text}"
    for word in expect.mentions_none or []:
        assert str(word) not in text, f"{where}: {word!r} said — {text}"


_TYPES: dict[str, str] = {}


def _type_of(code: str | None) -> str | None:
    return _TYPES.get(code or "")


def _call(client: TestClient, method, *args):  # type: ignore[no-untyped-def]
    return client.portal.call(functools.partial(method, *args))


def test_every_known_gap_names_a_conversation() -> None:
    assert set(KNOWN_GAPS) <= {c.name for c in CONVERSATIONS}


def _say(client: TestClient, sender: str, message: str, metadata: dict) -> list[str]:
    response = client.post(WEBHOOK, json={"sender": sender, "message": message, "metadata": metadata})
    assert response.status_code == 200, response.text
    return [m.get("text") or "" for m in response.json()]


@pytest.mark.parametrize("script", PARAMS)
def test_conversation(
    dialogue_client: TestClient, dialogue_database_url: str, script: Conversation, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_identity_secret(monkeypatch)
    url = dialogue_database_url
    if not _TYPES:
        with session_scope(url) as session:
            _TYPES.update(dict(session.execute(select(Offer.code, Offer.type)).all()))
    service = dialogue_client.app.state.retention.dialogue
    phone = _add_customer(url, script.customer) if script.customer is not None else "19900000000"
    sender = f"conv-{script.name}-{uuid.uuid4().hex[:6]}"
    metadata = signed(phone) if script.channel_knows_phone else {}
    said: list[str] = []
    previous_reply = ""
    before = Observed()
    state: dict = {}
    for number, turn in enumerate(script.turns, 1):
        message = turn.say.replace("{phone}", phone)
        texts = _say(dialogue_client, sender, message, metadata)
        asks = state.get("phone_asks", 0)
        state = (_call(dialogue_client, service.slots, sender) or {}).get("flow") or {}
        if "{phone}" in turn.say and state.get("claimed_phone") == phone:  # a code went to the number typed
            code = last_code(url, phone)
            assert code is not None, f"{script.name}: the bot awaits a code the development sender never recorded"
            print(f"客户: {message}\n  机器人: {' '.join(texts)}")
            said += [t for t in texts if t]
            message = code
            texts = _say(dialogue_client, sender, message, metadata)
            state = (_call(dialogue_client, service.slots, sender) or {}).get("flow") or {}
        text = "\n".join(texts)
        after = _observe(url, sender)
        print(f"客户: {message}  [{state.get('reason')}/{state.get('need')} {state.get('last_step')}]\n  机器人: {text}")
        where = f"{script.name} turn {number} 「{message}」"
        _check_turn(turn.expect, text, before, after, state, asks, where)
        for offer in after.enrolled[len(before.enrolled):]:
            assert f"「{offer.name}」" in previous_reply and "确认" in previous_reply, (
                f"{where}: enrolled {offer.code} without a confirmation naming it — previous reply: {previous_reply}")
        said += [t for t in texts if t]
        previous_reply, before = text, after
    # --- invariants of every conversation ---
    failed = [t for t in said if t == TURN_FAILED or any(f in t for f in _failure_texts())]
    assert not failed, f"{script.name}: a turn failed and was answered with an apology: {failed}"
    repeated = sorted({t for t in said if said.count(t) > 1})
    assert not repeated, f"{script.name}: said twice: {repeated}"
    kinds = _kinds(before.tickets)
    assert all(count == 1 for count in kinds.values()), f"{script.name}: tickets {kinds}"
    promised = {due_phrase(t.due_at) for t in before.tickets}
    for ticket in before.tickets:
        local = ticket.due_at.astimezone(CHINA_TIME).time()
        assert SERVICE_OPENS <= local <= SERVICE_CLOSES, f"{script.name}: ticket due at {local}"
    quoted = {m for t in said for m in DUE.findall(t)}
    assert quoted <= promised or before.outcome == "handoff", f"{script.name}: quoted {quoted}, stored {promised}"
    # A refused offer the customer later asks for is recorded again when accepted: count offers, not rows.
    codes = {o.code for o in before.proposals}
    regular = {o.code for o in before.proposals if o.type != "保号套餐"}
    assert len(regular) <= 2 and len(codes) <= 3, f"{script.name}: proposals {[o.code for o in before.proposals]}"
    end = script.end
    if end.enrolled is not None:
        assert _matches(before.enrolled, end.enrolled), f"{script.name}: enrolled {[o.code for o in before.enrolled]}"
    if end.tickets is not None:
        for kind, count in end.tickets.items():
            assert kinds.get(kind, 0) == count, f"{script.name}: tickets {kinds}"
    if end.tickets_total is not None:
        assert len(before.tickets) == end.tickets_total, f"{script.name}: tickets {kinds}"
    if end.max_proposals is not None:
        assert len(before.proposals) <= end.max_proposals, f"{script.name}: {[o.code for o in before.proposals]}"
    if end.outcome is not None:
        assert (before.outcome or "open") == end.outcome, f"{script.name}: outcome {before.outcome}"
    if not end.compensation_amount_promised:
        promises = [t for t in said if AMOUNT_PROMISED.search(t)]
        assert not promises, f"{script.name}: promised an amount: {promises}"
