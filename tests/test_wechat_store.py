"""The WeChat channel's shared state on SQLite and PostgreSQL: one claim per message, late replies, bindings."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.db.models import WechatUser
from bot.db.queries.wechat import (
    answer_message,
    bind_phone,
    bound_phone,
    claim_message,
    collect_replies,
    last_buttons,
    message_answered,
    remember_buttons,
)


def test_a_message_is_claimed_once(db_session: Session) -> None:
    assert claim_message(db_session, "msg:1", "openid-a")
    assert not claim_message(db_session, "msg:1", "openid-a")  # the retry
    assert claim_message(db_session, "msg:2", "openid-a")


def test_the_reply_is_kept_for_a_retry(db_session: Session) -> None:
    claim_message(db_session, "msg:1", "openid-a")
    assert not message_answered(db_session, "msg:1")
    answer_message(db_session, "msg:1", "您好")
    assert message_answered(db_session, "msg:1")
    assert collect_replies(db_session, "msg:1") == ["您好"]
    assert collect_replies(db_session, "msg:1") == ["您好"]  # WeChat retried: its answer was lost


def test_a_late_reply_goes_out_with_the_next_one_of_the_same_openid(db_session: Session) -> None:
    for key, openid in (("msg:1", "openid-a"), ("msg:2", "openid-b"), ("msg:3", "openid-a")):
        claim_message(db_session, key, openid)
        answer_message(db_session, key, f"reply {key}")
    assert collect_replies(db_session, "msg:3") == ["reply msg:1", "reply msg:3"]
    assert collect_replies(db_session, "msg:2") == ["reply msg:2"]
    claim_message(db_session, "msg:4", "openid-a")
    answer_message(db_session, "msg:4", "")  # nothing to say
    assert collect_replies(db_session, "msg:4") == []


def test_binding_and_buttons(db_session: Session) -> None:
    assert bound_phone(db_session, "openid-a") is None
    assert last_buttons(db_session, "openid-a") == []
    remember_buttons(db_session, "openid-a", [{"title": "好的", "payload": "/affirm", "extra": "dropped"}])
    bind_phone(db_session, "openid-a", "+86 189-1234-5678")
    assert bound_phone(db_session, "openid-a") == "18912345678"
    assert last_buttons(db_session, "openid-a") == [{"title": "好的", "payload": "/affirm"}]
    remember_buttons(db_session, "openid-a", [])
    assert last_buttons(db_session, "openid-a") == []
    assert bound_phone(db_session, "openid-a") == "18912345678"
    with pytest.raises(ValueError):
        bind_phone(db_session, "openid-a", "12345")


def test_the_database_refuses_a_phone_that_is_not_eleven_digits(db_session: Session) -> None:
    db_session.add(WechatUser(openid="openid-x", phone="1891234567a", buttons=[]))
    with pytest.raises(IntegrityError):
        db_session.flush()
