"""`train`, `parse` and `eval`: the NLU models on the command line."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from typing import IO, Any

from bot.nlu.training import ROLES

logger = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    train = subparsers.add_parser(
        "train",
        help="train the customer and agent models (skipped when nothing changed)",
        description="Train the NLU/dialogue models. A model is named by the fingerprint of its config, data and "
        "component code, so an unchanged project trains nothing.",
    )
    train.add_argument("--role", choices=(*ROLES, "all"), default="all", help="which model to train (default: all)")
    train.add_argument("--force", action="store_true", help="train even when an up-to-date model exists")
    train.set_defaults(func=run_train)

    parse = subparsers.add_parser(
        "parse",
        help="parse UTF-8 text lines from stdin into one JSON object per line",
        description="Reads one message per line on stdin and prints exactly one JSON object per input line on "
        "stdout: text, intent, need, entities. Bad lines (empty, invalid UTF-8) give an object with an "
        '"error" field. Logs go to stderr.',
    )
    parse.add_argument("--role", choices=ROLES, default="customer", help="whose messages these are")
    parse.add_argument("--model", default=None, help="model file (default: the trained model for --role)")
    parse.set_defaults(func=run_parse)

    evaluate = subparsers.add_parser(
        "eval",
        help="evaluate the NLU on a held-out split and write docs/NLU_REPORT.md",
        description="Stratified held-out split with a fixed seed: trains on the rest, reports per-intent "
        "precision/recall/F1, reason macro-F1, need accuracy/macro-F1, confusions and the fallback threshold.",
    )
    evaluate.add_argument("--seed", type=int, default=20261122, help="split seed")
    evaluate.add_argument("--test-fraction", type=float, default=0.2, help="share of each intent held out")
    evaluate.add_argument("--output", default=None, help="report path (default: docs/NLU_REPORT.md)")
    evaluate.add_argument("--config", default=None, help="pipeline to evaluate (default: config.yml)")
    evaluate.add_argument("--customer-only", action="store_true", help="skip the agent-act model")
    evaluate.set_defaults(func=run_eval)


def run_train(args: argparse.Namespace) -> int:
    from bot.nlu.training import train_role

    roles = ROLES if args.role == "all" else (args.role,)
    for role in roles:
        path, trained = train_role(role, force=args.force)
        print(f"{role}: {'trained' if trained else 'up to date'} {path}")
    return 0


def _error(text: str | None, message: str) -> dict[str, Any]:
    return {"text": text, "error": message}


async def _parse_stream(parser: Any, source: IO[bytes], sink: IO[str]) -> int:
    count = 0
    for number, raw in enumerate(source, start=1):
        line = raw.rstrip(b"\r\n")
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            result = _error(None, f"line {number}: invalid UTF-8 at byte {exc.start}")
        else:
            if text.startswith("\ufeff"):
                text = text[1:]
            if not text.strip():
                result = _error(text, f"line {number}: empty message")
            else:
                try:
                    result = await parser.parse(text)
                except Exception as exc:  # noqa: BLE001 - one bad message must not end the stream
                    logger.exception("parse failed on line %d", number)
                    result = _error(text, f"line {number}: could not parse ({type(exc).__name__})")
        sink.write(json.dumps(result, ensure_ascii=False) + "\n")
        sink.flush()
        count += 1
    return count


def run_parse(args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.nlu.parser import NluParser
    from bot.nlu.training import ModelNotFoundError

    # Anything a library prints while loading or parsing goes to stderr; stdout carries only the JSON lines.
    stdout, sys.stdout = sys.stdout, sys.stderr
    try:
        try:
            parser = NluParser.load(args.role, Path(args.model) if args.model else None)
        except (ModelNotFoundError, FileNotFoundError) as exc:
            print(f"retention-bot parse: {exc}", file=sys.stderr)
            return 1
        count = asyncio.run(_parse_stream(parser, sys.stdin.buffer, stdout))
        logger.info("parsed %d lines", count)
        return 0
    finally:
        sys.stdout = stdout


def run_eval(args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.nlu.evaluation import run_evaluation

    report = run_evaluation(
        seed=args.seed,
        test_fraction=args.test_fraction,
        output=Path(args.output) if args.output else None,
        config=Path(args.config) if args.config else None,
        include_agent=not args.customer_only,
    )
    print(report.summary())
    return 0
