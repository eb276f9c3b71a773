"""`db init` and `db seed`: the app database on the command line."""

from __future__ import annotations

import argparse
import re
import sys
from datetime import date


def _month(text: str) -> date:
    if not re.fullmatch(r"\d{4}-\d{2}", text) or not 1 <= int(text[5:]) <= 12:
        raise argparse.ArgumentTypeError(f"expected a month as YYYY-MM, got {text!r}")
    return date(int(text[:4]), int(text[5:]), 1)


def _count(text: str) -> int:
    if not re.fullmatch(r"\d+", text.strip()):
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}")
    return int(text)


def register(subparsers: argparse._SubParsersAction) -> None:
    db = subparsers.add_parser(
        "db",
        help="create, migrate and seed the app database",
        description="The app database (DATABASE_URL; default SQLite under var/).",
    )
    commands = db.add_subparsers(dest="db_command", metavar="DB_COMMAND", required=True)
    url_help = "database URL (default: DATABASE_URL, else sqlite:///var/retention.db)"

    init = commands.add_parser(
        "init",
        help="create or migrate the schema to the latest revision",
        description="Run the Alembic migrations up to head; safe to repeat.",
    )
    init.add_argument("--url", default=None, help=url_help)
    init.set_defaults(func=run_init)

    seed = commands.add_parser(
        "seed",
        help="fill the database with a synthetic customer base and the offer catalogue",
        description="Migrate to head, then add N synthetic customers with monthly usage and the offer catalogue. "
        "The same --seed and --as-of give identical data. A seeded database is left alone unless --force, "
        "which deletes ALL app data (customers, conversations, tickets, scores) first; accounts are kept.",
    )
    seed.add_argument("--customers", type=_count, default=1000, help="number of customers (default 1000)")
    seed.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    seed.add_argument(
        "--as-of", type=_month, default=None, help="latest usage month YYYY-MM (default: last complete month)"
    )
    seed.add_argument("--force", action="store_true", help="replace existing data")
    seed.add_argument("--url", default=None, help=url_help)
    seed.set_defaults(func=run_seed)


def _url(args: argparse.Namespace) -> str:
    from bot.config import get_settings

    return args.url or get_settings().effective_database_url


def run_init(args: argparse.Namespace) -> int:
    from bot.db.errors import DATABASE_ERRORS, describe_database_error, safe_url
    from bot.db.migrate import current_revision, upgrade

    url = _url(args)
    try:
        upgrade(url)
        revision = current_revision(url)
    except DATABASE_ERRORS as exc:
        print(f"error: {describe_database_error(exc, url)}", file=sys.stderr)
        return 1
    print(f"database {safe_url(url)} at revision {revision}")
    return 0


def run_seed(args: argparse.Namespace) -> int:
    from bot.db.errors import DATABASE_ERRORS, describe_database_error, safe_url
    from bot.db.migrate import upgrade
    from bot.db.seed import AlreadySeeded, default_as_of, seed_database

    url = _url(args)
    as_of = args.as_of or default_as_of(date.today())
    try:
        upgrade(url)
        result = seed_database(url, customers=args.customers, seed=args.seed, as_of=as_of, force=args.force)
    except AlreadySeeded as exc:
        print(str(exc))
        return 0
    except DATABASE_ERRORS as exc:
        print(f"error: {describe_database_error(exc, url)}", file=sys.stderr)
        return 1
    print(
        f"seeded {safe_url(url)}: {result.customers} customers, {result.usage_rows} usage months "
        f"(up to {result.as_of:%Y-%m}), {result.offers} offers (seed {args.seed})"
    )
    return 0
