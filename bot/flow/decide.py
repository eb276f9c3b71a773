"""The next step of a retention conversation, decided by rules over the flow state and data.

The training material's method (seed 000 四步法, seed 002 per-reason strategies) as one function:
建立关系 (greet, identify) → 探询原因 (hear the reason, probe once more: the first reason is often a polite one)
→ need handling (empathy first for an emotional need, a concrete action with a time for a rational one) →
提供建议 (only suitable offers, at most two, then the keep-number option) → 跟进执行 (one ticket per problem,
the same due time every time it is quoted) → 圆满结束. Questions are answered from data on the way.

`decide` is pure: it returns the lines to say and the business steps to take; the caller saves the steps
(tickets, proposals, enrolment, outcome) and renders the lines. Practice mode asks it the same questions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, Literal

from bot import taxonomy
from bot.db.models.vocabulary import STATUS_MEANINGS
from bot.flow.choice import is_non_commitment, resolve_choice
from bot.flow.facts import CustomerFacts, OfferFacts
from bot.flow.offer_policy import (
    KEEP_NUMBER_TYPE,
    MOBILE_PLAN_TYPES,
    fits_usage,
    keep_number_plan,
    keeps_no_calls,
    keeps_no_sms,
    suitable_offers,
    within_cost,
)
from bot.flow.state import FlowState
from bot.flow.strategy import Strategies, strategies as default_strategies
from bot.flow.wording import whole_yuan, yuan
from bot.phone_numbers import mask_phones
from bot.nlu.text_normalization import normalize_text

FALLBACK_INTENT = "nlu_fallback"
YES_INTENTS = frozenset({"affirm", "accept_offer"})
NO_INTENTS = frozenset({"deny", "reject_offer", "request_cancel"})
QUESTION_INTENTS = frozenset(
    {"ask_offer_details", "ask_ticket_progress", "ask_how_to_leave", "ask_product_fact", "ask_coverage"}
)
# A clear no to offers in general (「都不要」「别推荐了」「不需要什么优惠」): no offer comes after it.
REFUSE_ALL = re.compile(
    r"都不要|都不需要|别推荐|不用推荐|别再推|不需要(什么|任何)?(优惠|方案|套餐)|什么都不要|不要再|说了不要|别给我推|不要(给我)?推(荐|销)"
    r"|(优惠|方案)(都|也)?不(要|需要|用了)"
)
# Which fact of an offer a question is about (bot/db/offer_facts.py topics), by the words customers use.
FACT_WORDS: tuple[tuple[str, str], ...] = (
    ("短信", "sms"), ("简讯", "sms"), ("验证码", "sms"), ("收信", "sms"), ("电话", "calls"), ("通话", "calls"), ("接听", "calls"),
    ("分钟", "calls"), ("流量", "data"), ("上网", "data"), ("宽带", "broadband"), ("号码", "number"),
    ("违约", "penalty"), ("退订", "penalty"), ("续约", "penalty"), ("合约", "penalty"), ("恢复", "penalty"),
    ("取消", "penalty"), ("解约", "penalty"), ("生效", "effective"), ("多久", "effective"),
    ("什么时候", "effective"), ("手机", "device"), ("终端", "device"),
)
# What a question about leaving is about.
LEAVE_TOPICS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"过户|转(给|到)?(我)?(个人|家人|别人|单位)|(改|转|过)(成|到)?.{0,4}名下|换机主"), "transfer"),
    (re.compile(r"携号|转网|携转|转(到|去)?(移动|联通|广电)|转出去|换(个)?运营商"), "port"),
    (re.compile(r"宽带|还光猫|拆"), "broadband"),
    (re.compile(r"销户|销号|注销"), "cancel"),
)
# The commitment line of a ticket that is not the reason's own fix.
COMMIT_RESPONSES: dict[str, str] = {
    "compensation_review": "utter_commit_compensation",
    "callback": "utter_commit_callback",
    "home_visit": "utter_commit_home_visit",
}
# The place a customer names (「搬到成都去」「成都那边能装吗」「在深圳用」), quoted back so a check is about it.
PLACE = re.compile(
    r"(?:搬到|搬去|去|到|在)?([\u4e00-\u9fff]{2,3}?)(?:那边|那里|那儿|市区|市)"
    r"|在([\u4e00-\u9fff]{2,3}?)(?:用|打|上网|工作|住)"
)
MOVING_TO = re.compile(r"(?:搬到|搬去)([\u4e00-\u9fff]{2,3}?)(?:去|了|住|工作|，|$)")
# 「簡訊」 is how Taiwan and Hong Kong say 短信; normalised it reads 「简讯」.
SMS_NEED = re.compile(r"验证码|收(银行)?(短信|简讯)|(短信|简讯)验证|银行(短信|简讯)")
KEEP_NUMBER_WORDS = re.compile(r"保号|留号|保留号码|号.{0,6}留着|留着.{0,4}号")
PRICE_QUESTION = re.compile(r"多少钱|补贴多少|优惠多少|便宜多少|价格|几块|几元|怎么收费|收费吗|要钱吗")
PRICE_WORDS = re.compile(r"便宜|省钱|太贵|划算|降档|月租低|优惠")
CONTACT_ME = re.compile(r"告诉我|通知我|联系我|回复我|打给我|再联系")
# 「合约还有多久到期」: a question the account answers.
CONTRACT_QUESTION = re.compile(
    r"(合约|协议|合同).{0,8}(多久|什么时候|哪天|几号|几月|还有多长)|(合约|协议|合同).{0,4}到期(了)?(吗|没|没有|吧|是不是)"
    r"|(合约|协议|合同).{0,2}(是不是|有没有)(已经)?到期|(有没有|有无|是不是有)(合约|协议|合同)|查.{0,4}(合约|协议)"
)
REASON_WORDS_KEPT = 200  # characters of the message a reason was told in, kept for a ticket opened later
# 「还有别的吗」「有没有其他方案」 with an offer put: the next offer asked for, not the details of this one.
OTHER_OFFER = re.compile(r"(还有|有没有|有无)(别的|其他|其它|更好的|更便宜的)(的)?(方案|套餐|优惠|选择|办法)?(吗|么|没|没有|呢|不)?[?？]?$")
# 「我这个套餐有多少分钟」「我现在的卡划算吗」: a question about the plan the customer is on, not a product to sell.
OWN_PLAN = re.compile(r"我(这个|现在|目前|原来)?(的|这个)?套餐|现在(用)?的(这个)?套餐")
# 「单子撤了吧」「20那个单子取消掉」「我没要补偿 别搞错了」: a ticket of this conversation taken back.
CANCEL_TICKET = re.compile(
    r"(单子|工单|单号|\d+(号)?那个).{0,8}(撤|取消|不要了|没用|作废)|撤(销|掉|了|回)?(那个|这个)?(单子|工单)"
    r"|(?<!要)(没|不)(要|需要)(什么)?(补偿|赔偿|赔)"
)
# 「不是扣错了 扣的是对的」: no billing error after all (the complaint is the price).
BILLED_RIGHT = re.compile(r"(不是|没有?)(扣错|多扣|乱扣|算错)|扣(的|得)(是)?(对的|没错)|账单(是)?对的|没扣错")
# Moving abroad (「签证下来了下月飞加拿大」): a domestic plan or broadband suits nobody there.
ABROAD = re.compile(r"出国|国外|海外|境外|移民|留学|澳洲|澳大利亚|美国|加拿大|英国|日本|韩国|新加坡|欧洲|德国|法国|迪拜|新西兰")
# Lines that present an offer to the customer (what 「第二个」 may point back at).
PRESENTING = frozenset(
    {"utter_propose_offer", "utter_retain_number", "utter_offer_details", "utter_offer_fact", "utter_still_best_offer"}
)
# 「说不清楚 等人给我打电话吧」「行吧，先等你们修」「等你们核查结果吧」 with a ticket held: waiting for what was
# promised, whatever feeling comes with it (never a second complaint, never 「催办」).
WAITING_ON_PROMISE = re.compile(r"等(人|你们|您|着)?.{0,4}(打|回)(电话|过来)|等(人|你们|您|着)?.{0,3}(联系|回电|修|核查|查|结果|消息|处理|上门|师傅|通知|回复)")
# 「流量老不够用」「每个月流量都超」: the customer needs more data, not a cheaper plan with less.
DATA_SHORT = re.compile(r"流量.{0,4}(不够|不足|超了|超出|用超|用完)|不够用|流量多(一)?点|大流量|更多(的)?流量")
DATA_PACK_TYPE = "流量包"
HUMAN_WORDS = re.compile(r"人工|真人|转接|经理|领导|主管|班长|投诉")
# 「没有别的，网也还行」: a topic named as fine is no complaint about it.
FINE = re.compile(r"(也|倒|都)?(还行|还可以|挺好|没问题|不错|正常)")
# 「不要59的。换一个」「换个带宽带的」 after an offer: another offer asked for (「换运营商」 is leaving).
SWAP_OFFER = re.compile(r"换(一|个|一个)(别的|其他|其它|方案|套餐|带|便宜|$)|再推(荐)?一个")
# 「什么叫预销户」「预销户怎么恢复」「欠多少钱」「停机了怎么复机」: the line's status, from the account.
STATUS_QUESTION = re.compile(
    r"预销户|欠(了|的)?(多少|钱|费)|复机|(号码|号|状态).{0,4}(怎么|如何|能不能|咋)恢复|为什么(是|会)?停机|停机了?(怎么办|为什么|咋办)"
)
# 「我就打打电话」「停机了我还怎么打电话」: the number is used for calls.
CALLS_NEED = re.compile(r"打(打)?电话|接电话|打给|要打|还怎么打")
NO_SERVICE = re.compile(r"打不了|打不出|接不了|没法打|用不了|停机了|被停了|没(有)?信号了")
RESTORE = re.compile(r"恢复|复机|怎么办|咋办|怎么弄")
# 「报修三次了」「反映过好几次」: a problem already reported (a failed repair is a complaint, not a new repair).
REPORTED_BEFORE = re.compile(r"报修|报过|报了|反映过|反映了|投诉过|说过|打过.{0,4}电话|找过|催过|工单|单号")
# 「我家里没有电信的主卡」: nobody's family plan to join as a 副卡.
NO_MAIN_CARD = re.compile(r"没有?(电信的?)?主卡|家里(没|没有)(人)?(用|办)?(电信|融合)|没(有)?(办)?融合|不是(融合|家庭)套餐")
ORDINAL = re.compile(r"第[一二三1-3]|头一个")
# 「有没有不销号、又不用每个月交29的办法」: a question about the customer's plan that asks for another.
ALTERNATIVE = re.compile(r"办法|便宜|别的|其他|其它|换|不用.{0,4}交|省钱|降")
# 「那到期以后呢」「合约结束后能降吗」: what the customer can have once their own contract ends.
AFTER_CONTRACT = re.compile(r"到期(以|之)?后|(合约|协议|合同)(结束|期满|完了)(以|之)?后?")
# 「孝心卡是啥」: what a product is, answered with its description.
WHAT_IS = re.compile(r"是啥|是什么|啥是|什么是|介绍一下|讲讲|说说")
# 「违约金多少」 about the customer's own contract (「这个方案提前取消要违约金吗」 is about the offer: THE_OFFER).
# 「现在退掉要赔多少钱」 asks what leaving costs them, not for amends.
PENALTY = re.compile(r"违约金|解约金|提前解约|毁约|(退|销|拆|解约|转|不用|不要).{0,8}(要|得)?赔(多少|钱|吗)")
THE_OFFER = re.compile(r"这个|那个|这套|方案|套餐|优惠")
# 「那还是保号吧」「给我办千兆的」: a choice, whatever intent the words were filed under.
CHOOSING = re.compile(r"吧|就办|给我办|帮我办|办个|改成|换成|就要|我要|要这个|办这个")
# 「那59那个怎么办」「这个怎么开通」: how to get a product the customer points at is a choice put as a question.
# 「不为什么，就是想销」: the words say there is no reason to tell, whatever reason the NLU read into them.
NO_REASON = re.compile(r"不为什么|没(有)?(什么|啥)?(特别的)?(原因|理由)|不想说(原因|为什么)?")
# A short message of thanks or goodbye (「谢谢，拜拜」): a closing, however unsure the NLU was of it.
GOODBYE_WORDS = re.compile(r"拜拜|再见|(?<!\d)886?(?![\d元块])")
CLOSING_WORDS = re.compile(rf"谢谢|多谢|感谢|谢了|{GOODBYE_WORDS.pattern}")
# 「没有别的原因」「没别的了」: the answer to the probe that confirms the reason already heard.
# 「我没说你们态度不好」: the reason the bot heard is denied (a different one may follow in the same message).
# 「我不是说过了吗」「我还没说完」 are not.
MISHEARD = re.compile(r"(没|没有|不是)(说|讲)(?!过了|了|完)|不是这个(意思|原因)|你(理解|听)错了|不是(嫌|因为)?(贵|钱的事)")
NO_OTHER_REASON = re.compile(r"没(有)?(别的|其他|其它)(原因|了)?|就(是)?(这个|这些)原因|就这(一)?个原因")
HOW_TO_GET = re.compile(r"(那个|这个|的)(要)?(怎么|咋|如何)(办|弄|开通|申请|改)")
PROCEDURE = re.compile(r"流程|手续|要带什么|怎么(办理|操作)(销户|销号|携号|转网|拆机)|去哪(里)?办|(查|查询).{0,4}资格")
DECLINE = re.compile(r"不用了|算了|不要了|不需要了|不办了|(先|暂时|暂且)不办")
# A whole message that is only a yes (「确认」「好的」「對」): unambiguous as the answer to a confirmation question,
# whatever confidence the NLU gave a word that short.
PLAIN_YES = re.compile(r"(好的?|是的?|对的?|可以|行|确认|确定|嗯+|没问题|办吧)(办理|办吧|吧|的|无误)?[。！!.~]*")
EXPLICIT_YES = re.compile(r"确认|办吧|就办|好的|可以办|没问题|行，办")
QUESTION = re.compile(r"[?？]|吗|呢$|多少|几|多久|多长时间|怎么|是不是|会不会|能不能|要不要|有没有|可不可以|行不行")
BRUSHED_OFF = re.compile(r"打发我|打发人|糊弄我|少来这套|别忽悠")
COMPENSATION_WORDS = re.compile(r"补偿|赔偿|赔我|赔钱|赔不赔|赔多少|损失")
# 「单号2什么时候答复」「2号工单」: the ticket the customer names by its number.
TICKET_NUMBER = re.compile(
    r"(?:单号|工单|单子|编号)[^\d，,。；;！!？?]{0,3}?(\d{1,9})|(\d{1,9})\s*号?(?:(?:那个|这个|的)\D{0,4}?)?(?:工单|单子)"
)
# A month, a date or a sum (「11月的」「上个月」「多了12块」): a detail for the ticket being worked on.
DETAIL = re.compile(r"\d+月|[一二三四五六七八九十]+月|上个?月|这个?月|\d+号|\d+(\.\d+)?(元|块)")
THINKING = re.compile(r"想想|想一想|考虑")
DECIDE_AFTER = re.compile(r"(完|好|了|出来|之后|以后)[，, ]*我?再(考虑|决定|说|看|想)")
# 「为啥非要号码？我不给」 asks why the number is needed, whatever was said just before: answered, not the last topic again
WHY_NUMBER = re.compile(r"(为什么|为啥|干嘛|干什么|凭什么)(非|一定|总|老)?(要|得|问)|号码.{0,4}(干嘛|干什么|做什么)")
CHECK_ASKED = re.compile(r"查清楚|查一下|查查|核查|查明")
# (「要不要赔钱」 asks; it refuses nothing)
NO_COMPENSATION = re.compile(r"(?<!要)(不要|不用|不是要|不稀罕|别给我)(什么)?(补偿|赔偿|赔钱|送)")
# The home network's own equipment: its fault is one problem, told as a network fault or as a device fault.
SIGNAL = re.compile(r"信号|5g|4g|没网|上不了网|断网")
HOME_EQUIPMENT = re.compile(r"光猫|猫坏|路由器|机顶盒|光纤盒")
# 「给我投诉电话」「我要投诉他」: a formal complaint, which the complaint ticket is, not a call-back from a person.
COMPLAINT_CHANNEL = re.compile(r"投诉(电话|热线|渠道|方式|途径)|(怎么|去哪|在哪|哪里)投诉|我要投诉|要投诉")
# 「打这个电话」「你们联系我 139…」: the number typed is where to call back, not an account to look up.
CONTACT_CUE = re.compile(r"打(我|这个|这)?(的)?电话|打给我|联系我|回电|回个电话|回拨|联系电话|联系方式")
# Words that ask when or how far a promise is, or its number (「多久」「修好了吗」「单号多少」), not something new about it.
PROGRESS_WORDS = re.compile(r"多久|多长时间|什么时候|啥时候|何时|几天|几点|进度|怎么样了|好了没|修好|到哪|还要等|结果|单号|工单号|编号|号(码)?(是)?多少")
# What a question about a fault, a device or a bill being fixed talks about (「换光猫要钱吗」「师傅带新的吗」).
FIX_WORDS = re.compile(r"修|换(个|台|新|一)|上门|师傅|光猫|路由器|机顶盒|设备|信号|网速|断网|账单|扣费|退(钱|款|费)")
# 「那我还是转走吧」「好，销户吧」: a yes to leaving, whatever yes the NLU heard in it (「不转网了」 is not).
# 「好的，那我先不转了，谢谢」「还是留下吧」: the customer decides to stay, which is no choice of the offer on the table.
STAYING = re.compile(r"不(转|走|销|换|携转|转网|转走|销户|销号|注销)了|还是留下")
# 「成都你们有服务吗」「那边能装宽带吗」: whether a place is served, asked in words a complaint can share.
COVERAGE_QUESTION = re.compile(r"有(没有)?(服务|网|信号|覆盖|宽带|5g|4g)|能(不能)?装|覆盖|通(了)?(网|光纤|宽带)")
# 「刚才那个我没要办，给我取消」「退掉」: an enrolment taken back (not the account: 「取消号码」 is leaving, LEAVING).
# 「我没要办」: the customer never asked for it (taken back when enrolled, told so when nothing was).
NOT_ASKED_FOR = re.compile(r"没(要|同意|说要?)办|不是要办|谁让你们办|别给我办")
WITHDRAW = re.compile(rf"取消|退掉|撤销|撤回|{NOT_ASKED_FOR.pattern}|不办了|不要了")
# 「等等 我再想想」 and nothing else: time asked for, whatever reason the NLU read into 「等」.
THINKING_IT_OVER = re.compile(r"(等等|等一下|那|那个|好|行|嗯)?[，, ]*我?(再|先)?(想想|想一想|考虑一下|考虑考虑|看看)(吧|啊|哈|先)?[。.!！~]*")
# ... said as a request even in question form (「能给我取消吗」), unlike 「以后想取消怎么办」.
WITHDRAW_NOW = re.compile(rf"{NOT_ASKED_FOR.pattern}|给我|帮我|谁让|(刚才|刚刚|那个).{{0,12}}(能|可以)(不能)?(先)?(取消|退)")
LEAVING = re.compile(r"(?<!不)(?<!不想)(?<!不用)(?<!别)(转走|转网|携号|携转|销户|销(个|掉|了)?号|注销|退网|拆机)")
# 「多久给我回电话」「人工什么时候联系我」: a question about the call-back promised, whatever else is open.
CALL_BACK_WORDS = re.compile(r"回电|回个电话|打电话|来电话|打过来|联系我|人工|领导")
# 「还是办了吧」「想了想，还是要那个」: the customer takes back their own no.
CHANGE_OF_MIND = re.compile(r"还是(办|要|选|留|换|用)|想了想|改主意|回心转意")
INSISTS = re.compile(r"每次都|老是这么说|又是|到底|还要等|等了|催|别敷衍|怎么还|还没")


# Words before 「那边」 that point at people, not places (「人家那边」「你们这边」).
NOT_PLACES = frozenset({"人家", "别家", "隔壁", "他们", "我们", "你们", "对方", "客户", "经理", "那家", "这家"})


def place_in(text: str) -> str | None:
    """The place a message names, as the customer wrote it."""
    match = PLACE.search(text) or MOVING_TO.search(text)
    place = next((group for group in match.groups() if group), None) if match else None
    return None if place is None or any(word in place for word in NOT_PLACES) else place


@dataclass(frozen=True)
class Message:
    """What the customer said, as the NLU read it."""

    intent: str
    need: str = "none"
    text: str = ""
    entities: dict[str, Any] = field(default_factory=dict)  # first value per entity: competitor, amount, ...
    guess: str | None = None  # the best intent below the fallback threshold (only questions are acted on)


# What became of the number a customer claimed, in this message (actions/_identity.py): `verified` — the code
# came back (`newly`); `code_sent` — a code went to the number, the message is answered in general terms; the
# others are the whole answer, with the line of VERIFICATION_LINES.
Verification = Literal[
    "verified", "code_sent", "code_wrong", "code_expired", "code_refused", "code_not_sent", "unbound", "not_bound"
]
VERIFICATION_LINES: dict[str, str] = {
    "code_sent": "utter_code_sent",  # quotes the number masked: {phone}
    "code_wrong": "utter_code_wrong",
    "code_expired": "utter_code_expired",  # expired or out of tries: the number again brings a new code
    "code_refused": "utter_code_refused",  # a rate limit: no code now
    "code_not_sent": "utter_code_not_sent",  # the SMS gateway failed
    "unbound": "utter_wechat_unbound",  # 「解绑」 on WeChat
    "not_bound": "utter_wechat_not_bound",
}


@dataclass(frozen=True)
class Identity:
    """Who the customer is after this message: facts when known; `newly`: verified in this very message."""

    facts: CustomerFacts | None = None
    newly: bool = False
    unknown_number: str | None = None  # a number given in this message that the operator does not know
    verification: Verification | None = None
    masked_phone: str | None = None  # the claimed number as the code line quotes it (138****5678)


@dataclass(frozen=True)
class Line:
    """A corpus response to say, with its placeholder values; `ticket` / `offer` fill theirs when saved."""

    response: str
    params: dict[str, str] = field(default_factory=dict)
    ticket: str | None = None  # the ticket kind whose number and due time the line quotes
    offer: str | None = None  # the offer code the line presents


@dataclass
class Decision:
    """What to say and do; the lists are applied in order by the save step."""

    state: FlowState
    lines: list[Line] = field(default_factory=list)
    open_tickets: list[str] = field(default_factory=list)  # kinds to open (once per conversation)
    escalate: list[str] = field(default_factory=list)  # kinds of open tickets the customer pressed on
    note: list[str] = field(default_factory=list)  # kinds of open tickets the customer's words are added to
    propose: list[str] = field(default_factory=list)  # offer codes put to the customer
    reject: list[str] = field(default_factory=list)  # offer codes the customer turned down
    enrol: str | None = None  # the offer code the customer confirmed
    withdraw: str | None = None  # the offer code enrolled earlier that the customer took back
    outcome: str | None = None  # retained / lost / handoff
    handoff: bool = False  # a person is to call back
    contact_phone: str | None = None  # where to call an unidentified person back (their own choice of number)
    words: str | None = None  # what a new ticket quotes when this message is not it (the SMS code typed)
    cancel: list[str] = field(default_factory=list)  # numbers of this conversation's tickets the customer withdrew

    def say(self, response: str, **kwargs: Any) -> None:
        ticket, offer = kwargs.pop("ticket", None), kwargs.pop("offer", None)
        self.lines.append(Line(response, {k: str(v) for k, v in kwargs.items()}, ticket, offer))


class _Turn:
    """One decision in the making: the state copy, the message, the customer and the strategies."""

    def __init__(self, state: FlowState, message: Message, identity: Identity, strategies: Strategies) -> None:
        self.state = state.copy(deep=True)
        self.message = message
        self.facts = identity.facts
        self.identity = identity
        self.strategies = strategies
        self.decision = Decision(self.state)
        self.text = normalize_text(message.text)
        if self.facts is not None:
            for kind, promise in self.facts.open_tickets.items():
                # A problem already ticketed in an earlier conversation is that ticket here too: quoted with the
                # due time given then, escalated when pressed, never opened a second time.
                self.state.tickets.setdefault(kind, promise.copy())

    # --- helpers --------------------------------------------------------------------------------------------
    def say(self, response: str, **kwargs: Any) -> None:
        offer = kwargs.get("offer")
        if offer and response in PRESENTING and offer not in self.state.mentioned:
            self.state.mentioned.append(offer)  # the order 「第二个」 counts in
        self.decision.say(response, **kwargs)

    def offer(self, code: str | None) -> OfferFacts | None:
        return self.facts.offer(code) if self.facts is not None and code else None

    def keep_number_put(self) -> OfferFacts | None:
        """The keep-number plan put to the customer in this conversation, if one was."""
        return next((o for o in map(self.offer, self.state.put()) if o is not None and o.type == KEEP_NUMBER_TYPE), None)

    def place(self) -> str | None:
        """The place the message names; 「移动那边19块30G」 names an operator, not a place."""
        place = place_in(self.text)
        competitor = self.message.entities.get("competitor")
        return None if place and competitor and place in str(competitor) else place

    def strategy(self) -> Any:
        return self.strategies.of(self.state.reason)

    def open_ticket(self, kind: str) -> bool:
        """Open the ticket of `kind` unless the conversation holds one (one problem, one ticket); True if opened."""
        if kind in self.state.tickets or kind in self.decision.open_tickets:
            return False
        self.decision.open_tickets.append(kind)
        return True

    def ticket(self, kind: str) -> None:
        """Open the ticket of `kind` once; quote it with the commitment line of the reason."""
        if self.open_ticket(kind):
            self.say(COMMIT_RESPONSES.get(kind, "utter_commit_ticket"), ticket=kind)
        else:
            self.say("utter_ticket_status", ticket=kind)

    def ask_phone(self) -> bool:
        """Ask for the number, at most max_phone_asks times; False once the asks are used up. While a code is on
        its way to a number the customer gave, the code is what is missing (not asked in the message that sent
        it, whose line says so)."""
        if self.state.claimed_phone and self.identity.verification == "code_sent":
            return True
        if self.state.phone_asks >= self.strategies.max_phone_asks or self.state.general_help_given:
            return False  # asked enough, or the customer already chose not to give it: no asking again
        self.state.phone_asks += 1
        if self.state.claimed_phone:
            self.say("utter_ask_code")
        else:
            self.say("utter_ask_phone" if self.state.phone_asks == 1 else "utter_ask_phone_again")
        self.state.last_step = "ask_phone"
        return True

    def said_count(self, response: str) -> int:
        return sum(key.startswith(f"{response}#") for key in self.state.said)

    def said_before(self, response: str) -> bool:
        return self.said_count(response) > 0

    # --- the turn -------------------------------------------------------------------------------------------
    def run(self) -> Decision:
        message, state = self.message, self.state
        self.remember_entities()
        if self.state.replies == 0:
            self.say("utter_greet")
        contact = self.contact_number()
        if self.identity.newly:
            self.say("utter_identified", customer_name=self.facts.name)  # type: ignore[union-attr]
        elif self.identity.unknown_number:
            state.unknown_phone = self.identity.unknown_number
            if contact is None:
                self.say("utter_phone_unknown")
        verification = self.identity.verification
        if verification in VERIFICATION_LINES:
            masked = {"phone": self.identity.masked_phone} if verification == "code_sent" else {}
            self.say(VERIFICATION_LINES[verification], **masked)
        intent = message.intent
        if intent in YES_INTENTS and LEAVING.search(self.text) and not KEEP_NUMBER_WORDS.search(self.text):
            intent = "request_cancel"
            self.message = message = replace(message, intent=intent)
        elif (
            intent in ("reason_price_high", "reason_competitor_offer")  # about the offer's price; a fault is news
            and intent != state.reason
            and state.on_table
            and state.last_step in ("propose", "keep_number", "offer_details")
            and DECLINE.search(self.text)
        ):
            intent = "reject_offer"  # 「太贵了，算了吧，我直接转移动」 answers the offer on the table: no new reason
            self.message = message = replace(message, intent=intent)
        elif (
            intent in (*taxonomy.reason_intents(), "ask_product_fact", "out_of_scope")
            and intent != "reason_relocation"
            and QUESTION.search(self.text)
            and COVERAGE_QUESTION.search(self.text)
            and self.place() is not None
        ):
            intent = "ask_coverage"  # a question whether a place is served is never a complaint to file
            self.message = message = replace(message, intent=intent)
        elif (
            intent in YES_INTENTS | {"ask_offer", FALLBACK_INTENT}
            and COMPENSATION_WORDS.search(self.text)
            and not NO_COMPENSATION.search(self.text)
        ):
            intent = "request_compensation"  # 「行吧，明天还不来，你们赔不赔」 asks for amends, not for an offer
            self.message = message = replace(message, intent=intent)
        elif intent == "request_human" and REFUSE_ALL.search(self.text) and not HUMAN_WORDS.search(self.text):
            intent = "reject_offer"  # 「你别给我推什么套餐」 refuses offers; it asks for nobody
            self.message = message = replace(message, intent=intent)
        elif intent in QUESTION_INTENTS | YES_INTENTS | {FALLBACK_INTENT} and state.put() and OTHER_OFFER.search(self.text):
            intent = "ask_offer"  # 「还有别的吗」 after an offer asks for another one
            self.message = message = replace(message, intent=intent)
        elif intent in YES_INTENTS | {"deny", "inform_phone", FALLBACK_INTENT} and len(self.text) <= 12 and GOODBYE_WORDS.search(
            self.text
        ):
            intent = "goodbye"  # 「好 就这样 88」 takes leave; it accepts nothing and is no number
            self.message = message = replace(message, intent=intent)
        if intent != FALLBACK_INTENT:
            state.fallbacks = 0
        if verification == "verified":
            self.after_identification()  # the code: on where the conversation was, whatever the NLU read in it
        elif verification not in (None, "code_sent"):
            pass  # the verification line is the whole answer
        elif (
            state.enrolled
            and WITHDRAW.search(self.text)
            and not LEAVING.search(self.text)
            and (not QUESTION.search(self.text) or WITHDRAW_NOW.search(self.text))
        ):
            self.withdraw()
        elif state.last_step == "withdrawn" and WITHDRAW.search(self.text) and state.rejected:
            self.say("utter_enrolment_withdrawn", offer=state.rejected[-1])  # 「那到底取消了没有」: yes, it is
        elif not state.enrolled and NOT_ASKED_FOR.search(self.text):
            if state.pending:
                self.say("utter_not_enrolled", offer=state.pending)
                state.pending = None
            else:
                self.say("utter_nothing_enrolled")
            state.last_step = "declined_confirmation"
        elif contact is not None:
            self.call_back_on(contact)
        elif state.reason == "reason_billing_error" and BILLED_RIGHT.search(self.text):
            self.billed_right(intent)
        elif state.tickets and CANCEL_TICKET.search(self.text) and (withdrawn := self.ticket_to_cancel()) is not None:
            self.cancel_ticket(withdrawn)
        elif NO_COMPENSATION.search(self.text) or BRUSHED_OFF.search(self.text):
            if BRUSHED_OFF.search(self.text):
                state.offers_refused = True
            if state.on_table:
                self.turn_down_on_table()
                state.pending = None
            self.insist_on_fix()
        elif self.facts is not None and CONTRACT_QUESTION.search(self.text):
            self.contract_answer()
        elif (
            self.facts is not None
            and self.facts.contract_running
            and AFTER_CONTRACT.search(self.text)
            and QUESTION.search(self.text)
        ):
            if not self.after_contract():
                self.contract_answer()
        elif (
            STATUS_QUESTION.search(self.text)
            and (QUESTION.search(self.text) or "什么" in self.text)
            and not (KEEP_NUMBER_WORDS.search(self.text) and not re.search(r"预销户|欠", self.text))
        ) or self.out_of_service_asked():  # (「停机保号回来以后怎么恢复」 asks about the plan)
            self.account_status()
        elif PENALTY.search(self.text) and not THE_OFFER.search(self.text) and self.named_offer() is None:
            self.penalty_answer()
        elif state.pending and intent not in QUESTION_INTENTS | {"bot_challenge"}:
            self.answer_confirmation()
        elif (
            is_non_commitment(self.message.text)
            and (not QUESTION.search(self.text) or self.decides_after_promise())
            and (
                intent not in NO_INTENTS | {"goodbye", "thank", *taxonomy.reason_intents()}
                or THINKING_IT_OVER.fullmatch(self.text) is not None
                or (WAITING_ON_PROMISE.search(self.text) is not None and bool(state.tickets))
                or self.decides_after_promise()
                or (THINKING.search(self.text) is not None and state.reason_status == "confirmed")
            )
            and (state.on_table or state.tickets or self.decision.open_tickets or state.reason_status == "confirmed")
        ):
            self.wait()  # (「算了，不要了，我再想想」 once the reason is known: time to think, not a keep-number pitch)
        elif COMPLAINT_CHANNEL.search(self.text) and self.facts is not None:
            if intent in taxonomy.reason_intents() and state.reason is None:
                self.empathize_first(intent)  # 「态度太差，我要投诉」: the feeling heard before the form is filed
            self.ticket("complaint")
        elif PROCEDURE.search(self.text) and intent not in YES_INTENTS | {"request_human"}:
            self.ask_how_to_leave()
        elif (
            self.facts is None
            and not state.claimed_phone
            and (state.last_step in ("ask_phone", "general_help") or WHY_NUMBER.search(self.text))
            and "号码" in self.text
            and intent not in ("inform_phone",) + tuple(taxonomy.reason_intents())
        ):
            self.say("utter_why_phone")
            self.general_help()
        elif (
            (CHOOSING.search(self.text) and not QUESTION.search(self.text) or HOW_TO_GET.search(self.text))
            and intent not in NO_INTENTS
            and (state.reason or state.put() or state.listed)  # a choice comes after listening, never before
            and self.names_a_product()
        ):
            self.choose()
        elif CALLS_NEED.search(self.text) and (halting := self.on_table_cutting_calls()) is not None:
            self.drop_unsuitable(halting)  # 「停机了我还怎么打电话」 to 停机保号
        elif NO_MAIN_CARD.search(self.text) and (card := self.sub_card_in_question()) is not None:
            self.drop_unsuitable(card)  # 「我家里没有电信的主卡」 to the 副卡 offer
        elif state.put() and SWAP_OFFER.search(self.text) and not LEAVING.search(self.text) and self.facts is not None:
            if state.on_table and re.search(r"不要|不行|算了|不合适", self.text):
                self.turn_down_on_table()  # 「不要59的。换一个」: that one refused, another asked for
            self.ask_offer()
        elif (
            QUESTION.search(self.text)
            and intent not in NO_INTENTS | YES_INTENTS | {"request_human", "request_compensation", "ask_how_to_leave"}
            and self.question_about_offers()
        ):
            pass
        elif (STAYING.search(self.text) or self.keeps_line_on_moving()) and not QUESTION.search(self.text) and not state.pending:
            self.stays()
        elif state.reason and state.reason_status == "heard" and MISHEARD.search(self.text) and not state.tickets:
            self.misheard(intent)
        elif state.reason is None and NO_REASON.search(self.text) and intent not in QUESTION_INTENTS - {"ask_offer_details"}:
            self.vague()  # 「没什么原因」 answers the probe, whatever the model read in it (an offer question, small talk)
        elif intent in taxonomy.reason_intents():
            self.hear_reason(intent)
        elif intent == "inform_phone":
            self.after_identification()
        elif intent in QUESTION_INTENTS:
            getattr(self, intent)()
        elif intent == "request_compensation":
            self.compensation()
        elif intent == "request_human":
            self.handoff()
        elif intent == "bot_challenge":
            self.say("utter_bot_challenge")
        elif intent == "out_of_scope":
            self.say("utter_out_of_scope")
        elif intent == "greet":
            self.say("utter_ask_how_to_help")
        elif intent in ("thank", "goodbye"):
            self.closing_words(intent)
        elif intent == "ask_offer":
            self.ask_offer()
        elif intent in YES_INTENTS:
            self.yes()
        elif intent == FALLBACK_INTENT:
            self.not_understood()
        else:  # request_cancel, deny, reject_offer
            self.no()
        if not [line for line in self.decision.lines if line.response not in ("utter_greet", "utter_identified")]:
            self.say("utter_ask_how_to_help")  # nothing new to say: never an empty reply, never a repeat
        state.replies += 1
        return self.decision

    def remember_entities(self) -> None:
        if SMS_NEED.search(self.text):
            self.state.needs_sms = True
        if DATA_SHORT.search(self.text):
            self.state.needs_data = True
        if CALLS_NEED.search(self.text):
            self.state.needs_calls = True
        if LEAVING.search(self.text) or self.message.intent in ("request_cancel", "ask_how_to_leave"):
            # 「宽带不要了」 then 「流程呢？」: the steps asked for are those of what they said they would drop
            self.state.leave_topic = self.leave_topic() or self.state.leave_topic
        if self.message.intent in ("reason_relocation", "ask_coverage"):
            self.state.place = self.place() or self.state.place
        if ABROAD.search(self.text) and "reason_relocation" in (self.message.intent, self.state.reason):
            self.state.abroad = True
        entities = self.message.entities
        if entities.get("competitor"):
            self.state.competitor = str(entities["competitor"])
        amount = entities.get("amount")
        if isinstance(amount, (int, float)) and self.message.intent == "reason_competitor_offer":
            self.state.competitor_amount = float(amount)

    # --- 探询原因 --------------------------------------------------------------------------------------------
    def empathize_first(self, reason: str) -> None:
        """A first reason told together with a demand that is acted on at once: heard and answered with feeling
        (or an acknowledgement), and kept as heard, so the probe for other reasons can still come."""
        state = self.state
        state.reason, state.need, state.reason_status = reason, self.told_need(), "heard"
        self.empathize()

    def told_need(self) -> str:
        """The need behind a reason; a reason told without a clear one is taken as wanting to be heard."""
        return self.message.need if self.message.need in ("emotional", "rational") else "emotional"

    def ticket_to_cancel(self) -> str | None:
        """The ticket of this conversation a withdrawal is about: the one it names (number, compensation, call-
        back), else the only one held; None when several are held and none is named (nothing withdrawn on a guess)."""
        named = self.ticket_asked_about()
        if named is not None:
            return named
        if COMPENSATION_WORDS.search(self.text):
            return None  # 「我不要什么补偿，我要的是把网修好」 with no review held withdraws no repair
        return next(iter(self.state.tickets)) if len(self.state.tickets) == 1 else None

    def forget_reason(self) -> None:
        """The reason heard turned out wrong (denied, or filed on a misreading): asked about afresh."""
        self.state.reason, self.state.reason_status = None, "none"

    def cancel_ticket(self, kind: str) -> None:
        """A ticket filed on a misreading (「单子撤了吧 我没说扣错钱」) is withdrawn and said to be; the reason it
        was filed for is forgotten with it, so that the customer's own words decide what comes next."""
        state = self.state
        promise = state.tickets.pop(kind)
        self.decision.cancel.append(promise.id)
        strategy = self.strategy()
        if strategy is not None and strategy.fix == kind:
            self.forget_reason()
        self.say("utter_ticket_cancelled", ticket_id=promise.id)
        state.last_step = "ticket_cancelled"

    def billed_right(self, intent: str) -> None:
        """「不是扣错了 扣的是对的」: no billing check; what they pay is the complaint (or the reason they name)."""
        strategy = self.strategy()
        check = strategy.fix if strategy is not None else None
        if check and check in self.state.tickets:
            self.cancel_ticket(check)
        self.forget_reason()
        told = intent if intent in taxonomy.reason_intents() and intent != "reason_billing_error" else "reason_price_high"
        self.message = replace(self.message, intent=told)
        self.hear_reason(told)

    def misheard(self, intent: str) -> None:
        """「我没说你们态度不好，是网太慢」: the reason heard is forgotten; one told in its place is heard as the
        first, else the customer is asked again (only before anything was filed on the wrong reason)."""
        denied = self.state.reason
        self.forget_reason()
        if intent in taxonomy.reason_intents() and intent != denied:
            self.hear_reason(intent)
            return
        self.say("utter_reason_misheard")
        self.state.last_step = "probe"

    def bill_breakdown(self) -> None:
        """「套餐才29 为啥每个月交四十多」: what the account shows — the plan's fee, the services on the line and the
        average actually paid — said once, before the check that finds where the rest comes from."""
        facts = self.facts
        said = self.said_before("utter_bill_breakdown") or self.said_before("utter_bill_as_planned")
        if facts is None or facts.plan_fee is None or facts.monthly_cost is None or said:
            return
        services = f"，另外开通了{'、'.join(facts.services)}" if facts.services else ""
        # 「差额从哪来」 of a bill that is the plan's fee would invent a difference: the plain match is said instead
        as_planned = abs(facts.monthly_cost - facts.plan_fee) < 1
        self.say("utter_bill_as_planned" if as_planned else "utter_bill_breakdown", plan_fee=f"{yuan(facts.plan_fee)}元",
                 services=services, monthly_cost=f"{whole_yuan(facts.monthly_cost)}元")

    def hear_reason(self, reason: str) -> None:
        state = self.state
        if reason == "reason_billing_error" and DATA_SHORT.search(self.text):
            reason = "reason_price_high"  # 「是流量不够用 超出去扣钱」: their own overuse, no billing error to check
        if state.reason is None and NO_REASON.search(self.text):
            self.vague()  # 「不为什么，就是想销」 tells no reason, whatever the NLU read (or guessed) in it
            return
        need = self.told_need()
        heard = state.reason if state.reason_status == "heard" else None
        told = self.strategies.of(reason)
        heard_strategy = self.strategies.of(heard) if heard is not None else None
        heard_fix = heard_strategy.fix if heard_strategy is not None else None
        if heard is not None and heard_fix and told and told.fix and told.fix != heard_fix and self.one_problem(
            told.fix, heard_fix
        ):
            reason = heard  # 「就是光猫的问题，网速倒还行」 after the broken modem: the modem, whatever fault it was read as
        elif heard is not None and heard != reason and NO_OTHER_REASON.search(self.text) and (
            not (told and told.fix) or FINE.search(self.text)
        ):
            # 「没有别的原因，就是放着没用」: the reason already heard, confirmed in other words; a fault named there
            # (「没别的，就是手机老出毛病」) is a concrete problem and is heard as told.
            reason = heard
        same = reason == state.reason
        first, previous = state.reason is None, state.reason
        state.reason, state.need = reason, need
        previous_words = state.reason_words or ""
        if not same:
            state.reason_words = self.message.text[:REASON_WORDS_KEPT]
        if same and state.reason_status != "none":
            # The reason again: confirmation that it is the real one; a fix already promised is quoted.
            if need == "emotional":
                self.empathize()
            self.confirm_reason()
            return
        self.empathize()
        if reason == "reason_billing_error":
            self.bill_breakdown()
        if reason == "reason_contract_end" and self.facts is not None and self.facts.contract_running:
            self.contract_answer()  # 「合约快到期了」 from a contract that runs to 2028: the date, from the account
        if first and state.reason_status == "none":
            state.reason_status = "heard"
            fix = self.strategy().fix
            if fix and need == "rational" and self.facts is not None and self.open_fix() is None:
                self.ticket(fix)
            self.say("utter_probe_other_reason", topic=self.strategy().topic)
            state.last_step = "probe"
            if self.facts is None:
                self.ask_phone()
            return
        # A second, different reason: the real one, revealed on probing. Heard and asked about, not sold to.
        state.reason_status = "confirmed"
        fix, held = self.strategy().fix, self.open_fix()
        if fix and held is not None and (fix in (held, "complaint") or self.one_problem(fix, held)):
            self.insist_on_fix()  # the same problem (or the complaint that it is not fixed), said again
            return
        unresolved = self.strategies.of("reason_unresolved_problem")
        reported = REPORTED_BEFORE.search(previous_words + self.text) or (self.facts and self.facts.open_tickets)
        if (
            previous == "reason_unresolved_problem"
            and fix
            and unresolved is not None
            and unresolved.fix
            and reported
            and self.facts is not None  # a ticket needs the account: before the number, heard and probed below
        ):
            # 「报修三次了」 then what the fault is: the repair that failed is complained about, not filed again.
            # (「又断了，这礼拜第三次了」 reported nothing: the fault's own ticket.)
            self.ticket(unresolved.fix)
            return
        if fix and self.facts is not None:
            self.ticket(fix)
            if need == "rational":
                self.say("utter_ask_stay_after_fix")
                state.last_step = "fix"
            return
        self.say("utter_probe_detail", probe=self.strategy().probe)
        state.last_step = "probe"
        if self.facts is None:
            self.ask_phone()

    def empathize(self) -> None:
        reason = self.state.reason.removeprefix("reason_")  # type: ignore[union-attr]
        kind = "empathize" if self.state.need == "emotional" else "acknowledge"
        self.say(f"utter_{kind}_{reason}")

    def confirm_reason(self, *, insisting: bool = False) -> None:
        self.state.reason_status = "confirmed"
        self.act_on_reason(insisting=insisting)

    def open_fix(self) -> str | None:
        """The kind of the fix ticket this conversation already holds (one problem, one ticket)."""
        fixes = {s.fix for s in self.strategies.reasons.values() if s.fix}
        held = [kind for kind in [*self.state.tickets, *self.decision.open_tickets] if kind in fixes]
        own = self.strategy().fix if self.strategy() else None
        if own in held:
            return own  # 「能修吗」 is about the problem being talked about
        if own in ("network_repair", "device_repair"):
            # a new fault is a new ticket (「另外家里宽带晚上特别卡」 is not the billing check of yesterday), unless
            # it is the same broken equipment told as the other kind of fault
            return next((kind for kind in held if self.one_problem(own, kind)), None)
        return next(iter(held), None)

    def one_problem(self, fix: str, held: str) -> bool:
        """A broken modem is a network fault to one customer and a device fault to another: one ticket."""
        if {fix, held} != {"network_repair", "device_repair"}:
            return False
        # 「系统更新后5G信号没了」 after the signal fault was filed: the phone is a suspect of that fault, not a second one.
        return bool(HOME_EQUIPMENT.search(self.text)) or (held == "network_repair" and bool(SIGNAL.search(self.text)))

    def insist_on_fix(self) -> None:
        """The customer presses on the problem already promised: the same ticket, escalated, never a new one."""
        kind = self.open_fix()
        if kind is None:
            fix = self.strategy().fix if self.strategy() else None
            if fix and self.facts is not None:
                self.ticket(fix)
            else:
                self.say("utter_no_ticket_yet")
            return
        self.follow_up_on(kind)

    def follow_up_on(self, kind: str) -> None:
        """A question about a promised ticket: the promise quoted the first time (「能修吗？要多久？」), the same
        ticket escalated when the customer presses (again, or in anger); never a second ticket."""
        kind = self.ticket_asked_about() or kind
        promise = self.state.tickets.get(kind)
        if promise is None:
            self.say("utter_ticket_status", ticket=kind)
            return
        if self.note_question(kind):
            return
        promise.asked += 1
        if promise.asked >= 2 or INSISTS.search(self.text) or self.message.need == "emotional":
            self.decision.escalate.append(kind)
            self.say("utter_ticket_escalated", ticket=kind)
        else:
            self.say("utter_ticket_status", ticket=kind)

    def ticket_number(self) -> str | None:
        """The ticket number the message names (「单号2」「9号工单」), if any."""
        match = TICKET_NUMBER.search(self.text)
        return (match.group(1) or match.group(2)) if match is not None else None

    def ticket_asked_about(self) -> str | None:
        """The held ticket the message names: by its number, or as the compensation review or the call-back; a
        question about one of several tickets is answered with that one, never with the repair's."""
        tickets = self.state.tickets
        number = self.ticket_number()
        if number is not None:
            named = next((k for k, p in tickets.items() if p.id == number), None)
            if named is not None:
                return named
        if COMPENSATION_WORDS.search(self.text) and "compensation_review" in tickets:
            return "compensation_review"
        if CALL_BACK_WORDS.search(self.text) and "callback" in tickets:
            return "callback"
        return None

    def note_question(self, kind: str) -> bool:
        """「换光猫要钱吗」「能给我换个新的吗」 about a promised fix: what the bot cannot know is written into that
        ticket and answered by whoever works on it; never an invented yes or no, never only the ticket's status,
        never a second ticket. A question of when or how far (「多久」) is the status instead."""
        if kind not in self.state.tickets or not QUESTION.search(self.text):
            return False
        if PROGRESS_WORDS.search(self.text) or INSISTS.search(self.text):
            return False
        self.decision.note.append(kind)
        self.say("utter_question_noted", ticket=kind)
        return True

    def act_on_reason(self, *, insisting: bool = False) -> None:
        """The reason is known: for a fault the fix first (one ticket with a time) and nothing sold unless the
        customer still insists on leaving; otherwise a suitable offer."""
        if self.facts is None:
            if not self.ask_phone():
                self.general_help()
            return
        strategy = self.strategy()
        if strategy.fix:
            kind = self.open_fix()
            if kind is None:
                self.ticket(strategy.fix)
                self.ask_to_stay()
                return
            if not insisting:
                if self.note_question(kind):
                    return
                self.say("utter_ticket_status", ticket=kind)
                if not self.state.stay_asked:
                    self.ask_to_stay()
                return
        self.propose_next(insisting=insisting)

    def ask_to_stay(self) -> None:
        self.say("utter_ask_stay_after_fix")
        self.state.stay_asked = True
        self.state.last_step = "fix"

    def vague(self) -> None:
        """No reason given: an open question, then a focused one, then keep-number advice, then how to leave."""
        state = self.state
        insisting = self.message.intent == "request_cancel"
        if state.reason_status == "heard":
            self.confirm_reason(insisting=insisting)
            return
        if state.reason_status == "confirmed":
            self.act_on_reason(insisting=True)
            return
        state.vague_probes += 1
        if state.vague_probes == 1:
            self.say("utter_probe_reason")
            state.last_step = "probe"
            if self.facts is None and state.phone_asks == 0:
                self.ask_phone()
        elif state.vague_probes == 2:
            self.say("utter_probe_deeper")
            state.last_step = "probe"
        elif not state.keep_number_done:
            self.keep_number()
        else:
            self.close_lost()

    # --- 提供建议 --------------------------------------------------------------------------------------------
    def may_propose(self) -> bool:
        return (
            self.facts is not None
            and not self.state.offers_refused
            and len(self.state.proposed) < 2
            and self.state.reason_status == "confirmed"
        )

    def propose_next(self, *, insisting: bool = False) -> None:
        """The next suitable offer, else the keep-number option; then, for a customer who insists on leaving,
        the respectful close, and for anyone else an honest 「没有更合适的」 (a question never closes a talk)."""
        state = self.state
        if self.facts is None and not state.general_help_given:
            if not self.ask_phone():
                self.general_help()
            return
        if self.may_propose():
            offers = self.reason_offers()
            if offers:
                self.propose(offers[0])
                return
        # The keep-number option when the customer insists on leaving (seed 002: 执意离网 → 建议保号留网), or
        # as a plan a light user is offered; never as a reply to a question.
        if not state.keep_number_done and not state.offers_refused and (insisting or self.keep_number_plan()):
            self.keep_number()
        elif insisting:
            self.close_lost()
        else:
            self.no_better_offer()

    def no_better_offer(self) -> None:
        """Nothing suitable: said honestly once, with the contract end and the plan it opens when a running
        contract is why; not repeated (the caller's other lines, or a question back, carry the reply)."""
        facts = self.facts
        if facts is not None and facts.contract_running and facts.contract_end is not None:
            if self.said_before("utter_no_offer_in_contract") or self.said_before("utter_no_offer_in_contract_at_all"):
                if not self.said_before("utter_contract_end"):
                    self.contract_answer()
                elif not self.said_before("utter_contract_still_binding"):
                    self.say("utter_contract_still_binding", contract_end=f"{facts.contract_end:%Y年%m月%d日}")
                return
            end = facts.contract_end
            after = self.offers_after_contract()
            when = f"{end.year}年{end.month}月{end.day}日"
            if after is not None:
                self.say("utter_no_offer_in_contract", contract_end=when, offer=after.code)
            else:
                self.say("utter_no_offer_in_contract_at_all", contract_end=when)
        elif self.said_count("utter_no_better_offer") < 2:
            self.say("utter_no_better_offer")  # asked again: the honest no in other words, not a change of subject

    def offers_after_contract(self) -> OfferFacts | None:
        """The best offer a running contract alone keeps from the customer (what they can have once it ends)."""
        if self.facts is None or not self.state.reason:
            return None
        waiting = {o.code for o in self.facts.offers if o.why_not and all("协议期内" in why for why in o.why_not)}
        freed = replace(
            self.facts, offers=tuple(replace(o, eligible=True) if o.code in waiting else o for o in self.facts.offers)
        )
        offers = suitable_offers(freed, self.strategies, self.state.reason, needs_sms=self.state.needs_sms)
        return next((o for o in offers if o.code in waiting), None)

    def propose(self, offer: OfferFacts) -> None:
        state = self.state
        state.proposed.append(offer.code)
        state.on_table = offer.code
        self.decision.propose.append(offer.code)
        self.say("utter_propose_offer", offer=offer.code)
        cost = self.facts.monthly_cost if self.facts is not None else None
        # A comparison only for a plan that replaces the customer's own (a 副卡 or a bundle is no like-for-like).
        broadband_apart = offer.type in MOBILE_PLAN_TYPES and self.facts is not None and self.facts.has_broadband
        if broadband_apart and offer.facts.get("broadband"):
            # 「59元，每月能省100元」 to a customer whose 159元 includes broadband compares nothing alike
            self.say("utter_offer_fact", offer=offer.code, fact=offer.facts["broadband"])
        like_for_like = offer.type == KEEP_NUMBER_TYPE or (offer.type in MOBILE_PLAN_TYPES and not broadband_apart)
        if cost is not None and like_for_like:
            saving = cost - offer.monthly_total(cost)
            if saving >= self.strategies.min_saving:
                if state.competitor_amount is not None:
                    self.say("utter_compare_competitor", offer=offer.code, competitor=state.competitor or "对方",
                             competitor_amount=f"{state.competitor_amount:g}")
                elif state.reason == "reason_competitor_offer":
                    self.say("utter_compare_cost", offer=offer.code)
                else:
                    self.say("utter_compare_saving", offer=offer.code)
        state.last_step = "propose"

    def reason_offers(self) -> list[OfferFacts]:
        """The offers the reason's strategy suits to this customer, not yet put or refused; none for a customer
        moving abroad (keeping the number is what suits them)."""
        state = self.state
        if self.facts is None or state.abroad:
            return []
        offers = [
            o for o in suitable_offers(
                self.facts, self.strategies, state.reason or "", exclude={*state.proposed, *state.rejected},
                first=not state.proposed, needs_sms=state.needs_sms,
            )
            if not self.out_of_reach(o)
        ]
        if state.needs_data:
            # 「流量老不够用」: a data pack they may have comes first, the free one before a paid one
            packs = sorted(
                (o for o in self.facts.offers if o.type == DATA_PACK_TYPE and o.eligible
                 and o.code not in {*state.proposed, *state.rejected} and "reason_price_high" in o.rules.reasons),
                key=lambda o: (o.monthly_price or 0, o.code),
            )
            offers = [*packs, *(o for o in offers if o not in packs)]
        return offers

    def on_table_cutting_calls(self) -> OfferFacts | None:
        """The offer on the table when it stops calls (停机保号) and the message is about it, not about another
        plan it names (「8元那个能接电话吗」)."""
        offer = self.offer(self.state.on_table)
        named = self.named_offer()
        if offer is None or (named is not None and named.code != offer.code) or not keeps_no_calls(offer):
            return None
        return offer

    def drop_unsuitable(self, offer: OfferFacts) -> None:
        """An offer the customer's words show cannot serve them: said once, turned down, and the next option
        instead (never its details again)."""
        state = self.state
        self.say("utter_offer_not_suitable", offer=offer.code)
        if state.on_table == offer.code:
            self.turn_down_on_table()
        if state.discussed == offer.code:
            state.discussed = None
        self.propose_next()

    def sub_card_in_question(self) -> OfferFacts | None:
        """The 副卡 offer on the table or just asked about, if that is what the conversation is on."""
        offer = self.offer(self.state.on_table or self.state.discussed)
        return offer if offer is not None and "副卡" in offer.name else None

    def moves_to_another_city(self) -> bool:
        """The place the customer moves to is not the city their line is in (a district of it may be taken for
        another city: then a check is promised, which is honest either way)."""
        place, city = self.state.place, self.facts.city if self.facts is not None else None
        return bool(place and city and place not in city and city not in place)

    def out_of_reach(self, offer: OfferFacts) -> bool:
        return offer.rules.local_only and self.moves_to_another_city()

    def move_needs_checking(self) -> None:
        """「宽带能移到成都吗」 from 上海: moving broadband to another city is checked there, not promised."""
        city = self.facts.city if self.facts is not None else None
        self.say("utter_move_other_city", city=city or "", place=self.state.place or "")
        self.ticket("home_visit")

    def keep_number(self, plan: OfferFacts | None = None) -> None:
        """The keep-number option (seed 002: 分析换号风险，建议保号留网): a plan for a light user, else advice."""
        state = self.state
        state.keep_number_done = True
        if state.leave_topic == "port":
            # 携号转网 takes the number along: neither a keep-number plan nor the switching-risk advice keeps
            # anything for them; the steps they asked about do
            state.on_table = None
            if not self.said_before("utter_how_to_leave_port"):
                self.say("utter_how_to_leave_port")
            state.last_step = "how_to_leave"
            return
        already = any(self.offer(code) and self.offer(code).type == KEEP_NUMBER_TYPE for code in state.proposed)
        plan = None if already else (plan or self.keep_number_plan())
        if plan is not None and not state.offers_refused:
            state.keep_number_code = plan.code
            state.on_table = plan.code
            self.decision.propose.append(plan.code)
            self.say("utter_retain_number", offer=plan.code)
        else:
            state.on_table = None
            self.say("utter_retain_number_advice")
        state.last_step = "keep_number"

    def question_about_offers(self) -> bool:
        """A question about keeping the number, a named product, the offer on the table or a cheaper one, in
        whatever words the NLU filed it under: answered from data. False when it is about none of these."""
        state = self.state
        if self.asks_about_own_plan():
            self.own_plan()
            return True
        if KEEP_NUMBER_WORDS.search(self.text) and self.facts is not None:
            put = self.keep_number_put()
            if put is not None and self.named_offer() is None:
                self.answer_about(put)  # 「留着这个号最少多少钱」 after a keep-number plan was put: that plan's price
                return True
            plan = self.keep_number_plan(asked=True)
            if not state.keep_number_done and not state.offers_refused and self.topic() is None and plan is not None:
                self.keep_number(plan)
                return True
            named = self.named_offer()
            if named is not None and self.topic() is not None:
                self.answer_about(named)
                return True
            return self.keep_number_options()
        named = self.named_offer()
        # A complaint that names a product (「什么视频会员，凭什么扣」) is not a question about an offer.
        asks_about_it = (
            self.topic() is not None
            or self.message.intent in QUESTION_INTENTS | {"ask_offer"}
            or PRICE_QUESTION.search(self.text) is not None
        )
        if named is not None and (named.code in state.put() or asks_about_it):
            self.answer_about(named)
            return True
        asked = self.offer_asked_about()
        if asked is not None and asked.code in (*state.put(), state.discussed) and self.topic() is not None:
            self.answer_about(asked)
            return True
        if PRICE_WORDS.search(self.text) and state.reason:
            self.ask_offer()
            return True
        place = self.place()
        if place and self.topic() in ("data", "calls"):
            self.say("utter_general_fact", fact=f"在{place}也一样：{self.strategies.general_fact('漫游')}")
            return True
        general = self.strategies.general_fact(self.text)
        if general is not None and self.message.intent not in taxonomy.reason_intents():
            self.say("utter_general_fact", fact=general)
            return True
        return False

    def keep_number_plan(self, *, asked: bool = False) -> OfferFacts | None:
        """The keep-number plan to put: a light user is offered one (停机保号 cuts calls and data); anyone who
        asks how to keep the number is answered with the cheapest they may have (that keeps SMS if needed)."""
        if self.facts is None:
            return None
        state = self.state
        return keep_number_plan(
            self.facts, self.strategies, state.rejected, needs_sms=state.needs_sms, needs_calls=state.needs_calls,
            light_only=not (asked or state.abroad),
        )

    def topic(self) -> str | None:
        """The offer fact a message asks about (通话, 短信, 流量, 违约金 …), if any."""
        return next((t for word, t in FACT_WORDS if word in self.text), None)

    def ask_offer(self) -> None:
        """「有便宜点的吗」: a question about the offer on the table, the next suitable offer, or an honest no."""
        state = self.state
        if state.on_table and self.topic() is not None:
            self.ask_offer_details()
            return
        named = self.named_offer()
        if named is not None and named.code not in state.put():
            self.answer_about(named)
            return
        if not state.reason and PRICE_WORDS.search(self.text):
            state.reason, state.need = "reason_price_high", "rational"  # 「有没有便宜点的」 says what matters
        if not state.reason:
            self.say("utter_probe_before_offer")
            state.last_step = "probe"
            return
        state.reason_status = "confirmed"
        state.offers_refused = False  # the customer asks again: a change of mind, theirs to make
        if self.facts is None:
            if not self.ask_phone():
                self.general_help()
            return
        strategy = self.strategy()
        if strategy is not None and strategy.fix and self.open_fix() is None:
            self.act_on_reason()  # a fault: the fix first, whatever the customer asks for
            return
        before = len(self.decision.propose)
        if len(state.proposed) < 2:
            offers = self.reason_offers()
            if offers:
                self.propose(offers[0])
                return
        standing = [code for code in state.proposed if code not in state.rejected]
        if standing:
            state.on_table = standing[-1]
            self.say("utter_still_best_offer", offer=standing[-1])
            state.last_step = "propose"
        elif not state.keep_number_done and self.keep_number_plan():
            self.keep_number()
        if len(self.decision.propose) == before and not standing:
            self.no_better_offer()

    def yes(self) -> None:
        """An accept or a plain yes: a choice when an offer waits for an answer, else agreement to go on."""
        state = self.state
        if QUESTION.search(self.text) and not EXPLICIT_YES.search(self.text) and self.question_about_offers():
            return  # 「免费提速那个要换线吗」 asks before it chooses
        if state.on_table and DECLINE.search(self.text) and not EXPLICIT_YES.search(self.text):
            # 「那算了」 read as a yes is the no it says; 「那算了，我再看看」 is also time to think
            self.wait() if is_non_commitment(self.message.text) else self.no()
            return
        if self.changes_mind():
            return
        if (state.on_table and state.last_step in ("propose", "keep_number", "offer_details", "fact")) or (
            state.last_step == "options" or (state.last_step == "offer_details" and state.discussed)
        ):
            self.choose()
            return
        if (self.message.intent == "accept_offer" and state.put()) or self.names_a_product():
            self.choose()
            return
        held = bool(state.tickets or self.decision.open_tickets)
        if (state.last_step == "fix" and held) or (self.open_fix() is not None and state.last_step != "fix_agreed"):
            # Willing to wait for the fix: the promise stands, nothing is sold on top of it (and with no ticket
            # there is no promise to quote).
            self.say("utter_fix_agreed")
            state.last_step = "fix_agreed"
            return
        if state.reason_status == "heard":
            self.confirm_reason()
            return
        if state.closed:
            self.closing_words("thank")
            return
        if state.reason_status == "confirmed" and state.last_step == "probe" and not state.put():
            # 「就是便宜啊」「那19的呢」 answer the detail probe: what it asked is told, the reason is acted on
            # (「有什么可以帮您？」 there would forget the whole conversation)
            self.act_on_reason()
            return
        if not state.put() and (CHOOSING.search(self.text) or EXPLICIT_YES.search(self.text)):
            self.say("utter_no_offer_yet")  # 「好，就办这个」 with nothing put: nothing to enrol, said plainly
            return
        if self.said_count("utter_ask_how_to_help") >= 2 and not self.said_before("utter_goodbye"):
            self.say("utter_goodbye")  # 「嗯」「好」 again and again to 「有什么可以帮您」: nothing more today
            return
        self.say("utter_ask_how_to_help")

    def changes_mind(self) -> bool:
        """「算了」 … 「还是办了吧」: the offer turned down last is put again and confirmed, never enrolled at once;
        a close said after the no is no longer the end of the talk."""
        state = self.state
        if self.facts is None or state.enrolled or state.on_table or not state.rejected:
            return False
        if not CHANGE_OF_MIND.search(self.text) or self.names_a_product():
            return False  # a product named is a choice of its own, checked as one
        code = state.rejected[-1]
        if self.offer(code) is None:
            return False
        state.rejected.remove(code)
        state.offers_refused = state.closed = False
        state.on_table = state.pending = code
        self.say("utter_confirm_enrolment", offer=code)
        state.last_step = "confirm"
        return True

    def wait(self) -> None:
        """「好，等你们消息」「我再考虑考虑」: nothing is done for them; a promise already made stands. 「算了，不用
        了，我再想想」 turns the offer on the table down and is given the time it asks for."""
        state = self.state
        if state.on_table and DECLINE.search(self.text):
            # Turned down, and time asked for: no next offer and no farewell pressed on them.
            self.turn_down_on_table()
            self.say("utter_take_your_time")
            state.last_step = "wait"
            return
        if (self.state.tickets or self.decision.open_tickets) and self.state.last_step != "fix_agreed":
            self.say("utter_fix_agreed")
            self.state.last_step = "fix_agreed"
            return
        self.choose()  # says 「不着急」 and, when they asked to be told, opens the reason's follow-up promise

    def own_fee(self) -> Decimal | None:
        return self.facts.plan_fee if self.facts is not None else None

    def asks_about_own_plan(self) -> bool:
        """「我这个39的里面有多少分钟」「129的继续用划算吗」: the plan they are on, named or priced as theirs."""
        facts = self.facts
        if facts is None or not facts.plan_name or self.named_offer() is not None:
            return False
        if ALTERNATIVE.search(self.text):
            return False  # 「有没有不用每个月交29的办法」 asks for something else
        fee = facts.plan_fee
        priced = fee is not None and re.search(rf"(?<![\d.]){fee.normalize():f}(\.0+)?\s*(元|块)?\s*(的|那|套餐)", self.text)
        return bool(OWN_PLAN.search(self.text) or priced)

    def own_plan(self) -> None:
        """What their plan includes (from its catalogue entry, when there is one) and what they used last month
        (from the account), so that they can judge it themselves; an allowance not on record is not guessed."""
        facts = self.facts
        if facts is None or not facts.plan_name:
            return  # asks_about_own_plan() holds only for an identified customer with a plan on record
        twin = facts.own_plan_offer()
        allowance = f"按套餐介绍：{twin.description.split('；')[0].rstrip('。')}。" if twin is not None else (
            "套餐里具体包含多少分钟和流量，我这边看不到明细，需要的话我帮您核实。"
        )
        used = []
        if facts.mou is not None:
            used.append(f"通话约{facts.mou}分钟")
        if facts.dou_mb is not None:
            used.append(f"流量约{facts.dou_mb / 1024:.1f}GB")
        usage = f"按账户记录，您近几个月平均每月{'、'.join(used)}。" if used else ""
        fee = f"每月{facts.plan_fee.normalize():f}元" if facts.plan_fee is not None else "月费我这边看不到"
        self.say("utter_own_plan", plan_name=facts.plan_name, plan_fee=fee, allowance=allowance, usage=usage)

    def names_a_product(self) -> bool:
        catalogue = list(self.facts.offers) if self.facts is not None else []
        return resolve_choice(self.message.text, [], catalogue, eligible_only=False, own_fee=self.own_fee()).named

    def choose(self) -> None:
        state = self.state
        if is_non_commitment(self.message.text):
            self.say("utter_take_your_time")
            strategy = self.strategy()
            if CONTACT_ME.search(self.text) and strategy is not None and strategy.follow_up and self.facts is not None:
                self.ticket(strategy.follow_up)
            state.last_step = "wait"
            return
        shown = state.listed if state.last_step == "options" else state.put()
        if state.last_step == "offer_details" and state.discussed and state.discussed not in shown:
            shown = [*shown, state.discussed]  # 「好，就办这个」 right after asking about it
        if ORDINAL.search(self.text) and len(state.mentioned) > len(shown):
            shown = state.mentioned  # 「那就第二个吧」 after asking about two products: the order they were told in
        put = [o for o in (self.offer(code) for code in shown) if o is not None and o.code not in state.rejected]
        catalogue = self.facts.offers if self.facts is not None else ()
        choice = resolve_choice(self.message.text, put, catalogue, eligible_only=False, own_fee=self.own_fee())
        offer = self.offer(choice.code)
        if offer is None:
            self.say("utter_which_offer")
            return
        if self.out_of_reach(offer):
            self.move_needs_checking()  # never enrolled on terms that may not hold in the other city
            return
        # The product the customer asked about themselves (「有没有最便宜的保号方式」 … 「那我留下来吧」) is named.
        named = choice.named or (offer.code == state.discussed and offer.code not in state.put())
        if named and not self.suits(offer, named=named) and offer.type == KEEP_NUMBER_TYPE:
            # 「那就保号吧」 names the kind, not the plan: the keep-number plan that suits them. So does 「那就办这个吧」
            # after 「保号能收短信吗」 was answered with 「需要收验证码的话请选8元保号套餐」 (a bare yes to a plan put
            # to them takes that plan, never another one).
            alike = [
                o for o in catalogue if o.type == offer.type and o.code != offer.code and self.suits(o, named=True)
            ]
            if alike and not re.search(r"\d|停机", self.text):
                offer = min(alike, key=lambda o: (o.monthly_price or 0, o.code))
        if offer.code not in state.put() and not self.suits(offer, named=named):
            if offer.why_not:
                self.say("utter_offer_not_eligible", offer=offer.code, why_not="；".join(offer.why_not_plain))
            else:
                self.say("utter_offer_not_suitable", offer=offer.code)
            state.discussed = None
            state.last_step = "not_suitable"  # a yes to this answer chooses nothing: no loop of refusals
            return
        state.pending = offer.code
        state.on_table = offer.code
        caveat = offer.facts.get("calls") if offer.type == KEEP_NUMBER_TYPE else None
        if caveat and not self.said_before("utter_offer_fact"):
            self.say("utter_offer_fact", offer=offer.code, fact=caveat)  # what stops working, said before the yes
        self.say("utter_confirm_enrolment", offer=offer.code)
        state.last_step = "confirm"

    def suits(self, offer: OfferFacts, *, named: bool = False) -> bool:
        """A product the customer named that was not proposed: eligible, inside its usage bands and, for a
        reason about money, not dearer than the strategy allows (their choice, checked, not second-guessed)."""
        if self.facts is None or not offer.eligible or offer.type == "话费补偿":
            return False
        if self.state.needs_sms and keeps_no_sms(offer):
            return False
        if offer.type == KEEP_NUMBER_TYPE:
            # A light user, or anyone who asks for it: keeping the number is then their choice.
            return self.keep_number_plan() is not None or named
        strategy = self.strategy()
        if strategy is not None and not within_cost(offer, self.facts, strategy, Decimal(0)):
            return False
        return fits_usage(offer, self.facts)

    def answer_confirmation(self) -> None:
        """The answer to 「确认为您办理…吗？」: only a yes enrols; a new choice is confirmed again; a question
        about it is answered and the confirmation stays open."""
        state = self.state
        code = state.pending
        intent = self.message.intent
        if QUESTION.search(self.text) and not EXPLICIT_YES.search(self.text):
            offer = self.offer_asked_about()
            if offer is not None:
                self.answer_about(offer)
                return
        yes = intent in YES_INTENTS or (intent not in NO_INTENTS and PLAIN_YES.fullmatch(self.text) is not None)
        if not yes and self.names_a_product():
            state.pending = None
            self.choose()
            return
        if yes and not is_non_commitment(self.message.text):
            put = [o for o in (self.offer(c) for c in state.put()) if o is not None]
            choice = resolve_choice(self.message.text, put, self.facts.offers if self.facts else (), own_fee=self.own_fee())
            if choice.named and choice.code != code:
                state.pending = None
                self.choose()
                return
            state.pending = None
            state.enrolled = code
            state.on_table = None
            self.decision.enrol = code
            self.decision.outcome = state.outcome = "retained"
            self.say("utter_offer_accepted", offer=code)
            self.say("utter_close_success")
            state.closed = True
            state.last_step = "closed"
            return
        state.pending = None
        if intent in NO_INTENTS or intent == "thank" or is_non_commitment(self.message.text):
            self.say("utter_not_enrolled", offer=code)
            state.last_step = "declined_confirmation"
            return
        # Something else entirely: not a yes; handle the message as if nothing were pending.
        self.state.last_step = None
        self.run_without_pending()

    def turn_down_on_table(self) -> None:
        """The offer waiting for an answer is refused: recorded as such, and no longer on the table."""
        state = self.state
        state.rejected.append(state.on_table)
        self.decision.reject.append(state.on_table)
        state.on_table = None

    def decides_after_promise(self) -> bool:
        """「算了，投诉完我再考虑要不要转网」: the decision waits for the promise already made; its 「要不要」 asks
        the bot nothing, and the steps of leaving would answer what was not asked."""
        return bool(self.state.tickets or self.decision.open_tickets) and DECIDE_AFTER.search(self.text) is not None

    def keeps_line_on_moving(self) -> bool:
        """「行，那号码留着吧」 from a customer moving within China, with no keep-number plan put: the number works
        there as it is, so keeping it is staying, not a plan to choose (「没有更合适的方案」 would answer nothing)."""
        state = self.state
        return (
            state.reason == "reason_relocation"
            and not state.abroad
            and self.keep_number_put() is None
            and bool(KEEP_NUMBER_WORDS.search(self.text))
            and self.message.intent in YES_INTENTS
        )

    def stays(self) -> None:
        """「那我先不转了，谢谢」: kept by being listened to. Nothing is enrolled; the offer on the table stays
        unanswered rather than refused."""
        state = self.state
        state.on_table = None
        self.decision.outcome = state.outcome = "retained"
        self.say("utter_close_success")
        state.closed = True
        state.last_step = "closed"

    def withdraw(self) -> None:
        """「我没要办，给我取消」 right after an enrolment: it is taken back before anything is processed, the offer
        counts as refused and the conversation is no longer a retention."""
        state = self.state
        code = state.enrolled
        state.enrolled = None
        state.rejected.append(code)
        state.closed = False
        state.outcome = None
        self.decision.withdraw = code
        self.say("utter_enrolment_withdrawn", offer=code)
        state.last_step = "withdrawn"

    def run_without_pending(self) -> None:
        intent = self.message.intent
        if intent in taxonomy.reason_intents():
            self.hear_reason(intent)
        elif intent == "request_human":
            self.handoff()
        elif intent == "request_compensation":
            self.compensation()
        elif intent == FALLBACK_INTENT:
            self.not_understood()
        else:
            self.say("utter_ask_how_to_help")

    def no(self) -> None:
        """A no, a refusal or 「我还是要销户」: next offer, keep-number, or a respectful close."""
        state = self.state
        refused_all = bool(REFUSE_ALL.search(self.text))
        if state.on_table and state.last_step in ("propose", "keep_number", "offer_details", "fact", "wait"):
            self.turn_down_on_table()
            if refused_all:
                state.offers_refused = True
            if state.keep_number_done or state.offers_refused:
                self.close_lost()
            else:
                self.propose_next(insisting=True)
            return
        if refused_all:
            state.offers_refused = True
            self.say("utter_no_more_offers")
            state.last_step = "refused"
            if state.leave_topic == "port" and not state.keep_number_done:
                self.keep_number()  # 「优惠不要，我就是要转」: porting out takes the number; the steps they need
            return
        if state.closed:
            self.say("utter_ask_how_to_help")
            return
        if state.last_step == "fix":
            state.last_step = "insists"
            self.propose_next(insisting=True)
            return
        if state.last_step == "keep_number":
            self.close_lost()
            return
        self.vague()

    def close_lost(self) -> None:
        state = self.state
        if state.closed:
            self.say("utter_how_to_leave_cancel")
            return
        state.on_table = None
        state.closed = True
        self.decision.outcome = state.outcome = "lost"
        self.say("utter_close_fail")
        state.last_step = "closed"

    # --- questions -----------------------------------------------------------------------------------------
    def named_offer(self) -> OfferFacts | None:
        """The offer the message names (price, name, type, order), among those put first; None if none."""
        if self.facts is None:
            return None
        put = [o for o in (self.offer(code) for code in self.state.put()) if o is not None]
        catalogue = [o for o in self.facts.offers if o.type != "话费补偿"]
        named = resolve_choice(self.message.text, put, catalogue, eligible_only=False, own_fee=self.own_fee())
        return self.offer(named.code) if named.named else None

    def offer_asked_about(self) -> OfferFacts | None:
        """The offer a question is about: one it names, else the one on the table."""
        state = self.state
        last = state.pending or state.on_table or state.discussed or (state.put() or [None])[-1]
        return self.named_offer() or self.offer(last)

    def answer_about(self, offer: OfferFacts) -> None:
        """A question about an offer: the fact asked for, else its details; one the customer may not have says
        why not (its details are no answer then, but the fact asked for 「保号能收验证码吗」 still is)."""
        if not offer.eligible:
            topic = self.topic()
            if topic in offer.facts and topic != "penalty":
                self.say("utter_offer_fact", offer=offer.code, fact=offer.facts[topic])
            self.say("utter_offer_not_eligible", offer=offer.code, why_not="；".join(offer.why_not_plain))
            return
        if self.out_of_reach(offer):
            self.move_needs_checking()
            return
        self.state.discussed = offer.code
        topic = self.topic()
        if topic in offer.facts:
            self.say("utter_offer_fact", offer=offer.code, fact=offer.facts[topic])
        else:
            self.say("utter_offer_details", offer=offer.code)
        if not self.state.pending:
            self.state.last_step = "offer_details"

    def ask_offer_details(self) -> None:
        if KEEP_NUMBER_WORDS.search(self.text) and self.topic() is None and self.keep_number_options():
            return
        offer = self.offer_asked_about()
        if offer is None and self.after_contract():
            return
        if offer is None:
            if self.state.reason_status == "confirmed" and self.facts is not None and self.may_propose():
                self.propose_next()  # 「那要多少钱」 before any offer: the suitable offer, with its price, answers it
            else:
                self.say("utter_no_offer_yet")
            return
        self.answer_about(offer)

    def ask_product_fact(self) -> None:
        if KEEP_NUMBER_WORDS.search(self.text) and self.topic() is None and self.keep_number_options():
            return
        offer = self.offer_asked_about()
        topic = next((t for word, t in FACT_WORDS if word in self.text), None)
        if offer is not None and topic in offer.facts:
            self.answer_about(offer)
            return
        named = self.named_offer()
        if named is not None and (topic is None or WHAT_IS.search(self.text)):
            self.answer_about(named)  # 「孝心卡是啥」: a product of the catalogue, described from it
            return
        general = self.strategies.general_fact(self.text)
        if general is not None:
            place = self.place()
            self.say("utter_general_fact", fact=f"在{place}也一样：{general}" if place else general)
            return
        self.need_to_verify()

    def after_contract(self) -> bool:
        """「那到期以后最低能降到多少」 during a contract: nothing can be put today, but the plan the contract's end
        opens can be named. False when there is none to name."""
        facts, after = self.facts, self.offers_after_contract()
        if after is None or facts is None or not facts.contract_running or facts.contract_end is None:
            return False
        end = facts.contract_end
        self.say("utter_no_offer_in_contract", contract_end=f"{end.year}年{end.month}月{end.day}日", offer=after.code)
        return True

    def contract_answer(self) -> None:
        """The customer's own contract end, from the account (never a guess)."""
        end = self.facts.contract_end if self.facts is not None else None
        if self.facts is not None and not self.facts.contract_known:
            self.need_to_verify()  # the operator's data does not say: never 「您没有合约」 on a guess
        elif end is None:
            self.say("utter_no_contract")
        elif not self.facts.contract_running:  # type: ignore[union-attr]
            self.say("utter_contract_ended", contract_end=f"{end.year}年{end.month}月{end.day}日")  # 「已经到期了」
        else:
            self.say("utter_contract_end", contract_end=f"{end.year}年{end.month}月{end.day}日")

    def out_of_service_asked(self) -> bool:
        """「我这个号怎么打不了电话了」 from a line that is not in service, or 「那怎么恢复」 right after its status
        was told: the status, not a fault to file."""
        suspended = self.facts is not None and self.facts.status != "正常"
        return (suspended and bool(NO_SERVICE.search(self.text))) or (
            self.state.last_step == "status" and bool(RESTORE.search(self.text))
        )

    def account_status(self) -> None:
        """「什么叫预销户？我没申请过销户啊」「我這個預銷戶怎麼恢復」: what the line's status means and how it ends,
        from the account; the amount owed and the dates are checked by a colleague (a call-back), never guessed."""
        facts = self.facts
        if facts is None:
            if not self.ask_phone():
                self.general_help()
            return
        self.say("utter_account_status", status=facts.status, meaning=STATUS_MEANINGS.get(facts.status, ""))
        if facts.status != "正常":
            self.ticket("callback")
        self.state.last_step = "status"

    def penalty_answer(self) -> None:
        """「违约金多少」: none without a contract; with one, that it applies and that its amount is checked by a
        colleague against the agreement (a call-back), never a figure the account does not hold."""
        facts = self.facts
        if facts is None:
            self.say("utter_penalty_general")  # what holds for everyone; their own contract needs their number
            if not self.ask_phone():
                self.general_help()
        elif not facts.contract_known:
            self.need_to_verify()
        elif facts.contract_running and facts.contract_end is not None:  # type: ignore[union-attr]
            end = facts.contract_end  # type: ignore[union-attr]
            self.say("utter_contract_penalty_check", contract_end=f"{end.year}年{end.month}月{end.day}日")
            self.ticket("callback")
        else:
            self.say("utter_no_contract_penalty")

    def keep_number_options(self) -> bool:
        """「保号有哪几种」「保号多少钱」: the keep-number plans this customer may have, each with what it keeps."""
        if self.facts is None:
            return False
        every = [o for o in self.facts.offers if o.type == KEEP_NUMBER_TYPE]
        plans = [o for o in every if o.eligible]
        if not plans:
            if not every:
                return False
            self.say("utter_offer_not_eligible", offer=every[0].code, why_not="；".join(every[0].why_not_plain))
            return True
        options = "；".join(
            f"「{o.name}」每月{yuan(o.monthly_price or 0)}元，{o.facts.get('sms', '')}".rstrip("，。") for o in plans
        )
        self.say("utter_keep_number_options", options=options)
        self.state.listed = [o.code for o in plans]
        self.state.mentioned += [code for code in self.state.listed if code not in self.state.mentioned]
        self.state.last_step = "options"
        return True

    def need_to_verify(self) -> None:
        """What the bot cannot know: an honest 「需要核实」 and a call-back with the answer, never a guess; about the
        problem already promised, the question goes into its ticket (one problem, one ticket)."""
        fix = self.open_fix()
        if fix is not None and FIX_WORDS.search(self.text):
            self.follow_up_on(fix)
            return
        if self.facts is not None:
            self.say("utter_need_to_verify")
            self.ticket("callback")
        else:
            self.say("utter_need_to_verify_unidentified")

    def ask_ticket_progress(self) -> None:
        state = self.state
        number = self.ticket_number()
        if (
            number is not None
            and self.facts is not None
            and self.ticket_asked_about() is None
            and all(p.id != number for p in state.tickets.values())
        ):
            # 「单号6是什么情况」 for a ticket not on this customer's account: said so, another's never quoted.
            self.say("utter_ticket_not_found", ticket_number=number)
            return
        if "callback" in state.tickets and CALL_BACK_WORDS.search(self.text):
            self.follow_up_on("callback")  # 「多久给我回电话」 asks about the call-back, not the repair
            return
        if not state.tickets and not self.decision.open_tickets and state.last_step == "how_to_leave":
            self.ask_how_to_leave()  # 「大概多久能办完」 right after how to port out is about porting out
            return
        if not state.tickets and not self.decision.open_tickets:
            fix = self.strategy().fix if self.strategy() else None
            if fix and self.facts is not None and state.reason_status != "none":
                self.ticket(fix)
                return
            self.say("utter_no_ticket_yet")
            return
        self.follow_up_on(self.open_fix() or next(iter(state.tickets), None) or self.decision.open_tickets[0])

    def leave_topic(self) -> str | None:
        """What the message is about leaving by (port, transfer, broadband, cancel), if it names it."""
        return next((topic for words, topic in LEAVE_TOPICS if words.search(self.text)), None)

    def ask_how_to_leave(self) -> None:
        """How to cancel or port out, answered plainly; after offers were refused this is the customer leaving."""
        state = self.state
        named = self.leave_topic()
        if named is None and self.open_fix() is not None and not PROCEDURE.search(self.text):
            self.insist_on_fix()  # 「能修吗？要多久？」 is about the promised fix, not about leaving
            return
        topic = named or state.leave_topic or "cancel"
        state.leave_topic = topic
        self.say(f"utter_how_to_leave_{topic}")
        state.last_step = "how_to_leave"
        if topic == "transfer":
            return  # the number stays with the operator: nobody is leaving, nothing to probe or to lose
        if state.reason is None and state.vague_probes == 0 and not state.offers_refused:
            # 「在吗 我想问下销户」 first thing: answered, and then asked why, once (seed 000: the reason first).
            state.vague_probes = 1
            self.say("utter_probe_reason")
            state.last_step = "probe"
        if self.facts is None and state.phone_asks == 0:
            self.ask_phone()  # the account says whether a contract or a debt stands in the way
        if (state.offers_refused or state.keep_number_done) and not state.closed:
            state.closed = True
            self.decision.outcome = state.outcome = "lost"

    def ask_coverage(self) -> None:
        self.state.place = self.place() or self.state.place
        named = self.named_offer()
        if named is not None:
            self.answer_about(named)
        if self.facts is not None:
            if self.state.place:
                self.say("utter_coverage_check_place", place=self.state.place)
            else:
                self.say("utter_coverage_check")
            self.ticket("home_visit")
        else:
            self.say("utter_need_to_verify_unidentified")

    # --- interruptions --------------------------------------------------------------------------------------
    def compensation(self) -> None:
        if NO_COMPENSATION.search(self.text):
            # 「我不要补偿，我要的是把网修好」: the fix is what they want; never answer it with money.
            self.insist_on_fix()
            return
        strategy = self.strategy()
        billing = (
            self.open_fix() == "billing_check"
            or (strategy is not None and strategy.fix == "billing_check")
            or CHECK_ASKED.search(self.text) is not None  # 「查清楚，该退的退」 asks for the charges to be checked
        )
        if billing and self.facts is not None and not COMPENSATION_WORDS.search(self.text):
            # 「查清楚，该退的退」「多扣了30块，我要退钱」: money wrongly charged comes back through the bill check
            # (opened now if the feeling came first), never as compensation of an amount nobody checked.
            if self.state.reason_status == "heard":
                self.state.reason_status = "confirmed"
            self.open_ticket("billing_check")
            self.say("utter_refund_after_check", ticket="billing_check")
            return
        self.say("utter_acknowledge_compensation")
        if self.facts is None:
            if not self.ask_phone():
                self.general_help()
            return
        self.ticket("compensation_review")

    def handoff(self) -> None:
        state = self.state
        self.decision.handoff = True
        self.decision.outcome = state.outcome = "handoff"
        if self.open_ticket("callback"):
            # Unidentified, the call-back is booked on the conversation: a supervisor takes the chat over.
            self.say("utter_handoff" if self.facts is not None else "utter_handoff_unidentified", ticket="callback")
        else:
            self.say("utter_handoff_again", ticket="callback")
        state.last_step = "handoff"

    def contact_number(self) -> str | None:
        """A number that is no account, typed where a call-back was offered or asked for in words: where to call
        the person back. Any other unknown number is a mistyped account number, and is asked again."""
        number = self.identity.unknown_number
        asked = self.state.general_help_given or self.state.last_step == "handoff"  # a contact number was asked for
        if number and self.facts is None and (asked or CONTACT_CUE.search(self.text)):
            return number
        return None

    def call_back_on(self, number: str) -> None:
        """The call-back the general help offered, on the number the person chose (a hand-off to a person)."""
        state = self.state
        self.decision.handoff = True
        self.decision.outcome = state.outcome = "handoff"
        self.decision.contact_phone = number  # on the call-back already booked on the chat, too
        self.open_ticket("callback")
        self.say("utter_callback_contact", ticket="callback", phone=mask_phones(number))
        state.last_step = "handoff"

    def after_identification(self) -> None:
        """A number was typed: go on where the conversation was."""
        state = self.state
        if self.facts is None:
            if not self.identity.unknown_number and self.identity.verification is None:
                self.say("utter_invalid_phone")
            if not self.ask_phone():
                self.general_help()
            return
        self.decision.words = state.reason_words  # a ticket opened now is about the reason, not the code typed
        if state.reason_status == "confirmed":
            self.act_on_reason()
        elif state.reason_status == "heard":
            fix = self.strategy().fix
            if fix and state.need == "rational":
                self.ticket(fix)
            self.say("utter_probe_other_reason", topic=self.strategy().topic)
        else:
            self.say("utter_ask_how_to_help")

    def general_help(self) -> None:
        """No number after two asks: general advice and a call-back on a contact number, nothing personal. Offered
        again it would nag: a person who lets it go is closed with respect, an upset one told the asking stops."""
        state = self.state
        if state.general_help_given and (
            self.message.intent in NO_INTENTS | {"goodbye", "thank"} or DECLINE.search(self.text)
        ):
            self.say("utter_close_unidentified")
            state.closed = True
        elif state.general_help_given and (
            self.message.need == "emotional" or self.said_count("utter_general_help") > 1
        ):
            self.say("utter_no_more_asking")
        else:
            self.say("utter_general_help")
        state.general_help_given = True
        state.last_step = "general_help"

    def not_understood(self) -> None:
        state = self.state
        guess = self.message.guess
        if is_non_commitment(self.message.text) and not QUESTION.search(self.text):
            self.say("utter_take_your_time")  # 「算了 我再想想吧」: time to think, in any words, never 「请换个说法」
            state.last_step = "wait"
            return
        if len(self.text) <= 8 and CLOSING_WORDS.search(self.text):
            self.closing_words("goodbye" if GOODBYE_WORDS.search(self.text) else "thank")
            return
        if guess in taxonomy.reason_intents() and state.reason is None:
            # A reason the model was unsure of is heard, not acted on: empathy and the probe that names the
            # topic (「除了网络的问题…」) let the customer correct it; nothing is opened on a guess.
            self.message = replace(self.message, intent=guess, need="emotional")
            self.hear_reason(guess)
            return
        if DECLINE.search(self.text) and not LEAVING.search(self.text) and state.reason is not None:
            # 「等等，我刚才说错了，先不办」: whatever it takes back, nothing is done (never the reason's line again)
            self.say("utter_take_your_time")
            state.last_step = "wait"
            return
        if guess == "request_cancel" and LEAVING.search(self.text):
            # 「你好，我想销个号」 torn between a greeting and leaving: the leaving words decide
            self.message = replace(self.message, intent=guess)
            self.no()
            return
        if guess in QUESTION_INTENTS or guess == "ask_offer":
            # Answering a question asked in words the model was unsure of costs nothing; a business step would.
            getattr(self, guess)()
            return
        if QUESTION.search(self.text) and self.question_about_offers():
            return  # 「直降500那个要签多久」 torn between choosing and asking: asking, about the product it names
        if self.open_fix() is not None and (QUESTION.search(self.text) or self.message.need == "emotional"):
            self.insist_on_fix()  # a worried follow-up on the promised fix: its status, never 「请换个说法」
            return
        if (fix := self.open_fix()) in state.tickets and DETAIL.search(self.text):
            self.decision.note.append(fix)  # 「11月的」 answers what the check asked: into its ticket, and said so
            self.say("utter_detail_noted", ticket=fix)
            return
        if state.last_step == "ask_phone" and self.facts is None and not state.claimed_phone:
            self.say("utter_why_phone")
            self.general_help()
            return
        if state.last_step != "probe" and state.reason and self.message.need == "emotional":
            self.empathize()  # feeling heard matters more than being understood word for word
            return
        if state.last_step == "probe":
            self.vague()
            return
        state.fallbacks += 1
        self.say("utter_ask_rephrase" if state.fallbacks == 1 else "utter_default")

    def closing_words(self, intent: str) -> None:
        if self.state.pending or (self.state.on_table and self.state.last_step == "propose"):
            self.say("utter_take_your_time")
            self.state.last_step = "wait"
            return
        # 「谢谢，再见」 read as thanks still takes leave: 「还有什么需要我做的吗？」 would keep a leaving customer
        leaving = intent == "goodbye" or bool(GOODBYE_WORDS.search(self.text))
        self.say("utter_goodbye" if leaving or self.state.closed else "utter_thank")


def decide(
    state: FlowState, message: Message, identity: Identity, strategies: Strategies | None = None
) -> Decision:
    """The next step for `message`; `state` is not changed (the decision carries the new one)."""
    return _Turn(state, message, identity, strategies or default_strategies()).run()
