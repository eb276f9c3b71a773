"""`sms last PHONE` and `wechat unbind OPENID`: verified identity on the command line (docs/CHANNELS.md).

`sms last` prints the last one-time code the development SMS sender recorded for a number — how a tester, a
demo or a script reads the code "sent" to a phone it does not have. `wechat unbind` is the operator's way to
forget the number bound to a follower (the follower's own way is to send 「解绑」). Bad input gives a message on
stderr and exit status 1, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # SQLAlchemy is imported by the commands, not by `--help`
    from sqlalchemy.orm import Session


def register(subparsers: argparse._SubParsersAction) -> None:
    sms = subparsers.add_parser(
        "sms",
        help="one-time codes: the last code the development SMS sender recorded",
        description="Codes sent to verify a customer's number (docs/CHANNELS.md).",
    )
    sms_actions = sms.add_subparsers(dest="sms_action", metavar="ACTION", required=True)
    last = sms_actions.add_parser(
        "last",
        help="print the last code sent to PHONE (SMS_SENDER=development only)",
        description="Prints the last code the development sender recorded for PHONE in the app database "
        "(DATABASE_URL), and nothing else, so scripts can use it. A real gateway's codes are not kept.",
    )
    last.add_argument("phone", help="the 11-digit mobile number")
    last.set_defaults(func=_in_database(run_sms_last))

    wechat = subparsers.add_parser(
        "wechat",
        help="WeChat followers: unbind the number bound to an openid",
        description="The WeChat channel's followers (docs/CHANNELS.md).",
    )
    wechat_actions = wechat.add_subparsers(dest="wechat_action", metavar="ACTION", required=True)
    unbind = wechat_actions.add_parser(
        "unbind",
        help="forget the number bound to OPENID",
        description="The follower is no longer identified from the next message on; the bot verifies the number "
        "by SMS code again before anything personal.",
    )
    unbind.add_argument("openid")
    unbind.set_defaults(func=_in_database(run_wechat_unbind))


def _in_database(command: Callable[[argparse.Namespace, Session], int]) -> Callable[[argparse.Namespace], int]:
    """Run `command` in one transaction on the app database; database errors as one line."""

    def run(args: argparse.Namespace) -> int:
        from bot.config import get_settings
        from bot.db.errors import DATABASE_ERRORS, describe_database_error
        from bot.db.session import session_scope

        url = get_settings().effective_database_url
        try:
            with session_scope(url) as session:
                return command(args, session)
        except DATABASE_ERRORS as exc:
            print(f"error: {describe_database_error(exc, url)}", file=sys.stderr)
            return 1

    return run


def run_sms_last(args: argparse.Namespace, session: Session) -> int:
    from bot.config import get_settings
    from bot.phone_numbers import normalize_phone
    from bot.identity.sms import last_recorded_code

    phone = normalize_phone(args.phone)
    if phone is None:
        print(f"error: not an 11-digit mobile number: {args.phone!r}", file=sys.stderr)
        return 1
    code = last_recorded_code(session, phone)
    if code is None:
        sender = get_settings().sms_sender
        why = "" if sender == "development" else f" (SMS_SENDER={sender}: codes go to the gateway, none is kept)"
        print(f"error: no code recorded for {phone}{why}", file=sys.stderr)
        return 1
    print(code)
    return 0


def run_wechat_unbind(args: argparse.Namespace, session: Session) -> int:
    from bot.db.queries.wechat import unbind_phone

    if unbind_phone(session, args.openid):
        print(f"{args.openid}: unbound; the next message is verified again")
        return 0
    print(f"error: {args.openid} has no number bound", file=sys.stderr)
    return 1
