"""Entry point of `retention-bot` / `python -m bot`.

Each area keeps its sub-commands in its own module with a `register(subparsers)` function, so that adding an
area never edits another area's code. Heavy imports (Rasa, TensorFlow) happen inside the command functions,
which keeps `--help` fast.
"""

from __future__ import annotations

import argparse
import importlib
from typing import Sequence

# Modules under bot.cli that contribute sub-commands, in the order `--help` lists them.
COMMAND_MODULES: tuple[str, ...] = (
    "nlu", "serve", "db", "offers", "corpus", "churn", "users", "practice", "desk", "identity"
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="retention-bot",
        description="中文客户挽留机器人与话术教练 / Chinese customer-retention bot and script coach.",
    )
    parser.add_argument("--log-level", default=None, help="logging level for stderr (default: LOG_LEVEL or INFO)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"bot.cli.{name}")
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from bot.config import get_settings
    from bot.logging_setup import configure_logging

    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging((args.log_level or get_settings().log_level).upper())
    result = args.func(args)
    return int(result or 0)


if __name__ == "__main__":
    raise SystemExit(main())
