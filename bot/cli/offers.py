"""`offers load FILE`: the offer catalogue on the command line (docs/DATABASE.md)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    offers = subparsers.add_parser(
        "offers",
        help="load an edited offer catalogue into the database",
        description="The offer catalogue (table offers): what the bot may offer, to whom, and what it may say "
        "about each offer.",
    )
    commands = offers.add_subparsers(dest="offers_command", metavar="OFFERS_COMMAND", required=True)
    load = commands.add_parser(
        "load",
        help="add, update and retire offers to match a catalogue file",
        description="Checks the whole file first (rules, facts, types, duplicate codes) and changes nothing when "
        "any offer is wrong, listing every problem. Then, in one transaction: adds new codes, updates changed "
        "fields, retires (never deletes) offers missing from the file and re-activates those that are back. "
        "The database must be at the latest revision (retention-bot db init).",
    )
    load.add_argument("file", type=Path, help="catalogue in the format of bot/db/seed/offers.yml")
    load.add_argument("--dry-run", action="store_true", help="check and report the changes, write nothing")
    load.add_argument(
        "--url", default=None, help="database URL (default: DATABASE_URL, else sqlite:///var/retention.db)"
    )
    load.set_defaults(func=run_load)


def _codes(codes: Sequence[str]) -> str:
    return ", ".join(codes) if codes else "-"


def run_load(args: argparse.Namespace) -> int:
    from bot.config import get_settings
    from bot.db.errors import DATABASE_ERRORS, describe_database_error, safe_url
    from bot.db.offer_catalogue import SchemaNotCurrent, load_offers
    from bot.db.seed.offers import CatalogueError, load_offer_catalogue

    try:
        rows = load_offer_catalogue(args.file)
    except CatalogueError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"error: {args.file} has {len(exc.problems)} problem(s); nothing changed", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: cannot read {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    url = args.url or get_settings().effective_database_url
    try:
        changes = load_offers(url, rows, dry_run=args.dry_run)
    except SchemaNotCurrent as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except DATABASE_ERRORS as exc:
        print(f"error: {describe_database_error(exc, url)}", file=sys.stderr)
        return 1
    if args.dry_run:
        print(f"{args.file}: {len(rows)} offers checked; dry run, nothing written to {safe_url(url)}")
    else:
        print(f"{args.file}: {len(rows)} offers loaded into {safe_url(url)}")
    print(f"added     {len(changes.added):>3}  {_codes(changes.added)}")
    updated = [f"{code} ({', '.join(fields)})" for code, fields in changes.updated.items()]
    print(f"updated   {len(updated):>3}  {_codes(updated)}")
    print(f"retired   {len(changes.retired):>3}  {_codes(changes.retired)}")
    print(f"unchanged {len(changes.unchanged):>3}  {_codes(changes.unchanged)}")
    return 0
