"""A trainee reply's acts: several per reply, violations found also inside polite replies, and the word cues
(time frames, open / focused questions, closing) that the rubric and the simulator read."""

from __future__ import annotations

import asyncio

import pytest

from bot.practice.acts import ActReader, clauses, load_cues
from practice_testing import practice_engine


@pytest.fixture(scope="module")
def reader() -> ActReader:
    return practice_engine().reader


def read(reader: ActReader, text: str):  # type: ignore[no-untyped-def]
    return asyncio.run(reader.read(text))


def test_a_reply_is_cut_into_clauses_and_short_pieces_join_the_next() -> None:
    assert clauses("非常理解您的心情，方便说说是哪方面的问题吗？") == ["非常理解您的心情，", "方便说说是哪方面的问题吗？"]
    assert clauses("您好，我是客服小王。请问有什么可以帮您？") == ["您好，我是客服小王。", "请问有什么可以帮您？"]
    assert clauses("好的。") == ["好的。"]
    # Chat writers put spaces where commas go (practice trial of 7 December: only the greeting was read).
    assert clauses("你好 我是客服小张 咋了 为啥不要了呀") == ["你好，我是客服小张，", "咋了，为啥不要了呀"]
    assert clauses("我的 wifi 密码") == ["我的 wifi 密码"]


@pytest.mark.parametrize(
    ("reply", "acts"),
    [
        ("非常理解您的心情，方便说说是哪方面的问题吗？", {"agent_empathize", "agent_probe"}),
        ("您好，我是中国电信客服小张，请问您想办理销户是遇到什么问题了吗？", {"agent_greet", "agent_probe"}),
        ("我已经给您提交了维修单，明天下午6点前工程师会联系您。感谢您的耐心，祝您生活愉快！", {"agent_commit", "agent_close"}),
        ("如果您确实要走，建议先把号码保留下来，银行卡和微信都绑着它，换号很麻烦。", {"agent_retain_number"}),
        ("你好 我是10000号客服小张 咋了 为啥不要了呀", {"agent_greet", "agent_probe"}),
    ],
)
def test_every_act_of_a_reply_is_recognised(reader: ActReader, reply: str, acts: set[str]) -> None:
    assert acts <= set(read(reader, reply).acts)


@pytest.mark.parametrize(
    ("reply", "violation"),
    [
        # Inside a polite reply, with the cue words of bot/practice/cues.yml.
        ("非常理解您着急的心情，不过这笔扣费是您自己看错了，系统不会出错的。", "agent_argue"),
        ("您好，感谢您的耐心，换了这个套餐我保证以后再也不会有任何问题。", "agent_overpromise"),
        ("完全理解您想省钱，不过广电那种便宜卡都是骗人的，您可别信。", "agent_disparage"),
        ("明白您的意思，但这种小事也值得打电话来闹吗？", "agent_argue"),
        # Trial of 7 December: accusing the customer and promising a fix nobody checked passed unpenalised.
        ("好的，我明白。您别骗我了，您这个情况我们见多了。", "agent_argue"),
        ("理解您的想法。不过您这样想就不对了，号码回老家也能用。", "agent_argue"),
        ("理解您。工程师明天肯定能修好，修不好我自己掏钱赔您。", "agent_overpromise"),
        # Read by the model alone (no cue word in them): after a polite sentence.
        ("好的，我明白了。谁让您当初自己选了这个套餐呢。", "agent_argue"),
        ("谢谢您的耐心。不过那家的信号出了城就没有了，谁用谁知道。", "agent_disparage"),
        ("感谢您的耐心。办了这个套餐以后您就再不用操心网速了，哪儿都是满格。", "agent_overpromise"),
    ],
)
def test_a_violation_is_found_also_inside_a_polite_reply(reader: ActReader, reply: str, violation: str) -> None:
    reading = read(reader, reply)
    assert violation in reading.acts
    assert violation in {v.act for v in reading.violations}
    assert set(reading.acts) - {violation}, "the polite part is read too"


@pytest.mark.parametrize(
    "reply",
    [
        "我保证明天下午6点前给您回电话，告诉您处理结果。",  # a call-back promised by a time: kept, not over-promised
        "您放心，我已经提交了处理单，两个工作日内给您答复。",
        "对方的价格我不太清楚，不想不懂装懂，明天中午前我核实后告诉您。",
    ],
)
def test_honest_commitments_are_no_violations(reader: ActReader, reply: str) -> None:
    assert read(reader, reply).violations == ()


def test_time_frames_open_and_focused_questions() -> None:
    cues = load_cues()
    assert cues.time_frame_in("明天下午6点前会有工程师联系您") is not None
    assert cues.time_frame_in("24小时内给您回复") == "24小时内"
    assert cues.time_frame_in("我们会尽快处理") is None
    # A usage figure or a past moment is no commitment; the deadline the reply commits to is (trial of 7 December).
    assert cues.time_frame_in("您每月200分钟通话我看到了，10分钟后给您回电确认") == "10分钟后"
    assert cues.time_frame_in("今天上午的通话记录我查了，明天下午5点前把结果短信发给您") == "明天下午5点前"
    assert cues.time_frame_in("您每月用200分钟通话，套餐够用") is None
    assert cues.probe_kind("方便说说是什么原因吗？") == "open"
    assert cues.probe_kind("是月费本身高，还是流量用不完？") == "focused"
    assert cues.probe_kind("是哪个月的账单多扣了？") == "focused"


def test_a_reply_ends_the_call_only_when_it_takes_leave(reader: ActReader) -> None:
    assert read(reader, "感谢您的支持，祝您生活愉快，再见！").closing
    assert not read(reader, "您好，感谢您多年的支持。请问是什么原因想把号码注销呢？").closing
