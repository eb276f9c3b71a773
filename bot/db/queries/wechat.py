"""The WeChat channel's shared state: signatures used, claiming a pushed message once, its reply, and what an
openid is bound to.

Every helper takes a Session and flushes; the caller commits. Claims and user rows are written with
INSERT ... ON CONFLICT DO NOTHING (SQLite and PostgreSQL both have it), so two instances receiving the same
retry at the same moment cannot both win, and neither sees an error.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from bot.db.models import WechatMessage, WechatNonce, WechatUser
from bot.db.models.base import utcnow
from bot.phone_numbers import normalize_phone

Button = dict[str, str]


def _insert_ignoring_conflict(session: Session, model: type, values: dict[str, Any]) -> bool:
    """Insert a row unless it collides with a unique one; True when this call inserted it."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        raise NotImplementedError(f"the WeChat channel supports SQLite and PostgreSQL, not {dialect}")
    result = session.execute(insert(model).values(**values).on_conflict_do_nothing())
    return result.rowcount == 1


# --- Signatures: each (timestamp, nonce) for one body only ------------------------------------------------


def claim_signature(session: Session, timestamp: int, nonce: str, body_sha256: str, oldest: int) -> bool:
    """Record a signature's first use; True for it and for the same body again (a retry), False for any other.

    Signatures with a timestamp before `oldest` can no longer be accepted, so they are forgotten here.
    """
    session.execute(delete(WechatNonce).where(WechatNonce.timestamp < oldest))
    values = {"timestamp": timestamp, "nonce": nonce, "body_sha256": body_sha256}
    if _insert_ignoring_conflict(session, WechatNonce, values):
        return True
    seen = session.execute(
        select(WechatNonce.body_sha256).where(WechatNonce.timestamp == timestamp, WechatNonce.nonce == nonce)
    ).scalar_one()
    return seen == body_sha256


# --- Messages: one claim per openid and MsgId, the reply kept for retries ----------------------------------


def claim_message(session: Session, dedupe_key: str, openid: str) -> bool:
    """Record a pushed message; True for the first delivery, False for a retry of one already claimed."""
    values = {"dedupe_key": dedupe_key, "openid": openid, "received_at": utcnow(), "delivered": False}
    return _insert_ignoring_conflict(session, WechatMessage, values)


def answer_message(session: Session, dedupe_key: str, reply: str) -> None:
    """Store the reply of a claimed message (not yet delivered: that is up to whoever sends it)."""
    session.execute(
        update(WechatMessage).where(WechatMessage.dedupe_key == dedupe_key).values(reply=reply, answered_at=utcnow())
    )
    session.flush()


def message_answered(session: Session, dedupe_key: str) -> bool:
    reply = session.execute(select(WechatMessage.reply).where(WechatMessage.dedupe_key == dedupe_key)).scalar_one()
    return reply is not None


def collect_replies(session: Session, dedupe_key: str) -> list[str]:
    """The replies to send now in the passive reply to `dedupe_key`, oldest first, marked delivered.

    That is the message's own reply, preceded by the replies of earlier messages of the same openid that were
    ready only after their passive reply had gone out. The message's own reply is included even when it was
    delivered before: WeChat only retries a message whose answer it did not get.
    """
    this = session.execute(select(WechatMessage).where(WechatMessage.dedupe_key == dedupe_key)).scalar_one()
    late = (
        session.execute(
            select(WechatMessage)
            .where(
                WechatMessage.openid == this.openid,
                WechatMessage.id < this.id,
                WechatMessage.delivered.is_(False),
                WechatMessage.reply.is_not(None),
            )
            .order_by(WechatMessage.id)
        )
        .scalars()
        .all()
    )
    replies = []
    for row in [*late, this]:
        # a concurrent message of the same openid may take a late reply first; only one of them sends it
        taken = session.execute(
            update(WechatMessage)
            .where(WechatMessage.id == row.id, WechatMessage.delivered.is_(False))
            .values(delivered=True)
            .execution_options(synchronize_session=False)
        ).rowcount
        if (taken or row is this) and row.reply:
            replies.append(row.reply)
    session.flush()
    return replies


# --- Followers: phone binding and the last options ----------------------------------------------------------


def _user(session: Session, openid: str) -> WechatUser:
    now = utcnow()
    values = {"openid": openid, "buttons": [], "created_at": now, "updated_at": now}
    _insert_ignoring_conflict(session, WechatUser, values)
    return session.execute(select(WechatUser).where(WechatUser.openid == openid)).scalar_one()


def bound_phone(session: Session, openid: str) -> str | None:
    """The phone of the customer this openid was identified as, None before that."""
    return session.execute(select(WechatUser.phone).where(WechatUser.openid == openid)).scalar_one_or_none()


def bind_phone(session: Session, openid: str, phone: str) -> None:
    """Remember that `openid` is the customer with this phone (the number is normalised, else refused).

    Called only once the customer has proved the number with a one-time code (actions/_identity.py)."""
    number = normalize_phone(phone)
    if number is None:
        raise ValueError(f"not a mainland mobile number: {phone!r}")
    _user(session, openid).phone = number
    session.flush()


def unbind_phone(session: Session, openid: str) -> bool:
    """Forget the number bound to `openid`; True when one was bound."""
    taken = session.execute(
        update(WechatUser).where(WechatUser.openid == openid, WechatUser.phone.is_not(None)).values(phone=None)
    ).rowcount
    session.flush()
    return bool(taken)


def last_buttons(session: Session, openid: str) -> list[Button]:
    """The options of the bot's last reply to this openid ([] when it offered none)."""
    buttons = session.execute(select(WechatUser.buttons).where(WechatUser.openid == openid)).scalar_one_or_none()
    return list(buttons or [])


def remember_buttons(session: Session, openid: str, buttons: list[Button]) -> None:
    _user(session, openid).buttons = [{"title": b["title"], "payload": b["payload"]} for b in buttons]
    session.flush()
