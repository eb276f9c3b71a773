"""The dialogue core's rules on hand-built data: choices, offer suitability, promised times, strategies."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from bot import taxonomy
from bot.db.offer_rules import parse_suitability
from bot.flow.choice import Choice, resolve_choice
from bot.flow.decide import Identity, Message, decide
from bot.flow.facts import CustomerFacts, OfferFacts
from bot.flow.offer_policy import keep_number_plan, suitable_offers
from bot.flow.promises import CHINA_TIME, SERVICE_CLOSES, SERVICE_OPENS, promised_due
from bot.flow.state import FlowState, TicketPromise
from bot.flow.strategy import strategies


def _offer(  # type: ignore[no-untyped-def]
    code: str, name: str, kind: str, price: float | None, reasons: list[str], **kw
) -> OfferFacts:
    return OfferFacts(
        code=code, name=name, type=kind, monthly_price=None if price is None else Decimal(str(price)),
        one_off_value=None, term_months=kw.get("term"), description=f"{name}。",
        facts={"penalty": kw.get("penalty", "不需要签协议，没有违约金。"), "sms": "短信照常。"},
        rules=parse_suitability({"reasons": reasons, **({"usage": kw["usage"]} if "usage" in kw else {})}),
        eligible=kw.get("eligible", True),
    )


CATALOGUE = (
    _offer("DWN-59", "改签天翼畅享59元套餐", "套餐降档", 59, ["reason_price_high"], usage={"mou": {"max": 250}}),
    _offer("DWN-29", "改签天翼畅享29元套餐", "套餐降档", 29, ["reason_price_high"], usage={"mou": {"max": 120}}),
    _offer("DATA-10G", "每月10GB流量包", "流量包", 0, ["reason_price_high"]),
    _offer("KEEP-8", "8元保号套餐", "保号套餐", 8, ["reason_low_usage"]),
    _offer("KEEP-5", "5元停机保号", "保号套餐", 5, ["reason_low_usage"]),
    _offer("BB-1000M", "千兆宽带提速（每月加20元）", "宽带提速", 20, ["reason_network_quality"]),
    _offer("BB-500M", "宽带免费提速至500M", "宽带提速", 0, ["reason_network_quality"]),
    _offer("UPG-79", "升级5G畅享79元套餐", "套餐升级", 79, ["reason_contract_end"], penalty="需要续约12个月。"),
)


def _customer(mou: int, dou_mb: int, cost: float, **kw) -> CustomerFacts:  # type: ignore[no-untyped-def]
    return CustomerFacts(
        customer_id=1, name="王先生", phone="13800000000", has_broadband=True, plan_fee=Decimal(str(cost)),
        tenure_months=kw.get("tenure", 24), contract_running=False, contract_end=None,
        contract_known=kw.get("known", True), monthly_cost=Decimal(str(cost)), mou=mou,
        dou_mb=dou_mb, churn_band=kw.get("band"), offers=CATALOGUE,
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("好，就办8元那个", "KEEP-8"),
        ("第二个", "KEEP-5"),
        ("最便宜那个", "KEEP-5"),
        ("好，就辦停機保號", "KEEP-5"),
        ("那就保号吧", "KEEP-5"),
        ("好的，就办这个", "KEEP-5"),
    ],
)
def test_a_choice_is_resolved_by_price_order_superlative_name_or_type(text: str, expected: str) -> None:
    proposed = [CATALOGUE[3], CATALOGUE[4]]
    assert resolve_choice(text, proposed, CATALOGUE).code == expected


@pytest.mark.parametrize("text", ["行吧，那就等你们消息", "我再考虑考虑", "行，那就这样，谢谢"])
def test_putting_off_picks_nothing(text: str) -> None:
    assert resolve_choice(text, [CATALOGUE[3]], CATALOGUE).code is None


def test_a_price_complaint_gets_a_cheaper_plan_covering_usage_never_a_data_pack() -> None:
    light = [o.code for o in suitable_offers(_customer(100, 3000, 128), strategies(), "reason_price_high")]
    assert light and set(light) <= {"DWN-59", "DWN-29"}
    heavy = suitable_offers(_customer(375, 5000, 128), strategies(), "reason_price_high")
    assert heavy == []  # no cheaper plan covers 375 minutes


def test_the_generous_offer_comes_first_for_a_customer_at_risk() -> None:
    calm = suitable_offers(_customer(100, 3000, 128, band="低"), strategies(), "reason_price_high")
    at_risk = suitable_offers(_customer(100, 3000, 128, band="高"), strategies(), "reason_price_high")
    assert [o.code for o in calm] == ["DWN-59", "DWN-29"] and [o.code for o in at_risk] == ["DWN-29", "DWN-59"]


def test_keep_number_plans_only_for_light_users() -> None:
    assert keep_number_plan(_customer(20, 200, 30), strategies()).code == "KEEP-5"
    assert keep_number_plan(_customer(375, 200, 30), strategies()) is None
    assert keep_number_plan(_customer(20, 34 * 1024, 30), strategies()) is None


def test_a_fault_gets_no_paid_upgrade_and_contract_end_no_recontract_first() -> None:
    assert [o.code for o in suitable_offers(_customer(300, 9000, 99), strategies(), "reason_network_quality")] == [
        "BB-500M"
    ]
    assert suitable_offers(_customer(300, 9000, 99), strategies(), "reason_contract_end", first=True) == []


@pytest.mark.parametrize("hour", range(24))
def test_promised_times_fall_in_service_hours_and_never_before_the_default(hour: int) -> None:
    now = datetime(2026, 12, 6, hour, 17, tzinfo=CHINA_TIME).astimezone(timezone.utc)
    for hours in (4, 24, 48):
        due = promised_due(now, timedelta(hours=hours))
        local = due.astimezone(CHINA_TIME).time()
        assert SERVICE_OPENS <= local <= SERVICE_CLOSES
        assert due - now >= timedelta(hours=hours)


def test_every_reason_has_a_strategy_and_an_empathy_and_acknowledgement_line() -> None:
    from bot.corpus import default_corpus

    names = set(default_corpus().response_names())
    for reason in taxonomy.reason_intents():
        assert strategies().of(reason) is not None
        short = reason.removeprefix("reason_")
        assert {f"utter_empathize_{short}", f"utter_acknowledge_{short}"} <= names


def test_an_emotional_first_reason_is_heard_and_probed_never_answered_with_an_offer() -> None:
    facts = _customer(100, 3000, 128)
    decision = decide(FlowState(), Message("reason_price_high", "emotional", "太贵了！！"), Identity(facts=facts))
    assert decision.propose == [] and decision.open_tickets == []
    assert [line.response for line in decision.lines][-2:] == ["utter_empathize_price_high", "utter_probe_other_reason"]
    then = decide(decision.state, Message("deny", "none", "没有了"), Identity(facts=facts))
    assert then.propose == ["DWN-59"]
    refused = decide(then.state, Message("reject_offer", "none", "都不要，别推荐了"), Identity(facts=facts))
    assert refused.propose == [] and refused.reject == ["DWN-59"] and refused.outcome == "lost"
    assert decide(refused.state, Message("request_cancel", "none", "我要销户"), Identity(facts=facts)).propose == []


def test_an_accept_only_leads_to_a_confirmation_and_a_yes_enrols() -> None:
    facts = _customer(100, 3000, 128)
    state = FlowState(reason="reason_price_high", need="rational", reason_status="confirmed", replies=2,
                      proposed=["DWN-59"], on_table="DWN-59", last_step="propose")
    chose = decide(state, Message("accept_offer", "none", "好，就办这个"), Identity(facts=facts))
    assert chose.enrol is None and chose.state.pending == "DWN-59"
    assert [line.response for line in chose.lines] == ["utter_confirm_enrolment"]
    yes = decide(chose.state, Message("affirm", "none", "确认"), Identity(facts=facts))
    assert yes.enrol == "DWN-59" and yes.outcome == "retained"
    no = decide(chose.state, Message("deny", "none", "算了先不办"), Identity(facts=facts))
    assert no.enrol is None and no.outcome is None
    unsuitable = decide(state, Message("accept_offer", "none", "给我办千兆提速"), Identity(facts=facts))
    assert unsuitable.state.pending is None and unsuitable.lines[0].response == "utter_offer_not_suitable"


def test_taking_back_a_no_puts_the_refused_offer_again_for_confirmation() -> None:
    facts = _customer(100, 3000, 128)
    state = FlowState(reason="reason_price_high", need="rational", reason_status="confirmed", replies=2,
                      proposed=["DWN-59"], on_table="DWN-59", last_step="propose")
    refused = decide(state, Message("reject_offer", "none", "算了，都不要了"), Identity(facts=facts))
    assert refused.reject == ["DWN-59"] and refused.state.on_table is None
    back = decide(refused.state, Message("accept_offer", "none", "想了想，还是办了吧"), Identity(facts=facts))
    assert back.enrol is None and back.state.pending == "DWN-59" and "DWN-59" not in back.state.rejected
    assert [line.response for line in back.lines] == ["utter_confirm_enrolment"]
    yes = decide(back.state, Message("affirm", "none", "确认"), Identity(facts=facts))
    assert yes.enrol == "DWN-59" and yes.outcome == "retained"
    plain = decide(refused.state, Message("accept_offer", "none", "好的"), Identity(facts=facts))
    assert plain.enrol is None and plain.state.pending is None  # a bare yes after a no takes nothing back


@pytest.mark.parametrize("intent", ["accept_offer", "affirm"])
def test_a_yes_to_leaving_is_insisting_on_leaving_never_a_choice(intent: str) -> None:
    facts = _customer(300, 9000, 29)
    state = FlowState(reason="reason_price_high", need="rational", reason_status="heard", replies=4, last_step="probe")
    leaving = decide(state, Message(intent, "none", "那我还是转走吧"), Identity(facts=facts))
    assert [line.response for line in leaving.lines] == ["utter_retain_number_advice"] and leaving.enrol is None
    staying = decide(state, Message(intent, "none", "好吧，不转网了"), Identity(facts=facts))
    assert "utter_retain_number_advice" not in [line.response for line in staying.lines]


def test_an_unknown_contract_is_checked_never_denied() -> None:
    question = Message("ask_product_fact", "none", "我合约什么时候到期？")
    known = decide(FlowState(), question, Identity(facts=_customer(90, 900, 60)))
    assert [line.response for line in known.lines][-1] == "utter_no_contract"
    facts = _customer(90, 900, 60, known=False)
    unknown = decide(FlowState(), question, Identity(facts=facts))
    assert "utter_no_contract" not in [line.response for line in unknown.lines]
    assert unknown.open_tickets == ["callback"]


def test_people_are_no_place_and_a_demand_before_any_reason_is_no_choice() -> None:
    from bot.flow.decide import place_in

    assert place_in("人家那边的客户经理天天打电话") is None and place_in("成都那边能装吗") == "成都"
    facts = _customer(100, 3000, 128)
    first = decide(FlowState(), Message("reason_device_problem", "rational", "我要求把这台问题机直接换成新机"),
                   Identity(facts=facts))
    assert first.state.pending is None and "utter_confirm_enrolment" not in [line.response for line in first.lines]


def _with_ticket(kind: str, reason: str) -> FlowState:
    return FlowState(reason=reason, need="rational", reason_status="confirmed", replies=2, last_step="fix",
                     tickets={kind: TicketPromise(id="7", due="12月9日 18:00前")})


def test_a_first_question_about_a_fix_quotes_it_and_pressing_escalates_the_same_ticket() -> None:
    facts = _customer(300, 9000, 99)
    state = _with_ticket("device_repair", "reason_device_problem")
    first = decide(state, Message("ask_ticket_progress", "rational", "能修吗？要多久？"), Identity(facts=facts))
    assert [line.response for line in first.lines] == ["utter_ticket_status"] and first.escalate == []
    again = decide(first.state, Message("ask_ticket_progress", "rational", "要多久啊"), Identity(facts=facts))
    assert again.escalate == ["device_repair"] and again.open_tickets == []


@pytest.mark.parametrize("text", ["换光猫要钱吗", "那能不能给我换个新的光猫"])
def test_a_question_about_the_fix_the_bot_cannot_answer_goes_into_its_ticket(text: str) -> None:
    facts = _customer(300, 9000, 99)
    state = _with_ticket("device_repair", "reason_device_problem")
    asked = decide(state, Message("ask_product_fact", "rational", text), Identity(facts=facts))
    assert [(line.response, line.ticket) for line in asked.lines] == [("utter_question_noted", "device_repair")]
    assert asked.note == ["device_repair"] and asked.open_tickets == [] and asked.escalate == []
    for intent in ("ask_ticket_progress", "ask_product_fact"):
        when = decide(state, Message(intent, "rational", "光猫什么时候能修好"), Identity(facts=facts))
        assert [line.response for line in when.lines] == ["utter_ticket_status"]
        assert when.note == [] and when.open_tickets == []  # the promise quoted, no second ticket


def test_a_broken_modem_told_as_a_network_fault_is_the_device_ticket_already_open() -> None:
    facts = _customer(300, 9000, 99)
    state = _with_ticket("device_repair", "reason_device_problem")
    modem = decide(state, Message("reason_network_quality", "rational", "就是光猫的问题"), Identity(facts=facts))
    assert modem.open_tickets == []
    other = decide(state, Message("reason_network_quality", "rational", "家里信号也差"), Identity(facts=facts))
    assert other.open_tickets == ["network_repair"]  # a weak signal is a problem of its own


def test_the_fault_behind_an_unresolved_repair_is_complained_about_not_filed_again() -> None:
    facts = _customer(300, 9000, 99)
    heard = decide(FlowState(), Message("reason_unresolved_problem", "emotional", "宽带报修三次了没人来修！！"),
                   Identity(facts=facts))
    assert heard.open_tickets == []
    fault = decide(heard.state, Message("reason_network_quality", "emotional", "孩子上网课天天断"), Identity(facts=facts))
    assert fault.open_tickets == ["complaint"]


def test_asking_for_the_complaint_line_files_the_complaint_instead_of_a_call_back() -> None:
    facts = _customer(300, 9000, 99)
    state = FlowState(reason="reason_poor_service", need="emotional", reason_status="confirmed", replies=2)
    asked = decide(state, Message("request_human", "emotional", "給我投訴電話，這個客服要處理"), Identity(facts=facts))
    assert asked.open_tickets == ["complaint"] and not asked.handoff and asked.outcome is None


def test_money_back_for_a_wrong_charge_is_the_bill_check_not_compensation() -> None:
    facts = _customer(300, 9000, 99)
    heard = decide(FlowState(), Message("reason_billing_error", "emotional", "多扣了我30块，彩铃我从来没开过！"),
                   Identity(facts=facts))
    assert heard.open_tickets == []  # the feeling first
    refund = decide(heard.state, Message("request_compensation", "rational", "对，就是这个，我要退钱"),
                    Identity(facts=facts))
    assert refund.open_tickets == ["billing_check"] and refund.state.reason_status == "confirmed"
    assert [line.response for line in refund.lines] == ["utter_refund_after_check"]
    asked = decide(heard.state, Message("request_compensation", "rational", "耽误我这么多时间，得给我补偿"),
                   Identity(facts=facts))
    assert asked.open_tickets == ["compensation_review"]  # compensation asked for in words is its review


def test_general_help_is_not_offered_over_and_over_to_someone_who_declined_the_number() -> None:
    helped = FlowState(reason="reason_network_quality", need="emotional", reason_status="heard", replies=2,
                       phone_asks=1, general_help_given=True, last_step="general_help")
    upset = decide(helped, Message("reason_network_quality", "emotional", "说了不给！你们烦不烦"), Identity())
    assert "utter_no_more_asking" in [line.response for line in upset.lines]
    assert not [line for line in upset.lines if line.response.startswith("utter_ask_phone")]
    let_go = decide(upset.state, Message("deny", "none", "算了"), Identity())
    assert [line.response for line in let_go.lines] == ["utter_close_unidentified"] and let_go.state.closed


def test_an_angry_first_complaint_is_heard_before_the_complaint_is_filed() -> None:
    facts = _customer(300, 9000, 99)
    first = decide(FlowState(), Message("reason_poor_service", "emotional", "营业厅的人爱答不理！我要投诉，然后销号"),
                   Identity(facts=facts))
    responses = [line.response for line in first.lines]
    assert responses[:2] == ["utter_greet", "utter_empathize_poor_service"] and first.open_tickets == ["complaint"]
    assert first.state.reason == "reason_poor_service" and first.state.reason_status == "heard"


def test_asking_when_the_call_back_comes_quotes_the_call_back_not_the_repair() -> None:
    facts = _customer(300, 9000, 99)
    state = _with_ticket("complaint", "reason_poor_service")
    state.tickets["callback"] = TicketPromise(id="8", due="12月7日 10:00前")
    asked = decide(state, Message("ask_ticket_progress", "rational", "多久给我回电话"), Identity(facts=facts))
    assert [(line.response, line.ticket) for line in asked.lines] == [("utter_ticket_status", "callback")]
    repair = decide(state, Message("ask_ticket_progress", "rational", "处理得怎么样了"), Identity(facts=facts))
    assert [line.ticket for line in repair.lines] == ["complaint"]


def test_an_offer_that_binds_comes_after_a_free_one_of_the_same_kind() -> None:
    catalogue = (
        _offer("DEV-BIND", "新机直降500元（续约24个月）", "终端更换", None, ["reason_device_problem"],
               penalty="需要续约24个月。"),
        _offer("DEV-FREE", "以旧换新补贴300元", "终端更换", None, ["reason_device_problem"]),
    )
    facts = _customer(300, 9000, 99)
    offers = suitable_offers(replace(facts, offers=catalogue), strategies(), "reason_device_problem")
    assert [o.code for o in offers] == ["DEV-FREE", "DEV-BIND"]


@pytest.mark.parametrize("text", ["确认", "確認", "好的", "对"])
def test_a_plain_yes_to_a_confirmation_enrols_even_when_the_nlu_is_unsure(text: str) -> None:
    facts = _customer(100, 3000, 128)
    state = FlowState(reason="reason_price_high", need="rational", reason_status="confirmed", replies=3,
                      proposed=["DWN-59"], on_table="DWN-59", pending="DWN-59", last_step="confirm")
    yes = decide(state, Message("nlu_fallback", "none", text), Identity(facts=facts))
    assert yes.enrol == "DWN-59"
    unsure = decide(state, Message("nlu_fallback", "none", "确认一下是多少钱"), Identity(facts=facts))
    assert unsure.enrol is None


def test_no_other_reason_confirms_the_reason_heard_whatever_the_rest_was_read_as() -> None:
    facts = _customer(20, 200, 29)
    heard = decide(FlowState(), Message("reason_low_usage", "rational", "这个号半年没打过电话了"), Identity(facts=facts))
    answer = Message("reason_price_high", "rational", "沒有別的原因，就是放著沒用")
    confirmed = decide(heard.state, answer, Identity(facts=facts))
    assert confirmed.state.reason == "reason_low_usage" and confirmed.state.reason_status == "confirmed"
    other = decide(heard.state, Message("reason_price_high", "rational", "主要是太贵了"), Identity(facts=facts))
    assert other.state.reason == "reason_price_high"


def test_no_keep_number_plan_is_put_unasked_to_a_customer_who_needs_the_numbers_sms() -> None:
    light = _customer(20, 200, 29)
    assert keep_number_plan(light, strategies()) is not None
    assert keep_number_plan(light, strategies(), needs_sms=True) is None
    asked = keep_number_plan(light, strategies(), needs_sms=True, light_only=False)
    assert asked is not None and asked.type == "保号套餐"
    assert all(o.type != "保号套餐" for o in suitable_offers(light, strategies(), "reason_low_usage", needs_sms=True))


@pytest.mark.parametrize("text", ["保号的话还能收银行短信吗", "保號的話還能收銀行簡訊嗎"])
def test_a_question_about_sms_in_either_script_is_the_sms_fact_and_the_need_for_it(text: str) -> None:
    facts = _customer(20, 200, 29)
    state = FlowState(reason="reason_low_usage", need="rational", reason_status="confirmed", replies=2)
    asked = decide(state, Message("ask_product_fact", "none", text), Identity(facts=facts))
    assert asked.state.needs_sms and asked.propose == []
    assert [(line.response, line.params["fact"]) for line in asked.lines] == [("utter_offer_fact", "短信照常。")]


def test_this_one_after_the_sms_answer_is_the_keep_number_plan_that_keeps_sms() -> None:
    no_sms = replace(CATALOGUE[4], facts={**CATALOGUE[4].facts, "sms": "停机保号期间不能接收短信；需要收验证码的话请选8元保号套餐。"})
    facts = replace(_customer(20, 200, 29), offers=(*CATALOGUE[:4], no_sms))
    state = FlowState(reason="reason_low_usage", need="rational", reason_status="confirmed", replies=2)
    asked = decide(state, Message("ask_product_fact", "none", "保号能收短信吗"), Identity(facts=facts))
    assert asked.state.discussed == "KEEP-5" and asked.state.needs_sms
    chose = decide(asked.state, Message("accept_offer", "none", "那就办这个吧"), Identity(facts=facts))
    assert chose.state.pending == "KEEP-8" and chose.enrol is None
    assert chose.lines[-1].response == "utter_confirm_enrolment"


def test_saying_there_is_no_reason_is_no_reason_whatever_the_nlu_read() -> None:
    facts = _customer(20, 200, 39)
    opened = decide(FlowState(), Message("request_cancel", "none", "我要销号"), Identity(facts=facts))
    vague = decide(opened.state, Message("reason_low_usage", "emotional", "不为什么，就是想销"), Identity(facts=facts))
    assert vague.state.reason is None and vague.propose == []
    unsure = Message("nlu_fallback", "emotional", "不为什么，就是想销", guess="reason_low_usage")
    assert decide(opened.state, unsure, Identity(facts=facts)).state.reason is None
    told = decide(vague.state, Message("reason_low_usage", "rational", "这个号基本不用了"), Identity(facts=facts))
    assert told.state.reason == "reason_low_usage" and told.propose == []  # a first reason is probed, not sold to


@pytest.mark.parametrize("text", ["谢谢，拜拜", "多谢啦"])
def test_a_short_thanks_or_goodbye_closes_even_when_the_nlu_is_unsure(text: str) -> None:
    facts = _customer(20, 200, 39)
    state = FlowState(reason="reason_low_usage", need="rational", reason_status="confirmed", replies=5,
                      closed=True, last_step="closed")
    closing = decide(state, Message("nlu_fallback", "none", text), Identity(facts=facts))
    responses = [line.response for line in closing.lines]
    assert "utter_ask_rephrase" not in responses and "utter_default" not in responses, responses


def test_with_nothing_suitable_a_choice_or_a_second_ask_is_told_plainly() -> None:
    heavy = _customer(375, 5000, 128)  # no cheaper plan covers 375 minutes
    state = FlowState(reason="reason_price_high", need="rational", reason_status="confirmed", replies=3)
    first = decide(state, Message("ask_offer", "none", "有没有便宜点的"), Identity(facts=heavy))
    assert [line.response for line in first.lines] == ["utter_no_better_offer"] and first.propose == []
    again = decide(first.state, Message("ask_offer", "none", "真的没有便宜的吗"), Identity(facts=heavy))
    assert [line.response for line in again.lines] == ["utter_no_better_offer"]
    chose = decide(again.state, Message("accept_offer", "none", "好，就办这个"), Identity(facts=heavy))
    assert [line.response for line in chose.lines] == ["utter_no_offer_yet"] and chose.enrol is None


@pytest.mark.parametrize("text", ["那算了 我再看看", "算了吧，不弄了"])
def test_letting_it_go_read_as_a_yes_turns_the_offer_down_never_confirms_it(text: str) -> None:
    facts = _customer(100, 3000, 128)
    state = FlowState(reason="reason_price_high", need="rational", reason_status="confirmed", replies=3,
                      proposed=["DWN-59"], on_table="DWN-59", last_step="keep_number")
    dropped = decide(state, Message("accept_offer", "none", text), Identity(facts=facts))
    assert dropped.state.pending is None and dropped.enrol is None
    assert "utter_confirm_enrolment" not in [line.response for line in dropped.lines]
    assert dropped.reject == ["DWN-59"] and dropped.outcome is None
    if "看看" in text:
        assert [line.response for line in dropped.lines] == ["utter_take_your_time"]  # no next offer, no farewell


def test_that_will_do_after_an_offer_with_a_fix_promised_is_no_choice() -> None:
    # 「好 就这样吧」 ends the talk about the repair; the trade-in put beside it is not chosen by it.
    facts = _customer(300, 9000, 99)
    state = _with_ticket("network_repair", "reason_network_quality")
    state.proposed, state.on_table, state.last_step = ["DWN-59"], "DWN-59", "propose"
    done = decide(state, Message("accept_offer", "none", "好 就这样吧"), Identity(facts=facts))
    assert done.state.pending is None and done.enrol is None
    assert "utter_confirm_enrolment" not in [line.response for line in done.lines]


@pytest.mark.parametrize("intent", ["ask_offer", "affirm", "nlu_fallback"])
def test_asking_whether_they_will_pay_for_it_is_a_compensation_request_never_an_offer(intent: str) -> None:
    facts = _customer(300, 9000, 99)
    state = _with_ticket("network_repair", "reason_network_quality")
    guess = "ask_offer" if intent == "nlu_fallback" else None  # below the threshold, as the running bot read it
    message = Message(intent, "rational", "行吧 要是明天还不来怎么办，你们赔不赔", guess=guess)
    asked = decide(state, message, Identity(facts=facts))
    assert asked.propose == [] and asked.open_tickets == ["compensation_review"]
    assert [line.response for line in asked.lines][0] == "utter_acknowledge_compensation"


@pytest.mark.parametrize(("text", "intent"), [("刚才那个以旧换新我没要办 给我取消", "ask_offer_details"),
                                              ("取消！", "ask_offer_details"), ("给我退掉", "nlu_fallback"),
                                              ("我没同意办，能给我撤销吗？", "ask_offer_details")])
def test_an_enrolment_taken_back_is_withdrawn(text: str, intent: str) -> None:
    facts = _customer(100, 3000, 128)
    state = FlowState(reason="reason_price_high", need="rational", reason_status="confirmed", replies=4,
                      proposed=["DWN-59"], enrolled="DWN-59", outcome="retained", closed=True, last_step="closed")
    back = decide(state, Message(intent, "none", text), Identity(facts=facts))
    assert back.withdraw == "DWN-59" and back.state.enrolled is None and back.state.outcome is None
    assert [line.response for line in back.lines] == ["utter_enrolment_withdrawn"]
    leaving = decide(state, Message("request_cancel", "none", "算了，我还是要销户"), Identity(facts=facts))
    assert leaving.withdraw is None  # leaving is not taking the plan back
    sure = decide(back.state, Message("ask_offer_details", "none", "那到底取消了没有"), Identity(facts=facts))
    assert [line.response for line in sure.lines] == ["utter_enrolment_withdrawn"] and sure.withdraw is None
    later = decide(state, Message("ask_offer_details", "none", "以后想取消的话要怎么弄？"), Identity(facts=facts))
    assert later.withdraw is None and later.state.enrolled == "DWN-59"


@pytest.mark.parametrize("text", ["我合约到期了吧？", "我的协议是不是到期了", "合约到期没有"])
def test_asking_whether_the_contract_has_ended_is_answered_from_the_account(text: str) -> None:
    asked = decide(FlowState(), Message("reason_contract_end", "none", text), Identity(facts=_customer(90, 900, 60)))
    assert "utter_no_contract" in [line.response for line in asked.lines]



@pytest.mark.parametrize(("intent", "text"), [("affirm", "好的 那我先不转了 谢谢"), ("deny", "算了，不销了"),
                                              ("thank", "那还是留下吧，谢谢你")])
def test_deciding_to_stay_closes_retained_and_enrols_nothing(intent: str, text: str) -> None:
    facts = _customer(100, 3000, 128)
    state = FlowState(reason="reason_price_high", need="rational", reason_status="confirmed", replies=3,
                      proposed=["KEEP-8"], on_table="KEEP-8", last_step="fact")
    stays = decide(state, Message(intent, "none", text), Identity(facts=facts))
    assert stays.enrol is None and stays.state.pending is None and stays.reject == []
    assert stays.outcome == "retained" and [line.response for line in stays.lines] == ["utter_close_success"]
    asked = decide(state, Message("ask_product_fact", "none", "不转了的话保号还要办吗？"), Identity(facts=facts))
    assert asked.outcome is None  # a question, not the decision



def test_asking_how_to_cancel_first_thing_is_answered_and_then_asked_why_once() -> None:
    facts = _customer(100, 3000, 128)
    first = decide(FlowState(), Message("ask_how_to_leave", "none", "在吗 我想問下銷戶"), Identity(facts=facts))
    assert [line.response for line in first.lines][-2:] == ["utter_how_to_leave_cancel", "utter_probe_reason"]
    again = decide(first.state, Message("ask_how_to_leave", "none", "要带什么证件"), Identity(facts=facts))
    assert "utter_probe_reason" not in [line.response for line in again.lines]


@pytest.mark.parametrize("reason_status", ["none", "confirmed"])
def test_an_operator_named_with_那边_is_no_place(reason_status: str) -> None:
    state = FlowState(reason="reason_competitor_offer" if reason_status == "confirmed" else None,
                      reason_status=reason_status, need="rational", replies=2)
    message = Message("reason_competitor_offer", "rational", "移动那边19块就有30G流量，你们这个才几个G",
                      entities={"competitor": "中国移动"})
    said = decide(state, message, Identity(facts=_customer(300, 9000, 99)))
    assert said.state.place is None
    assert not [line for line in said.lines if "移动也一样" in line.params.get("fact", "")]


@pytest.mark.parametrize("intent", ["reason_poor_service", "reason_network_quality", "out_of_scope"])
def test_asking_whether_a_place_is_served_is_a_coverage_question_never_a_complaint(intent: str) -> None:
    asked = decide(FlowState(), Message(intent, "none", "成都那边你们有服务吗？"), Identity(facts=_customer(300, 9000, 99)))
    assert asked.open_tickets == ["home_visit"] and asked.state.place == "成都"
    assert "complaint" not in asked.open_tickets
    told = decide(FlowState(), Message("reason_network_quality", "emotional", "在成都那边信号太差了"),
                  Identity(facts=_customer(300, 9000, 99)))
    assert "home_visit" not in told.open_tickets  # a complaint about a place, not a question


@pytest.mark.parametrize(("text", "kind"), [("单号2 什么时候答复", "compensation_review"),
                                            ("那个9号工单怎么样了", "network_repair"),
                                            ("补偿的那个什么时候有结果", "compensation_review")])
def test_a_question_about_one_of_several_tickets_is_answered_with_that_ticket(text: str, kind: str) -> None:
    state = _with_ticket("network_repair", "reason_network_quality")
    state.tickets = {"network_repair": TicketPromise(id="9", due="12月9日 09:00前"),
                     "compensation_review": TicketPromise(id="2", due="12月8日 09:00前")}
    asked = decide(state, Message("ask_ticket_progress", "rational", text), Identity(facts=_customer(300, 9000, 99)))
    assert [(line.response, line.ticket) for line in asked.lines] == [("utter_ticket_status", kind)]


def test_saying_they_did_not_ask_for_it_when_nothing_was_enrolled_is_told_so() -> None:
    facts = _customer(100, 3000, 128)
    state = FlowState(reason="reason_price_high", need="rational", reason_status="confirmed", replies=3,
                      proposed=["DWN-59"], on_table="DWN-59", last_step="propose")
    told = decide(state, Message("request_cancel", "none", "我没要办，给我取消"), Identity(facts=facts))
    assert [line.response for line in told.lines] == ["utter_nothing_enrolled"]
    assert told.outcome is None and told.withdraw is None and told.enrol is None
    state.pending, state.last_step = "DWN-59", "confirm"
    pending = decide(state, Message("request_cancel", "none", "我没说要办啊"), Identity(facts=facts))
    assert [line.response for line in pending.lines] == ["utter_not_enrolled"] and pending.state.pending is None



@pytest.mark.parametrize("intent", ["reason_unresolved_problem", "reason_poor_service", "affirm"])
def test_asking_for_time_to_think_is_given_it_whatever_reason_the_nlu_read(intent: str) -> None:
    state = _with_ticket("network_repair", "reason_network_quality")
    state.proposed, state.on_table, state.last_step = ["DWN-59"], "DWN-59", "propose"
    thinking = decide(state, Message(intent, "emotional", "等等 我再想想"), Identity(facts=_customer(300, 9000, 99)))
    assert thinking.open_tickets == [] and thinking.escalate == [] and thinking.enrol is None
    # The promise stands (「按工单跟进」): no complaint filed, nothing escalated, nothing sold.
    assert [line.response for line in thinking.lines] == ["utter_fix_agreed"]


@pytest.mark.parametrize("text", ["违约金多少", "提前解约违约金多少钱"])
def test_the_penalty_for_leaving_a_contract_is_never_a_guess(text: str) -> None:
    from datetime import date

    free = decide(FlowState(), Message("ask_how_to_leave", "none", text), Identity(facts=_customer(90, 900, 60)))
    assert "utter_no_contract_penalty" in [line.response for line in free.lines] and free.open_tickets == []
    bound = replace(_customer(90, 900, 60), contract_running=True, contract_end=date(2027, 3, 18))
    held = decide(FlowState(), Message("ask_offer_details", "none", text), Identity(facts=bound))
    lines = [line.response for line in held.lines]
    assert "utter_contract_penalty_check" in lines and held.open_tickets == ["callback"]
    unknown = decide(FlowState(), Message("ask_product_fact", "none", text), Identity(facts=_customer(90, 900, 60, known=False)))
    assert "utter_no_contract_penalty" not in [line.response for line in unknown.lines]
    about_offer = decide(FlowState(), Message("ask_offer_details", "none", "这个方案提前取消要违约金吗"),
                         Identity(facts=bound))
    assert "utter_contract_penalty_check" not in [line.response for line in about_offer.lines]


def test_a_yes_with_no_ticket_held_is_never_told_the_promise_stands() -> None:
    # last_step "fix" without a ticket (an unidentified customer told the fix comes with the number)
    state = FlowState(reason="reason_network_quality", need="rational", reason_status="confirmed", replies=2,
                      last_step="fix")
    yes = decide(state, Message("affirm", "none", "嗯"), Identity(facts=_customer(300, 9000, 99)))
    assert "utter_fix_agreed" not in [line.response for line in yes.lines]


def test_what_a_catalogue_product_is_is_answered_from_the_catalogue_not_a_call_back() -> None:
    asked = decide(FlowState(), Message("ask_product_fact", "none", "千兆宽带提速是啥"),
                   Identity(facts=_customer(300, 9000, 99)))
    assert [line.response for line in asked.lines][-1] == "utter_offer_details" and asked.open_tickets == []


def test_a_phone_blamed_for_the_signal_fault_already_filed_is_that_ticket() -> None:
    facts = _customer(300, 9000, 99)
    state = _with_ticket("network_repair", "reason_network_quality")
    phone = decide(state, Message("reason_device_problem", "rational", "是不是手机系统更新以后5G信号就没了"),
                   Identity(facts=facts))
    assert phone.open_tickets == []
    broken = decide(state, Message("reason_device_problem", "rational", "手机还老是死机"), Identity(facts=facts))
    assert broken.open_tickets == ["device_repair"]  # a broken phone is a problem of its own


def test_a_ticket_number_not_on_the_account_is_said_not_found_never_another_quoted() -> None:
    state = _with_ticket("network_repair", "reason_network_quality")
    asked = decide(state, Message("ask_ticket_progress", "none", "单号6是什么情况"), Identity(facts=_customer(300, 9000, 99)))
    assert [(line.response, line.params) for line in asked.lines] == [("utter_ticket_not_found", {"ticket_number": "6"})]
    own = decide(state, Message("ask_ticket_progress", "none", "单号7是什么情况"), Identity(facts=_customer(300, 9000, 99)))
    assert [line.response for line in own.lines] == ["utter_ticket_status"]


def test_yes_after_yes_to_how_can_i_help_ends_politely_instead_of_asking_again_and_again() -> None:
    state, said = FlowState(), []
    for turn_number, text in enumerate(("嗯", "好", "行", "嗯嗯")):
        turn = decide(state, Message("affirm", "none", text), Identity(facts=_customer(300, 9000, 99)))
        said += [line.response for line in turn.lines]
        state = turn.state
        state.said += [f"{line.response}#{turn_number}" for line in turn.lines]  # as rendering records them
    assert said.count("utter_ask_how_to_help") <= 3 and "utter_goodbye" in said


def test_asking_for_the_ticket_number_is_told_the_number_not_noted_as_a_question() -> None:
    state = _with_ticket("network_repair", "reason_network_quality")
    asked = decide(state, Message("ask_ticket_progress", "rational", "单号多少来着"), Identity(facts=_customer(300, 9000, 99)))
    assert [(line.response, line.ticket) for line in asked.lines] == [("utter_ticket_status", "network_repair")]
    assert asked.note == []


@pytest.mark.parametrize("text", ["那到期以后呢", "合约结束后能降吗"])
def test_what_the_contract_end_opens_is_answered_whatever_the_nlu_read(text: str) -> None:
    from datetime import date

    waiting = tuple(
        replace(o, eligible=False, why_not=("协议期内（2027-03-18 到期）不可办理",)) if o.type == "套餐降档" else o
        for o in CATALOGUE
    )
    bound = replace(_customer(100, 3000, 128), contract_running=True, contract_end=date(2027, 3, 18), offers=waiting)
    state = FlowState(reason="reason_price_high", need="rational", reason_status="confirmed", replies=2)
    asked = decide(state, Message("deny", "none", text), Identity(facts=bound))
    assert [(line.response, line.offer) for line in asked.lines] == [
        ("utter_no_offer_in_contract", "DWN-59")
    ]
    assert asked.propose == [] and asked.open_tickets == []
    unheard = decide(FlowState(replies=1), Message("request_cancel", "none", text), Identity(facts=bound))
    assert [line.response for line in unheard.lines] == ["utter_contract_end"]


def test_a_reason_the_customer_denies_is_forgotten_and_asked_again_or_replaced() -> None:
    facts = _customer(100, 3000, 128)
    heard = decide(FlowState(), Message("reason_poor_service", "emotional", "你们太气人了"), Identity(facts=facts))
    assert heard.state.reason == "reason_poor_service"
    denied = decide(heard.state, Message("reason_poor_service", "emotional", "我没说你们态度不好"), Identity(facts=facts))
    assert denied.state.reason is None and [line.response for line in denied.lines] == ["utter_reason_misheard"]
    assert denied.propose == [] and denied.open_tickets == []
    other = decide(heard.state, Message("reason_poor_service", "rational", "不是这个意思，是网太慢"), Identity(facts=facts))
    assert other.state.reason is None and [line.response for line in other.lines] == ["utter_reason_misheard"]
    replaced = decide(heard.state, Message("reason_network_quality", "rational", "我不是说态度，是网太慢"),
                      Identity(facts=facts))
    assert replaced.state.reason == "reason_network_quality" and replaced.state.reason_status == "heard"
    insisting = decide(heard.state, Message("reason_poor_service", "emotional", "我不是说过了吗，态度太差"),
                       Identity(facts=facts))
    assert insisting.state.reason == "reason_poor_service" and "utter_reason_misheard" not in [
        line.response for line in insisting.lines
    ]


@pytest.mark.parametrize("intent", ["ask_offer_details", "affirm", "nlu_fallback"])
def test_anything_else_after_an_offer_asks_for_the_next_one_not_the_same_details(intent: str) -> None:
    facts = _customer(100, 3000, 128)
    state = FlowState(reason="reason_price_high", need="rational", reason_status="confirmed", replies=2,
                      proposed=["DWN-59"], on_table="DWN-59", last_step="propose")
    asked = decide(state, Message(intent, "none", "还有别的吗"), Identity(facts=facts))
    assert asked.propose == ["DWN-29"] and asked.enrol is None and asked.state.pending is None
    twice = decide(asked.state, Message(intent, "none", "还有其他的吗"), Identity(facts=facts))
    assert twice.propose == [] and "utter_offer_details" not in [line.response for line in twice.lines]


def test_a_product_the_customer_may_not_have_is_refused_in_plain_words_not_the_rule() -> None:
    blocked = replace(_offer("UPG-99", "升级政企商务99元套餐", "套餐升级", 99, ["reason_company_number"]), eligible=False,
                      why_not=("99.00 元不到当前 99.00 元的 1.1 倍，不算升级",),
                      why_not_plain=("它和您现在的套餐价位差不多，算不上升级，按规定不能这样改",))
    facts = replace(_customer(300, 9000, 99), offers=(*CATALOGUE, blocked))
    asked = decide(FlowState(replies=1), Message("ask_offer_details", "none", "政企商务99元套餐能办吗"), Identity(facts=facts))
    [line] = [line for line in asked.lines if line.response == "utter_offer_not_eligible"]
    assert line.params["why_not"] == "它和您现在的套餐价位差不多，算不上升级，按规定不能这样改"


@pytest.mark.parametrize("text", ["我这个59的里面有多少分钟啊 我怕打超了", "59的繼續用划算嗎", "我现在的套餐流量多少"])
def test_a_question_about_the_plan_the_customer_is_on_is_answered_from_the_account(text: str) -> None:
    facts = replace(_customer(180, 3072, 59), plan_name="天翼畅享59元套餐")
    asked = decide(FlowState(replies=1), Message("ask_product_fact", "none", text), Identity(facts=facts))
    [line] = asked.lines
    assert line.response == "utter_own_plan" and line.params["plan_name"] == "天翼畅享59元套餐"
    assert line.params["plan_fee"] == "每月59元" and "180分钟" in line.params["usage"]
    assert "3.0GB" in line.params["usage"] and line.params["allowance"].startswith("按套餐介绍：")
    assert asked.propose == [] and asked.state.pending is None and asked.open_tickets == []


def test_a_price_that_is_not_the_customers_own_plan_still_names_the_product() -> None:
    facts = replace(_customer(100, 3000, 128), plan_name="5G畅享129元融合套餐")
    asked = decide(FlowState(replies=1), Message("ask_offer_details", "none", "59的那个多少流量"), Identity(facts=facts))
    assert [line.response for line in asked.lines] != ["utter_own_plan"]
    assert asked.state.discussed == "DWN-59"


@pytest.mark.parametrize(
    ("earlier", "text", "steps"),
    [
        (None, "转移动要怎么弄 你告诉我步骤", "utter_how_to_leave_port"),
        (None, "过户要啥手续", "utter_how_to_leave_transfer"),
        (None, "单位的号转到我个人名下要带什么材料", "utter_how_to_leave_transfer"),
        ("宽带我不要了，给我拆了", "流程呢？", "utter_how_to_leave_broadband"),
    ],
)
def test_the_steps_given_are_those_of_what_the_customer_means_to_do(earlier: str | None, text: str, steps: str) -> None:
    facts = _customer(90, 900, 60)
    state = FlowState(replies=1)
    if earlier is not None:
        state = decide(state, Message("request_cancel", "none", earlier), Identity(facts=facts)).state
    asked = decide(state, Message("ask_how_to_leave", "none", text), Identity(facts=facts))
    responses = [line.response for line in asked.lines]
    assert steps in responses and not {"utter_how_to_leave_cancel"} & set(responses) - {steps}
    if steps == "utter_how_to_leave_transfer":
        assert "utter_probe_reason" not in responses and asked.outcome is None


def test_thinking_it_over_unread_by_the_nlu_is_time_to_think_not_a_request_to_rephrase() -> None:
    unsure = Message("nlu_fallback", "none", "算了 我再想想吧", guess="accept_offer")
    thinking = decide(FlowState(replies=1), unsure, Identity(facts=_customer(90, 900, 60)))
    assert [line.response for line in thinking.lines] == ["utter_take_your_time"] and thinking.enrol is None


@pytest.mark.parametrize("intent", ["accept_offer", "inform_phone", "nlu_fallback"])
def test_88_takes_leave_whatever_the_nlu_read_but_an_88_yuan_plan_is_no_goodbye(intent: str) -> None:
    bye = decide(FlowState(replies=3), Message(intent, "none", "好 就这样 88"), Identity(facts=_customer(90, 900, 60)))
    assert "utter_ask_how_to_help" not in [line.response for line in bye.lines] and bye.state.pending is None
    assert bye.state.closed or any(line.response.startswith("utter_goodbye") for line in bye.lines)
    from bot.flow.decide import GOODBYE_WORDS

    assert GOODBYE_WORDS.search("88元那个") is None and GOODBYE_WORDS.search("188的套餐") is None


def test_what_leaving_costs_is_the_penalty_question_not_a_compensation_claim() -> None:
    from datetime import date

    bound = replace(_customer(90, 900, 60), contract_running=True, contract_end=date(2027, 3, 18))
    asked = decide(FlowState(replies=1), Message("request_compensation", "none", "现在退掉要赔多少钱"), Identity(facts=bound))
    assert "utter_contract_penalty_check" in [line.response for line in asked.lines]
    assert "compensation_review" not in asked.open_tickets


def test_a_ticket_is_withdrawn_only_when_the_customer_says_which_or_there_is_one() -> None:
    facts = _customer(300, 9000, 99)
    two = FlowState(reason="reason_device_problem", need="rational", reason_status="confirmed", replies=3, tickets={
        "network_repair": TicketPromise(id="20", due="12月8日 18:00前"),
        "device_repair": TicketPromise(id="21", due="12月8日 18:00前"),
    })
    named = decide(two, Message("request_cancel", "none", "那20那个单子取消掉吧"), Identity(facts=facts))
    assert named.cancel == ["20"] and set(named.state.tickets) == {"device_repair"}
    assert [line.params.get("ticket_id") for line in named.lines if line.response == "utter_ticket_cancelled"] == ["20"]
    unnamed = decide(two, Message("request_cancel", "none", "单子撤了吧"), Identity(facts=facts))
    assert unnamed.cancel == [] and set(unnamed.state.tickets) == set(two.tickets)
    refused = FlowState(reason="reason_network_quality", need="rational", reason_status="confirmed", replies=3,
                        tickets={"network_repair": TicketPromise(id="24", due="12月8日 18:00前"),
                                 "compensation_review": TicketPromise(id="25", due="12月9日 18:00前")})
    no_money = decide(refused, Message("request_compensation", "none", "我没要补偿 别搞错了"), Identity(facts=facts))
    assert no_money.cancel == ["25"] and "network_repair" in no_money.state.tickets


def test_a_new_fault_is_a_new_ticket_never_the_billing_check_already_held() -> None:
    facts = _customer(300, 9000, 99)
    state = FlowState(replies=3, tickets={"billing_check": TicketPromise(id="13", due="12月8日 11:00前")})
    heard = decide(state, Message("reason_network_quality", "emotional", "另外家里宽带最近晚上特别卡"), Identity(facts=facts))
    confirmed = decide(heard.state, Message("deny", "none", "没了，就这个。晚上八点到十一点最卡"), Identity(facts=facts))
    assert confirmed.open_tickets == ["network_repair"] and confirmed.escalate == [] and confirmed.note == []
    assert all(line.ticket != "billing_check" for line in confirmed.lines)


def test_the_number_of_a_held_ticket_asked_for_is_told_not_noted_into_it() -> None:
    state = FlowState(replies=3, reason="reason_billing_error", need="rational", reason_status="confirmed", tickets={
        "billing_check": TicketPromise(id="13", due="12月8日 11:00前"),
        "compensation_review": TicketPromise(id="14", due="12月8日 11:00前"),
    })
    asked = decide(state, Message("ask_ticket_progress", "none", "还有个补偿的单子呢？那个号多少我忘了"),
                   Identity(facts=_customer(300, 9000, 99)))
    assert asked.note == [] and [line.ticket for line in asked.lines if line.ticket] == ["compensation_review"]


def test_a_customer_moving_abroad_is_offered_keeping_the_number_never_a_domestic_plan() -> None:
    move = _offer("FUS-MOVE", "宽带免费移机", "融合业务", None, ["reason_relocation"])
    fused = _offer("FUS-129", "5G畅享129元融合套餐", "融合业务", 129, ["reason_relocation"])
    facts = replace(_customer(400, 20000, 169), offers=(*CATALOGUE, move, fused))
    heard = decide(FlowState(), Message("reason_relocation", "rational", "要去澳洲一年，号码想留着收验证码"),
                   Identity(facts=facts))
    assert heard.state.abroad and heard.state.needs_sms
    then = decide(heard.state, Message("deny", "none", "没别的了"), Identity(facts=facts))
    assert [facts.offer(code).type for code in then.propose] == ["保号套餐"]
    home = decide(FlowState(), Message("reason_relocation", "rational", "要搬到成都去了"), Identity(facts=facts))
    moved = decide(home.state, Message("deny", "none", "没别的了"), Identity(facts=facts))
    assert not home.state.abroad and moved.propose and facts.offer(moved.propose[0]).type == "融合业务"


@pytest.mark.parametrize("text", ["那就第二个吧", "就你说的第二个，免费提速500M那个"])
def test_the_second_of_two_products_asked_about_is_the_one_chosen(text: str) -> None:
    facts = _customer(300, 9000, 99)
    state = FlowState(reason="reason_network_quality", need="rational", reason_status="confirmed", replies=3)
    first = decide(state, Message("ask_offer_details", "none", "千兆宽带提速怎么收费"), Identity(facts=facts))
    second = decide(first.state, Message("ask_offer_details", "none", "还有免费提速的吗，500M那个怎么样"),
                    Identity(facts=facts))
    assert second.state.mentioned == ["BB-1000M", "BB-500M"]
    chose = decide(second.state, Message("accept_offer", "none", text), Identity(facts=facts))
    assert chose.state.pending == "BB-500M" and chose.enrol is None


def test_an_ordinal_beyond_what_was_told_and_naming_nothing_asks_which() -> None:
    assert resolve_choice("第三个", [CATALOGUE[3], CATALOGUE[4]], CATALOGUE) == Choice(None, True)


def test_waiting_for_the_promised_call_in_distress_is_waiting_not_a_new_complaint() -> None:
    state = FlowState(reason="reason_price_high", need="rational", reason_status="confirmed", replies=4,
                      tickets={"callback": TicketPromise(id="25", due="12月7日 15:00前")})
    waiting = decide(state, Message("reason_unresolved_problem", "emotional", "哎呀 说不清楚 等人给我打电话吧 我耳朵不好"),
                     Identity(facts=_customer(90, 900, 39)))
    assert waiting.open_tickets == [] and waiting.escalate == [] and waiting.state.reason == "reason_price_high"


def test_a_customer_who_runs_out_of_data_is_offered_a_data_pack_not_told_there_is_nothing() -> None:
    facts = _customer(375, 30000, 128)  # no cheaper plan covers 375 minutes
    heard = decide(FlowState(), Message("reason_price_high", "rational", "流量老不够用，每个月都超，多扣好多钱"),
                   Identity(facts=facts))
    assert heard.state.needs_data
    then = decide(heard.state, Message("ask_offer", "none", "你们能整个啥"), Identity(facts=facts))
    assert then.propose == ["DATA-10G"]
    plain = decide(FlowState(reason="reason_price_high", need="rational", reason_status="confirmed", replies=2),
                   Message("ask_offer", "none", "有什么优惠"), Identity(facts=facts))
    assert plain.propose == []  # a price complaint alone never gets a data pack


def test_a_catalogue_plan_is_put_only_to_customers_its_allowance_covers() -> None:
    from pathlib import Path

    import yaml

    from bot.db.offer_rules import parse_suitability

    seeded = {o["code"]: o for o in yaml.safe_load(Path("bot/db/seed/offers.yml").read_text(encoding="utf-8"))["offers"]}
    fused = replace(CATALOGUE[0], code="FUS-129", type="融合业务", monthly_price=Decimal(129),
                    rules=parse_suitability(seeded["FUS-129"]["suitability"]))
    heavy = replace(_customer(622, 68 * 1024, 199), has_broadband=False, offers=(fused,))
    assert suitable_offers(heavy, strategies(), "reason_price_high") == []  # 500 minutes, 60GB: not enough for her
    covered = replace(_customer(400, 40 * 1024, 199), has_broadband=False, offers=(fused,))
    assert [o.code for o in suitable_offers(covered, strategies(), "reason_price_high")] == ["FUS-129"]


def test_leaving_words_the_nlu_was_torn_on_are_heard_as_leaving() -> None:
    torn = Message("nlu_fallback", "none", "你好，我想销个号", guess="request_cancel")
    heard = decide(FlowState(), torn, Identity(facts=None))
    responses = [line.response for line in heard.lines]
    assert "utter_ask_rephrase" not in responses and "utter_default" not in responses
    assert any(r.startswith("utter_ask_phone") or r.startswith("utter_probe") for r in responses)


def test_refusing_offers_read_as_asking_for_a_person_is_a_refusal_not_a_hand_off() -> None:
    state = FlowState(reason="reason_price_high", need="rational", reason_status="confirmed", replies=2)
    refused = decide(state, Message("request_human", "emotional", "你别给我推什么套餐"), Identity(facts=_customer(90, 900, 60)))
    assert not refused.handoff and refused.open_tickets == [] and refused.state.offers_refused
    human = decide(state, Message("request_human", "none", "别推荐了，给我转人工"), Identity(facts=_customer(90, 900, 60)))
    assert human.handoff


@pytest.mark.parametrize("text", ["违约金呢？到底要不要交", "就是想知道在合约期内能不能转，要不要赔钱"])
def test_an_anonymous_penalty_question_gets_the_general_rule_not_a_ticket_or_an_offer_line(text: str) -> None:
    asked = decide(FlowState(replies=2, phone_asks=1), Message("ask_ticket_progress", "none", text), Identity())
    responses = [line.response for line in asked.lines]
    assert responses[0] == "utter_penalty_general" and asked.open_tickets == []
    assert "utter_no_offer_yet" not in responses and "utter_no_ticket_yet" not in responses


def test_small_wordings_found_by_the_third_and_fourth_trials() -> None:
    facts = _customer(100, 3000, 128)
    put = FlowState(reason="reason_price_high", need="rational", reason_status="confirmed", replies=2,
                    proposed=["DWN-59"], on_table="DWN-59", last_step="propose")
    swapped = decide(put, Message("request_cancel", "none", "不要59的。换一个"), Identity(facts=facts))
    assert swapped.reject == ["DWN-59"] and swapped.propose == ["DWN-29"]
    bye = decide(FlowState(replies=3), Message("deny", "none", "没了 886"), Identity(facts=facts))
    assert any(line.response.startswith("utter_goodbye") for line in bye.lines)
    contract = decide(FlowState(replies=2), Message("nlu_fallback", "none", "好的那你帮我看看有没有合约"),
                      Identity(facts=facts))
    assert [line.response for line in contract.lines] == ["utter_no_contract"]
    enrolled = FlowState(reason="reason_price_high", need="rational", reason_status="confirmed", replies=4,
                         proposed=["DATA-10G"], enrolled="DATA-10G", last_step="enrolled")
    taken_back = decide(enrolled, Message("ask_offer_details", "none", "等下 刚才那个流量包能不能先取消"),
                        Identity(facts=facts))
    assert taken_back.withdraw == "DATA-10G"
    heard = FlowState(reason="reason_competitor_offer", need="rational", reason_status="heard", replies=2)
    fine = decide(heard, Message("reason_network_quality", "rational", "没有别的，网也还行"), Identity(facts=facts))
    assert fine.state.reason == "reason_competitor_offer" and fine.open_tickets == []
    own = decide(FlowState(replies=2), Message("ask_product_fact", "none", "我套餐含多少G"),
                 Identity(facts=replace(facts, plan_name="5G畅享129元融合套餐")))
    assert [line.response for line in own.lines] == ["utter_own_plan"]


@pytest.mark.parametrize("text", ["什么叫预销户？我没申请过销户啊", "那我這個預銷戶怎麼恢復？", "欠多少钱？"])
def test_a_question_about_the_lines_status_is_answered_from_the_account_with_a_check(text: str) -> None:
    facts = replace(_customer(20, 200, 29), status="预销户")
    asked = decide(FlowState(replies=2), Message("request_cancel", "emotional", text), Identity(facts=facts))
    responses = [line.response for line in asked.lines]
    assert responses[0] == "utter_account_status" and asked.lines[0].params["status"] == "预销户"
    assert "恢复" in asked.lines[0].params["meaning"] and asked.open_tickets == ["callback"]
    assert asked.outcome is None and not any(r.startswith("utter_how_to_leave") for r in responses)


def test_moving_broadband_to_another_city_is_checked_there_never_promised_or_enrolled() -> None:
    move = replace(_offer("FUS-MOVE", "宽带免费移机", "融合业务", None, ["reason_relocation"]),
                   rules=parse_suitability({"reasons": ["reason_relocation"], "local_only": True}))
    facts = replace(_customer(300, 9000, 129), offers=(*CATALOGUE, move), city="上海")
    heard = decide(FlowState(), Message("reason_relocation", "rational", "要搬到成都去了"), Identity(facts=facts))
    assert heard.state.place == "成都"
    then = decide(heard.state, Message("deny", "none", "没别的了"), Identity(facts=facts))
    assert "FUS-MOVE" not in then.propose
    asked = decide(then.state, Message("accept_offer", "none", "那就办宽带移机吧"), Identity(facts=facts))
    assert asked.state.pending is None and asked.open_tickets == ["home_visit"]
    assert [line.response for line in asked.lines][0] == "utter_move_other_city"
    local = replace(facts, city="成都")
    same = decide(decide(FlowState(), Message("reason_relocation", "rational", "要搬到成都去了"), Identity(facts=local)).state,
                  Message("deny", "none", "没别的了"), Identity(facts=local))
    assert same.propose == ["FUS-MOVE"]


@pytest.mark.parametrize("read_as", ["reason_unresolved_problem", "ask_ticket_progress", "same"])
@pytest.mark.parametrize(("reason", "text"), [
    ("reason_network_quality", "行吧，先等你们修"),
    ("reason_billing_error", "我再想想，等你们核查结果吧"),
])
def test_waiting_calmly_for_the_fix_is_never_pressing_on_it(read_as: str, reason: str, text: str) -> None:
    kind = "network_repair" if reason == "reason_network_quality" else "billing_check"
    state = FlowState(reason=reason, need="rational", reason_status="confirmed", replies=3,
                      tickets={kind: TicketPromise(id="41", due="12月8日 18:00前")})
    intent = reason if read_as == "same" else read_as
    waiting = decide(state, Message(intent, "emotional", text), Identity(facts=_customer(300, 9000, 99)))
    assert waiting.escalate == [] and waiting.open_tickets == [] and waiting.note == []


def test_a_customer_who_makes_calls_is_never_put_a_keep_number_plan_that_cuts_them() -> None:
    halt = replace(CATALOGUE[4], facts={**CATALOGUE[4].facts, "calls": "停机保号期间不能打电话，也不能接电话。"})
    facts = replace(_customer(20, 200, 29), offers=(*CATALOGUE[:4], halt))
    assert keep_number_plan(facts, strategies()).code == "KEEP-5"
    assert keep_number_plan(facts, strategies(), needs_calls=True).code == "KEEP-8"
    heard = decide(FlowState(), Message("reason_low_usage", "rational", "这个号我就打打电话，别的不用"), Identity(facts=facts))
    assert heard.state.needs_calls
    put = FlowState(reason="reason_low_usage", need="rational", reason_status="confirmed", replies=3,
                    keep_number_done=True, keep_number_code="KEEP-5", on_table="KEEP-5", last_step="keep_number")
    objected = decide(put, Message("ask_product_fact", "emotional", "停机了我还怎么打电话"), Identity(facts=facts))
    assert objected.reject == ["KEEP-5"] and objected.state.pending is None
    assert [line.response for line in objected.lines][0] == "utter_offer_not_suitable"


def test_a_mobile_plan_put_to_a_broadband_customer_says_the_broadband_is_apart_and_claims_no_saving() -> None:
    facts = _customer(100, 3000, 159)  # has_broadband: their 159元 includes it
    state = FlowState(reason="reason_price_high", need="rational", reason_status="confirmed", replies=2)
    broadband = replace(CATALOGUE[0], facts={**CATALOGUE[0].facts, "broadband": "本套餐只含手机业务，宽带另外计费。"})
    put = decide(state, Message("ask_offer", "none", "有便宜点的吗"), Identity(facts=replace(facts, offers=(broadband,))))
    responses = [line.response for line in put.lines]
    assert put.propose == ["DWN-59"] and "utter_offer_fact" in responses
    assert not {"utter_compare_saving", "utter_compare_cost", "utter_compare_competitor"} & set(responses)
    alone = replace(facts, has_broadband=False, offers=(broadband,))
    assert "utter_compare_saving" in [line.response for line in decide(state, Message("ask_offer", "none", "有便宜点的吗"),
                                                                        Identity(facts=alone)).lines]


def test_a_line_out_of_service_is_told_its_status_and_how_to_restore_it_not_a_fault_or_its_plan() -> None:
    facts = replace(_customer(80, 3000, 59), status="预销户", plan_name="天翼畅享59元套餐")
    asked = decide(FlowState(replies=1), Message("reason_network_quality", "emotional", "我这个号怎么打不了电话了"),
                   Identity(facts=facts))
    assert [line.response for line in asked.lines][:1] == ["utter_account_status"]
    assert asked.open_tickets == ["callback"] and "network_repair" not in asked.open_tickets
    held = asked.state.copy(update={"tickets": {"callback": TicketPromise(id="67", due="12月7日 16:00前")}})
    again = decide(held, Message("ask_offer_details", "none", "那怎么恢复"), Identity(facts=facts))
    assert [line.response for line in again.lines] == ["utter_account_status", "utter_ticket_status"]
    working = replace(facts, status="正常")
    fault = decide(FlowState(replies=1), Message("reason_network_quality", "emotional", "我这个号怎么打不了电话了"),
                   Identity(facts=working))
    assert "utter_account_status" not in [line.response for line in fault.lines]


def test_a_fault_that_keeps_coming_back_but_was_never_reported_gets_its_own_repair_ticket() -> None:
    facts = _customer(300, 9000, 129)
    again = decide(FlowState(), Message("reason_unresolved_problem", "emotional", "宽带又断了，这礼拜第三次了，再这样我就退了"),
                   Identity(facts=facts))
    fault = decide(again.state, Message("reason_network_quality", "rational", "就是断网啊，晚上一到九点就断，路由器灯红的"),
                   Identity(facts=facts))
    assert fault.open_tickets == ["network_repair"]
    reported = decide(FlowState(), Message("reason_unresolved_problem", "emotional", "报修三次了还没修好"), Identity(facts=facts))
    failed = decide(reported.state, Message("reason_network_quality", "rational", "就是断网，晚上九点就断"), Identity(facts=facts))
    assert failed.open_tickets == ["complaint"]


def test_porting_out_keeps_the_number_so_it_never_gets_the_switching_risk_advice() -> None:
    facts = _customer(375, 20000, 128)  # no suitable offer, no keep-number plan
    state = FlowState(reason="reason_competitor_offer", need="rational", reason_status="confirmed", replies=3,
                      leave_topic="port", offers_refused=False)
    leaving = decide(state, Message("request_cancel", "none", "我转移动了，要怎么弄"), Identity(facts=facts))
    responses = [line.response for line in leaving.lines]
    assert "utter_retain_number_advice" not in responses and "utter_how_to_leave_port" in responses



def test_a_light_user_porting_out_is_not_offered_a_keep_number_plan() -> None:
    """携号转网 takes the number along: 停机保号 keeps nothing for them (practice trial of 7 December)."""
    facts = _customer(20, 200, 30)  # a light user: the keep-number plan KEEP-5 suits them otherwise
    state = FlowState(reason="reason_competitor_offer", need="rational", reason_status="confirmed", replies=3,
                      leave_topic="port", offers_refused=False)
    leaving = decide(state, Message("request_cancel", "none", "别劝了，我就是要走"), Identity(facts=facts))
    responses = [line.response for line in leaving.lines]
    assert "utter_retain_number" not in responses and "KEEP-5" not in leaving.propose
    assert "utter_how_to_leave_port" in responses


def test_a_customer_porting_out_who_refuses_all_offers_is_told_how_to_port() -> None:
    """Not the contract's offer rules (「在这之前改成更便宜的套餐按规定办不了」) to someone leaving with the number."""
    from datetime import date

    facts = replace(_customer(20, 200, 30), contract_running=True, contract_end=date(2027, 6, 2))
    state = FlowState()
    for intent, text in (
        ("request_cancel", "你好，我想销个号"),
        ("reason_competitor_offer", "联通那边给我的卡便宜，我要携号转网过去"),
    ):
        state = decide(state, Message(intent, "rational", text), Identity(facts=facts)).state
    leaving = decide(state, Message("reject_offer", "none", "不用了，优惠不要，我就是要转"), Identity(facts=facts))
    responses = [line.response for line in leaving.lines]
    assert "utter_how_to_leave_port" in responses and leaving.state.offers_refused
    assert not {"utter_no_offer_in_contract", "utter_no_offer_in_contract_at_all"} & set(responses)

def test_a_contract_that_already_ended_is_said_to_have_ended_not_to_bind_them() -> None:
    from datetime import date

    ended = replace(_customer(90, 900, 60), contract_running=False, contract_end=date(2026, 12, 3))
    asked = decide(FlowState(replies=1), Message("ask_product_fact", "none", "我合约是不是到期了"), Identity(facts=ended))
    assert [line.response for line in asked.lines] == ["utter_contract_ended"]


def test_overuse_charges_are_no_billing_error_and_not_dear_is_a_denial() -> None:
    facts = _customer(300, 30000, 99)
    overuse = decide(FlowState(), Message("reason_billing_error", "rational", "是流量不够用 超出去扣钱"), Identity(facts=facts))
    assert overuse.open_tickets == [] and overuse.state.reason == "reason_price_high" and overuse.state.needs_data
    heard = decide(FlowState(), Message("reason_price_high", "rational", "这是我爸的号，一个月就打几个电话"), Identity(facts=facts))
    denied = decide(heard.state, Message("reason_price_high", "rational", "不是贵，19块不贵"), Identity(facts=facts))
    assert denied.state.reason is None


def test_a_billing_complaint_is_first_told_what_the_account_shows_then_checked() -> None:
    facts = replace(_customer(90, 900, 44), plan_fee=Decimal(29), services=("咪咕视频会员",))
    heard = decide(FlowState(), Message("reason_billing_error", "rational", "套餐才29 为啥我每个月交四十多"), Identity(facts=facts))
    [line] = [line for line in heard.lines if line.response == "utter_bill_breakdown"]
    assert line.params == {"plan_fee": "29元", "services": "，另外开通了咪咕视频会员", "monthly_cost": "44元"}
    assert heard.open_tickets == ["billing_check"]
    again = decide(heard.state, Message("reason_billing_error", "rational", "那多扣的到底是啥"), Identity(facts=facts))
    assert "utter_bill_breakdown" not in [line.response for line in again.lines]


def test_a_bill_that_is_the_plans_fee_is_said_to_match_never_to_have_a_difference_to_explain() -> None:
    facts = replace(_customer(90, 900, 59), plan_fee=Decimal(59))
    heard = decide(FlowState(), Message("reason_billing_error", "rational", "这个月为什么扣了71"), Identity(facts=facts))
    responses = [line.response for line in heard.lines]
    assert "utter_bill_as_planned" in responses and "utter_bill_breakdown" not in responses


def test_a_sub_card_offer_to_a_customer_without_a_family_main_card_is_dropped_once() -> None:
    card = _offer("FUS-SUBCARD", "号码转为家庭融合副卡（每月10元）", "融合业务", 10, ["reason_company_number"])
    facts = replace(_customer(20, 200, 59), offers=(*CATALOGUE, card))
    state = FlowState(reason="reason_company_number", need="rational", reason_status="confirmed", replies=3,
                      proposed=["FUS-SUBCARD"], on_table="FUS-SUBCARD", last_step="propose")
    told = decide(state, Message("ask_offer_details", "none", "我家里没有电信的主卡啊"), Identity(facts=facts))
    assert told.reject == ["FUS-SUBCARD"] and told.state.on_table != "FUS-SUBCARD"
    assert [line.response for line in told.lines][0] == "utter_offer_not_suitable"
    assert "utter_offer_details" not in [line.response for line in told.lines]


def test_a_failed_repair_told_before_the_number_is_heard_not_filed_for_nobody() -> None:
    """「报修三次了」 then what the fault is, from a customer not identified yet: no ticket (there is no account
    to file it on: the line quoting its number and due time could not be rendered, and the turn failed)."""
    from bot.corpus.lookup import default_corpus
    from bot.flow.render import render

    first = decide(
        FlowState(),
        Message("reason_unresolved_problem", "emotional", "宽带报修三次了！！到现在都没人来修，你们到底管不管？？"),
        Identity(),
    )
    then = decide(
        first.state,
        Message("reason_network_quality", "emotional", "还问别的原因？这还不够吗？孩子每天晚上上网课都断"),
        Identity(),
    )
    assert then.open_tickets == []
    lines = [line.text for line in render(then, default_corpus(), None)]
    assert lines and any(r.startswith("utter_ask_phone") for r in (line.response for line in then.lines))


def test_a_broadband_fault_before_the_number_is_probed_about_the_broadband_not_only_the_phone_signal() -> None:
    polite = decide(FlowState(), Message("reason_price_high", "rational", "太贵了"), Identity())
    told = decide(polite.state, Message("reason_network_quality", "emotional", "其实是家里宽带老掉线，孩子网课都断"), Identity())
    probe = next(line for line in told.lines if line.response == "utter_probe_detail")
    assert "宽带" in probe.params["probe"] and told.propose == [] and told.open_tickets == []


def test_thanks_with_a_goodbye_takes_leave_and_does_not_ask_what_else_is_needed() -> None:
    state = FlowState(reason="reason_network_quality", need="rational", reason_status="confirmed", replies=5,
                      tickets={"network_repair": TicketPromise(id="3", due="12月9日 21:00前")}, last_step="wait")
    leaving = decide(state, Message("thank", "none", "谢谢，再见"), Identity(facts=_customer(300, 9000, 129)))
    assert [line.response for line in leaving.lines] == ["utter_goodbye"]
    thanks = decide(state, Message("thank", "none", "好的谢谢"), Identity(facts=_customer(300, 9000, 129)))
    assert [line.response for line in thanks.lines] == ["utter_thank"]


@pytest.mark.parametrize("answer", [Message("affirm", "none", "就是便宜啊"), Message("accept_offer", "none", "那19的呢")])
def test_an_answer_to_the_detail_probe_moves_on_to_the_reason_and_never_asks_how_to_help(answer: Message) -> None:
    matching = _offer("DWN-39", "改签天翼畅享39元套餐", "套餐降档", 39, ["reason_competitor_offer"], usage={"mou": {"max": 200}})
    facts = replace(_customer(90, 900, 60), offers=(*CATALOGUE, matching))
    polite = decide(FlowState(), Message("reason_price_high", "rational", "太贵了，我要转网"), Identity(facts=facts))
    real = decide(polite.state, Message("reason_competitor_offer", "rational", "联通那边19块就有30G"), Identity(facts=facts))
    assert real.state.last_step == "probe" and real.propose == []
    answered = decide(real.state, answer, Identity(facts=facts))
    responses = [line.response for line in answered.lines]
    assert "utter_ask_how_to_help" not in responses and answered.propose, responses
    assert answered.enrol is None


def test_a_customer_moving_within_china_is_told_the_number_goes_with_them_and_keeping_it_is_staying() -> None:
    facts = _customer(200, 5000, 59)
    moving = decide(FlowState(), Message("reason_relocation", "rational", "我下个月搬到成都去了"), Identity(facts=facts))
    asked = decide(moving.state, Message("ask_product_fact", "none", "那号码呢，能带过去吗"), Identity(facts=facts))
    fact = next(line for line in asked.lines if line.response == "utter_general_fact")
    assert "全国通用" in fact.params["fact"] and asked.open_tickets == []
    kept = decide(asked.state, Message("accept_offer", "none", "行，那号码留着吧"), Identity(facts=facts))
    assert kept.outcome == "retained" and kept.enrol is None and kept.propose == []
    broadband = decide(moving.state, Message("ask_product_fact", "none", "宽带能带过去吗"), Identity(facts=facts))
    assert not any("全国通用" in line.params.get("fact", "") for line in broadband.lines)


def test_why_the_number_is_asked_is_answered_even_after_another_topic() -> None:
    steps = decide(FlowState(replies=1, phone_asks=1), Message("ask_how_to_leave", "none", "号码就不说了，你就告诉我流程"),
                   Identity())
    assert any(line.response.startswith("utter_how_to_leave") for line in steps.lines)
    why = decide(steps.state, Message("ask_how_to_leave", "emotional", "为啥非要号码？我不给"), Identity())
    assert [line.response for line in why.lines][0] == "utter_why_phone"


def test_asking_for_the_charges_to_be_checked_and_refunded_is_a_bill_check_not_compensation() -> None:
    state = FlowState(reason="reason_contract_end", need="emotional", reason_status="confirmed", replies=2)
    checked = decide(state, Message("request_compensation", "rational", "我要你们查清楚，该退的退"),
                     Identity(facts=_customer(180, 25 * 1024, 99)))
    assert checked.open_tickets == ["billing_check"]
    paid = decide(state, Message("request_compensation", "rational", "耽误我这么多事，你们得赔偿"),
                  Identity(facts=_customer(180, 25 * 1024, 99)))
    assert paid.open_tickets == ["compensation_review"]


def test_deciding_after_the_promised_result_is_waiting_not_a_question_about_leaving() -> None:
    state = FlowState(reason="reason_poor_service", need="emotional", reason_status="confirmed", replies=3,
                      tickets={"complaint": TicketPromise(id="5", due="12月8日 21:00前")}, last_step="fix")
    later = decide(state, Message("reject_offer", "emotional", "算了，投诉完我再考虑要不要转网"), Identity(facts=_customer(200, 5000, 169)))
    responses = [line.response for line in later.lines]
    assert not any(r.startswith("utter_how_to_leave") for r in responses), responses
    assert responses in (["utter_fix_agreed"], ["utter_take_your_time"]) and later.open_tickets == []
    assert later.outcome is None


def test_asking_the_price_before_any_offer_is_answered_by_the_suitable_offer_not_by_saying_there_is_none_yet() -> None:
    state = FlowState(reason="reason_price_high", need="rational", reason_status="confirmed", replies=3, last_step="fix")
    asked = decide(state, Message("ask_offer_details", "none", "那要多少钱"), Identity(facts=_customer(100, 3000, 128)))
    responses = [line.response for line in asked.lines]
    assert "utter_no_offer_yet" not in responses and asked.propose and asked.enrol is None, responses
    unknown = decide(FlowState(replies=1), Message("ask_offer_details", "none", "那要多少钱"), Identity(facts=_customer(100, 3000, 128)))
    assert [line.response for line in unknown.lines] == ["utter_no_offer_yet"] and unknown.propose == []


def test_too_dear_said_of_the_offer_on_the_table_turns_it_down_and_a_fault_said_then_is_still_heard() -> None:
    facts = _customer(100, 3000, 128)
    state = FlowState(reason="reason_device_problem", need="rational", reason_status="confirmed", replies=4,
                      on_table="DWN-59", proposed=["DWN-59"], mentioned=["DWN-59"], last_step="propose")
    dear = decide(state, Message("reason_price_high", "emotional", "太贵了，算了吧，我直接转移动"), Identity(facts=facts))
    assert dear.reject == ["DWN-59"] and dear.state.reason == "reason_device_problem" and dear.enrol is None
    fault = decide(state, Message("reason_network_quality", "emotional", "算了，其实主要是信号太差"), Identity(facts=facts))
    assert fault.state.reason == "reason_network_quality"


def test_thinking_it_over_once_the_reason_is_known_is_given_time_not_a_keep_number_pitch() -> None:
    state = FlowState(reason="reason_price_high", need="rational", reason_status="confirmed", replies=3, last_step="probe")
    later = decide(state, Message("reject_offer", "none", "算了，还是不要了，我再想想"), Identity(facts=_customer(300, 20000, 129)))
    assert [line.response for line in later.lines] == ["utter_take_your_time"] and later.outcome is None


def test_a_contract_said_to_end_is_answered_with_its_end_date_from_the_account() -> None:
    from datetime import date

    running = replace(_customer(300, 20000, 129), contract_running=True, contract_end=date(2028, 7, 11))
    told = decide(FlowState(), Message("reason_contract_end", "rational", "合约快到期了，到期就不续了"), Identity(facts=running))
    end = next(line for line in told.lines if line.response == "utter_contract_end")
    assert end.params["contract_end"] == "2028年7月11日" and told.propose == []
    ended = decide(FlowState(), Message("reason_contract_end", "rational", "合约到期了，不续了"), Identity(facts=_customer(300, 20000, 129)))
    assert "utter_contract_end" not in [line.response for line in ended.lines]


def test_refusing_compensation_never_withdraws_the_repair_it_insists_on() -> None:
    state = FlowState(reason="reason_network_quality", need="emotional", reason_status="confirmed", replies=3,
                      tickets={"network_repair": TicketPromise(id="7", due="12月9日 22:00前")}, last_step="fix")
    insisted = decide(state, Message("request_compensation", "emotional", "我不要什么补偿，我要的是把网修好"),
                      Identity(facts=_customer(300, 9000, 129)))
    assert insisted.cancel == [] and "network_repair" in insisted.state.tickets
    assert "utter_ticket_cancelled" not in [line.response for line in insisted.lines]
    review = state.copy(update={"tickets": {**state.tickets, "compensation_review": TicketPromise(id="8", due="12月9日 22:00前")}})
    withdrawn = decide(review, Message("request_compensation", "rational", "我不要补偿了，把网修好就行"),
                       Identity(facts=_customer(300, 9000, 129)))
    assert withdrawn.cancel == ["8"] and "network_repair" in withdrawn.state.tickets


def test_a_question_about_a_product_the_customer_cannot_have_yet_is_answered_and_then_why_not() -> None:
    locked = tuple(replace(o, eligible=False) if o.type == "保号套餐" else o for o in CATALOGUE)
    facts = replace(_customer(100, 2000, 59), offers=locked)
    state = FlowState(reason="reason_company_number", need="rational", reason_status="confirmed", replies=2)
    asked = decide(state, Message("ask_product_fact", "none", "8元保号能收验证码吗"), Identity(facts=facts))
    assert [(line.response, line.offer) for line in asked.lines] == [
        ("utter_offer_fact", "KEEP-8"), ("utter_offer_not_eligible", "KEEP-8")
    ]
    assert asked.lines[0].params["fact"] == "短信照常。"


@pytest.mark.parametrize("misread", ["ask_offer_details", "out_of_scope", "deny"])
def test_no_reason_given_to_the_probe_is_probed_again_whatever_the_model_read(misread: str) -> None:
    asked = decide(FlowState(), Message("ask_how_to_leave", "none", "我想问下销户"), Identity(facts=_customer(100, 2000, 59)))
    again = decide(asked.state, Message(misread, "none", "没什么原因"), Identity(facts=_customer(100, 2000, 59)))
    assert [line.response for line in again.lines] == ["utter_probe_deeper"]


def test_a_detail_the_check_asked_for_goes_into_its_ticket_not_a_please_rephrase() -> None:
    state = FlowState(reason="reason_billing_error", need="rational", reason_status="confirmed", replies=3,
                      tickets={"billing_check": TicketPromise(id="8", due="12月8日 22:00前")}, last_step="fix")
    detail = decide(state, Message("nlu_fallback", "none", "11月的"), Identity(facts=_customer(90, 900, 59)))
    assert [(line.response, line.ticket) for line in detail.lines] == [("utter_detail_noted", "billing_check")]
    assert detail.note == ["billing_check"] and detail.open_tickets == []  # said to be in the ticket: written there


@pytest.mark.parametrize(
    ("question", "words"),
    [("国际漫游怎么开", "国际漫游"), ("长途还要钱吗", "取消了长途"), ("出国以后号码带过去能用吗", "国际漫游"), ("号码能带过去吗", "全国通用")],
)
def test_a_general_question_gets_the_most_specific_fact(question: str, words: str) -> None:
    asked = decide(FlowState(replies=2), Message("ask_product_fact", "none", question), Identity(facts=_customer(100, 2000, 59)))
    [fact] = [line for line in asked.lines if line.response == "utter_general_fact"]
    assert words in fact.params["fact"]


def test_taking_back_what_was_said_with_nothing_on_the_table_does_nothing_and_says_so() -> None:
    state = FlowState(reason="reason_relocation", need="rational", reason_status="confirmed", replies=5, abroad=True,
                      last_step="not_suitable")
    back = decide(state, Message("nlu_fallback", "emotional", "等等，我刚才说错了，先不办", guess="reason_unresolved_problem"),
                  Identity(facts=_customer(20, 300, 39)))
    assert [line.response for line in back.lines] == ["utter_take_your_time"]
    assert back.enrol is None and back.open_tickets == [] and back.state.reason == "reason_relocation"
