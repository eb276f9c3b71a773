"""Offer facts: the closed topic vocabulary, its validation, and the honesty of the shipped catalogue's facts."""

from __future__ import annotations

from typing import Any

import pytest

from bot.db.offer_facts import FACT_LABELS, FACT_TOPICS, parse_facts
from bot.db.offer_rules import RuleError
from bot.db.seed.offers import load_offer_catalogue

CATALOGUE = load_offer_catalogue()
BY_TYPE: dict[str, list[dict[str, Any]]] = {}
for _offer in CATALOGUE:
    BY_TYPE.setdefault(_offer["type"], []).append(_offer)

# What a customer asks about each kind of offer, so its facts must answer it (beyond effective and penalty).
TOPICS_BY_TYPE: dict[str, set[str]] = {
    "套餐升级": {"calls", "sms", "data", "number", "broadband"},
    "套餐降档": {"calls", "sms", "data", "number", "broadband"},  # a downgrade says what is lost
    "宽带提速": {"broadband"},
    "融合业务": {"broadband", "number"},
    "终端更换": {"device", "number"},
    "增值业务": {"data"},
    "流量包": {"data"},
    "保号套餐": {"calls", "sms", "data", "number", "broadband"},
}


def test_the_topics_are_the_closed_vocabulary_and_each_has_a_chinese_label() -> None:
    assert FACT_TOPICS == ("effective", "calls", "sms", "data", "broadband", "number", "penalty", "device")
    assert all(FACT_LABELS[topic] and not FACT_LABELS[topic].isascii() for topic in FACT_TOPICS)


def test_parse_facts_keeps_the_sentences_without_surrounding_blanks() -> None:
    assert parse_facts({"sms": " 可以接收短信。\n", "penalty": "没有违约金。"}) == {
        "sms": "可以接收短信。",
        "penalty": "没有违约金。",
    }
    assert parse_facts(None) == {} and parse_facts({}) == {}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"smss": "可以"}, r"offer X facts: unknown topic\(s\) \['smss'\]"),
        ({"sms": ""}, r"offer X facts\.sms: expected a non-empty sentence"),
        ({"calls": "   "}, r"offer X facts\.calls: expected a non-empty sentence"),
        ({"data": 10}, r"offer X facts\.data: expected a non-empty sentence, got 10"),
        ({"number": None}, r"offer X facts\.number: expected a non-empty sentence, got None"),
        ({"penalty": ["没有违约金"]}, r"offer X facts\.penalty: expected a non-empty sentence"),
        (["sms", "calls"], "offer X facts: expected a mapping"),
        ("没有违约金", "offer X facts: expected a mapping"),
    ],
)
def test_parse_facts_refuses_bad_data_naming_offer_and_key(data: Any, message: str) -> None:
    with pytest.raises(RuleError, match=message):
        parse_facts(data, "offer X facts")


# --- the shipped catalogue ------------------------------------------------------------------------------------


@pytest.mark.parametrize("offer", CATALOGUE, ids=lambda offer: offer["code"])
def test_every_offer_says_when_it_takes_effect_and_what_binds_the_customer(offer: dict[str, Any]) -> None:
    assert {"effective", "penalty"} <= set(offer["facts"])
    assert TOPICS_BY_TYPE.get(offer["type"], set()) <= set(offer["facts"])
    # "要签多久": whether there is a contract at all is said outright, also where nothing is signed.
    assert "协议" in offer["facts"]["penalty"] or "续约" in offer["facts"]["penalty"]


@pytest.mark.parametrize("offer", CATALOGUE, ids=lambda offer: offer["code"])
def test_a_term_is_stated_where_the_customer_reads_it(offer: dict[str, Any]) -> None:
    """term_months is a number for the bot; the customer must hear the same term in the penalty sentence."""
    if offer["term_months"] is not None:
        assert f"{offer['term_months']}个月" in offer["facts"]["penalty"]


def test_keep_number_plans_say_plainly_whether_sms_and_calls_work() -> None:
    plans = BY_TYPE["保号套餐"]
    assert len(plans) >= 2
    for plan in plans:
        facts = plan["facts"]
        assert "短信" in facts["sms"] and "验证码" in facts["sms"]
        assert "电话" in facts["calls"]
        suspended = "停机" in plan["name"]
        # 停机保号: no calls, no SMS, no data — said in the facts and not hidden in the description either.
        assert ("不能接收" in facts["sms"]) == suspended and ("可以正常接收" in facts["sms"]) != suspended
        assert ("不能接电话" in facts["calls"]) == suspended
        if suspended:
            assert "短信" in plan["description"] and "不能上网" in facts["data"]


def test_broadband_speed_ups_say_the_broadband_stays() -> None:
    for offer in BY_TYPE["宽带提速"]:
        assert "宽带照常使用" in offer["facts"]["broadband"]
        assert "账号" in offer["facts"]["broadband"]


def test_downgrades_say_what_is_lost() -> None:
    for offer in BY_TYPE["套餐降档"]:
        assert "不再" in offer["facts"]["data"]
        assert "协议期满" in offer["facts"]["effective"]  # matches eligibility out_of_contract
        assert offer["eligibility"].get("out_of_contract") is True

