"""`practice`: the script coach in a terminal, interactive or from a file of replies.

Interactive: the simulated customer speaks, you type the agent's reply, the coach answers with the acts it
recognised, the act the flow expected, what was good or missing and the recommended line (not with --exam);
`/hint` shows the recommended line before you answer, `/end` (or end of input) ends the call with the report.
With `--replies FILE`, one reply per line; with --json, one JSON object per turn (turn, customer, trainee, acts,
expected_act, feedback, recommended) and a final one (score, breakdown, outcome, penalties, the customer's last
words). The same scenario, seed and replies print the
same output (the call's clock is the scenario day at 10:00, see bot/practice/call.py). Calls are stored in the
app database (DATABASE_URL) like the web page's, with no user unless --user names a trainee.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Iterator
from datetime import date, datetime
from typing import IO, Any, TextIO

END_COMMAND = "/end"
HINT_COMMAND = "/hint"


def register(subparsers: argparse._SubParsersAction) -> None:
    practice = subparsers.add_parser(
        "practice",
        help="practice mode: play the retention agent against a simulated customer (script coach)",
        description="Play the agent against a simulated customer who wants to leave; each reply is judged "
        "against the flows and the script corpus. Scenario: --scenario ID (see --list), --random, or "
        "--reason R --need N. See docs/PRACTICE_RUBRIC.md.",
    )
    choice = practice.add_mutually_exclusive_group()
    choice.add_argument("--scenario", help="a scenario of the library (bot/practice/scenarios.yml)")
    choice.add_argument("--random", action="store_true", help="a random scenario (drawn from --seed)")
    choice.add_argument("--reason", help="the real leave reason (reason_price_high, ...)")
    choice.add_argument("--list", action="store_true", help="list the library's scenarios and exit")
    practice.add_argument("--need", choices=("emotional", "rational"), help="with --reason: the need behind it")
    practice.add_argument("--temperament", choices=("calm", "impatient", "angry"), help="with --reason")
    practice.add_argument("--difficulty", choices=("easy", "medium", "hard"), default="medium", help="with --reason")
    practice.add_argument("--seed", type=int, default=0, help="chooses customer, words (and the --random scenario)")
    practice.add_argument("--replies", help="a UTF-8 file with one trainee reply per line (instead of typing)")
    practice.add_argument("--json", action="store_true", help="print JSON objects (one per turn, then the report)")
    practice.add_argument("--exam", action="store_true", help="no feedback during the call, only the final report")
    practice.add_argument("--user", help="store the call as this trainee's (a username of `retention-bot users`)")
    practice.add_argument("--today", help="the call's day, YYYY-MM-DD (default: today in China)")
    practice.set_defaults(func=run_practice)


def _spec(args: argparse.Namespace) -> Any:
    from bot.practice.scenario import library, random_spec, spec_from_choice

    if args.scenario:
        return library().get(args.scenario)
    if args.random:
        return random_spec(args.seed)
    if args.reason:
        if not args.need:
            raise ValueError("--reason needs --need emotional or rational")
        return spec_from_choice(
            reason=args.reason, need=args.need, temperament=args.temperament, difficulty=args.difficulty,
            seed=args.seed,
        )
    raise ValueError("choose a scenario: --scenario ID, --random, or --reason R --need N (see --list)")


def _today(text: str | None) -> date:
    from bot.flow.promises import CHINA_TIME

    return date.fromisoformat(text) if text else datetime.now(CHINA_TIME).date()


def _user_id(username: str | None) -> int | None:
    if username is None:
        return None
    from sqlalchemy import select

    from bot.db.models import User
    from bot.db.session import session_scope

    with session_scope() as session:
        user_id = session.execute(select(User.id).where(User.username == username.lower())).scalar_one_or_none()
    if user_id is None:
        raise ValueError(f"no user {username!r} (see `retention-bot users list`)")
    return user_id


def _replies(path: str | None, stdin: TextIO) -> Iterator[str]:
    if path is None:
        for line in stdin:
            yield line.rstrip("\r\n")
        return
    with open(path, encoding="utf-8-sig") as handle:
        for line in handle:
            if line.strip():
                yield line.rstrip("\r\n")


def _write(sink: IO[str], data: dict[str, Any]) -> None:
    sink.write(json.dumps(data, ensure_ascii=False) + "\n")
    sink.flush()


def _turn_object(result: Any) -> dict[str, Any]:
    return {
        "turn": result.turn,
        "customer": result.customer,
        "trainee": result.trainee,
        "acts": result.acts,
        "expected_act": result.expected_act,
        "feedback": json.loads(result.feedback.json()),
        "recommended": result.recommended,
    }


def _report_object(report: Any, last_words: str) -> dict[str, Any]:
    score = json.loads(report.score.json())
    return {
        "score": score["score"],
        "breakdown": score["breakdown"],
        "penalties": score["penalties"],
        "flow_agreement": score["flow_agreement"],
        "outcome": report.outcome,
        "customer": last_words,
    }


def _print_turn(result: Any, sink: IO[str], *, exam: bool) -> None:
    from bot.practice.acts import ACT_LABELS

    if not exam:
        acts = "、".join(ACT_LABELS.get(act, act) for act in result.acts) or "未识别"
        expected = ACT_LABELS.get(result.expected_act or "", result.expected_act or "—")
        sink.write(f"  〔识别：{acts}；流程建议：{expected}；得分 {result.score:g}〕\n")
        for good in result.feedback.good:
            sink.write(f"  ✓ {good}\n")
        for missing in result.feedback.missing:
            sink.write(f"  ✗ {missing}\n")
        sink.write(f"  参考话术：{result.recommended}\n")
    sink.write(f"客户：{result.answer.text}\n")


def _print_report(report: Any, sink: IO[str]) -> None:
    sink.write(f"\n== 练习报告：{report.scenario}\n结果：{report.outcome_label}    总分：{report.score.score:g}/100\n")
    for point in report.score.breakdown:
        sink.write(f"  {point.title}：{point.points:g}/{point.max}\n")
        notes = [c.note for c in point.criteria if c.note and c.points < c.max]
        for note in dict.fromkeys(notes):
            sink.write(f"    - {note}\n")
    for penalty in report.score.penalties:
        sink.write(f"  违规（第{penalty.turn}句）{penalty.title}「{penalty.text}」：-{penalty.points}\n")


async def _play(args: argparse.Namespace, stdin: TextIO, sink: IO[str]) -> int:
    from bot.practice.call import PracticeEngine
    from bot.practice.session import PracticeSessions

    spec, today, user_id = _spec(args), _today(args.today), _user_id(args.user)
    sessions = PracticeSessions(await asyncio.to_thread(PracticeEngine.load))
    started = await sessions.start(spec, user_id=user_id, today=today, exam=args.exam)
    interactive = args.replies is None and stdin.isatty()
    if not args.json:
        sink.write(f"场景：{spec.label()}\n")
        for label, value in started.state.profile.summary().items():
            sink.write(f"  {label}：{value}\n")
        sink.write(f"客户：{started.state.last_customer.text}\n")
    if interactive:
        sink.write(f"（输入坐席的回复；{HINT_COMMAND} 看参考话术，{END_COMMAND} 结束）\n你：")
        sink.flush()
    last_words, report = started.state.last_customer.text, None
    for text in _replies(args.replies, stdin):
        if text.strip() == END_COMMAND:
            break
        if text.strip() == HINT_COMMAND:
            if not args.exam:
                sink.write(f"  参考话术：{await sessions.hint(started.id, None)}\n")
            if interactive:
                sink.write("你：")
                sink.flush()
            continue
        if not text.strip():
            continue
        replied = await sessions.reply(started.id, text, None)
        result, report = replied.result, replied.report
        last_words = result.answer.text
        if args.json:
            _write(sink, _turn_object(result))
        else:
            if not interactive:
                sink.write(f"你：{text}\n")
            _print_turn(result, sink, exam=args.exam)
        if report is not None:
            break
        if interactive:
            sink.write("你：")
            sink.flush()
    report = report or await sessions.end(started.id, None)
    if args.json:
        _write(sink, _report_object(report, last_words))
    else:
        _print_report(report, sink)
    return 0


def run_practice(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from bot.db.errors import DATABASE_ERRORS, describe_database_error
    from bot.db.migrate import upgrade
    from bot.practice.profile import NoCustomer

    if args.list:
        from bot.practice.scenario import library

        for spec in library().scenarios:
            print(f"{spec.id}\t{spec.label()}")
        return 0
    from bot.config import get_settings

    url = get_settings().effective_database_url
    try:
        upgrade(url)
        return asyncio.run(_play(args, sys.stdin, sys.stdout))
    except (ValueError, KeyError, ValidationError, NoCustomer, OSError) as exc:
        print(f"practice: {exc}", file=sys.stderr)
        return 1
    except DATABASE_ERRORS as exc:
        print(f"practice: {describe_database_error(exc, url)}", file=sys.stderr)
        return 1
