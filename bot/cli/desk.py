"""`export-training`: the supervisors' corrections into nlu_data/{customer,agent}/corrections.yml (bot.review.export).

Only those two files are written; duplicates are skipped and conflicts printed on stderr (exit status 1), so the
next `retention-bot train` learns exactly what was corrected.
"""

from __future__ import annotations

import argparse
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    command = subparsers.add_parser(
        "export-training",
        help="write the supervisor desk's corrections into nlu_data/*/corrections.yml",
        description="Rebuild nlu_data/customer/corrections.yml and nlu_data/agent/corrections.yml from the "
        "corrections in the app database (DATABASE_URL).",
    )
    command.add_argument("--url", default=None, help="app database URL (default: DATABASE_URL)")
    command.set_defaults(func=run_export)


def run_export(args: argparse.Namespace) -> int:
    from bot.config import get_settings
    from bot.db.session import session_scope
    from bot.review.export import export_training

    with session_scope(args.url) as session:
        report = export_training(session, get_settings().nlu_data_dir)
    for role, count in report.written.items():
        print(f"{role}: {count} corrected examples")
    for line in report.duplicates:
        print(f"already in the data: {line}")
    for line in report.conflicts + report.skipped:
        print(line, file=sys.stderr)
    return 1 if report.conflicts else 0
