"""`users add | list | disable | enable | set-password`: the accounts of practice mode and the desk.

A password is never an argument, where the shell history and `ps` would show it: it is typed twice at a hidden
prompt, or read from the first line of stdin with --password-stdin (scripts, secret stores). The schema is
migrated first, like `db seed`, so the first admin can be made on a fresh machine. Bad input gives a message on
stderr and exit status 1, never a traceback. Rules: docs/ACCOUNTS.md.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # SQLAlchemy is imported by the commands, not by `--help`
    from sqlalchemy.orm import Session

ROLES_HELP = "admin, supervisor or trainee (checked against bot.db.models.vocabulary.USER_ROLES)"


def register(subparsers: argparse._SubParsersAction) -> None:
    users = subparsers.add_parser(
        "users",
        help="accounts for practice mode and the supervisor desk: add, list, disable, enable, set-password",
        description="Accounts of the app database (DATABASE_URL). See docs/ACCOUNTS.md.",
    )
    actions = users.add_subparsers(dest="users_action", metavar="ACTION", required=True)
    stdin_help = "read the password from the first line of stdin instead of a prompt"

    add = actions.add_parser("add", help="create an account", description="Create an account; asks for its password.")
    add.add_argument("username", help="login name: 2-32 lower-case letters, digits or . _ -")
    add.add_argument("--role", required=True, help=ROLES_HELP)
    add.add_argument("--name", default=None, help="display name, e.g. 张伟 (default: the username)")
    add.add_argument("--password-stdin", action="store_true", help=stdin_help)
    add.set_defaults(func=_guarded(run_add))

    listing = actions.add_parser("list", help="list the accounts", description="Every account with its state.")
    listing.set_defaults(func=_guarded(run_list))

    disable = actions.add_parser(
        "disable", help="disable an account", description="No more logins; its open sessions end at once."
    )
    disable.add_argument("username")
    disable.set_defaults(func=_guarded(run_disable))

    enable = actions.add_parser(
        "enable", help="enable an account again", description="Logins allowed again; also lifts a lock-out."
    )
    enable.add_argument("username")
    enable.set_defaults(func=_guarded(run_enable))

    password = actions.add_parser(
        "set-password",
        help="set a new password",
        description="Set a new password; ends the account's open sessions and lifts a lock-out.",
    )
    password.add_argument("username")
    password.add_argument("--password-stdin", action="store_true", help=stdin_help)
    password.set_defaults(func=_guarded(run_set_password))


def _guarded(command: Callable[[argparse.Namespace, Session], int]) -> Callable[[argparse.Namespace], int]:
    """Run `command` in one transaction on the migrated database; refusals and database errors as one line."""

    def run(args: argparse.Namespace) -> int:
        from pydantic import ValidationError

        from bot.auth.accounts import AccountError
        from bot.config import get_settings
        from bot.db.errors import DATABASE_ERRORS, describe_database_error
        from bot.db.migrate import upgrade
        from bot.db.session import session_scope

        url = get_settings().effective_database_url
        try:
            upgrade(url)
            with session_scope(url) as session:
                return command(args, session)
        except AccountError as exc:
            print(f"错误：{exc}", file=sys.stderr)
        except ValidationError as exc:
            print(f"错误：{'；'.join(error['msg'] for error in exc.errors())}", file=sys.stderr)
        except DATABASE_ERRORS as exc:
            print(f"错误：{describe_database_error(exc, url)}", file=sys.stderr)
        return 1

    return run


def _password(args: argparse.Namespace) -> str:
    from bot.auth.accounts import AccountError

    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise AccountError("没有终端可输入密码：请加 --password-stdin，从标准输入读取")
    password = getpass.getpass("密码：")
    if getpass.getpass("再输入一次：") != password:
        raise AccountError("两次输入的密码不一致")
    return password


def run_add(args: argparse.Namespace, session: Session) -> int:
    from bot.auth.accounts import NewAccount, create_user
    from bot.auth.roles import ROLE_LABELS

    account = NewAccount(username=args.username, role=args.role, display_name=args.name)
    user = create_user(session, account, _password(args))
    print(f"已创建 {ROLE_LABELS[user.role]} {user.username}（{user.display_name}）")
    return 0


def _when(moment: datetime | None) -> str:
    return "-" if moment is None else f"{moment.astimezone():%Y-%m-%d %H:%M}"


def run_list(args: argparse.Namespace, session: Session) -> int:
    from bot.auth.accounts import list_users
    from bot.auth.roles import ROLE_LABELS
    from bot.db.models.base import utcnow

    users = list_users(session)
    if not users:
        print("还没有账户：用 retention-bot users add USERNAME --role admin 创建第一个")
        return 0
    now = utcnow()
    print("用户名\t显示名\t角色\t状态\t最近登录")
    for user in users:
        state = "正常" if user.active else "已停用"
        if user.locked_until is not None and user.locked_until > now:
            state += f"，锁定至 {_when(user.locked_until)}"
        role = ROLE_LABELS[user.role]
        print(f"{user.username}\t{user.display_name}\t{role}\t{state}\t{_when(user.last_login_at)}")
    return 0


def run_disable(args: argparse.Namespace, session: Session) -> int:
    from bot.auth.accounts import get_user, set_active

    user = get_user(session, args.username)
    set_active(user, False)
    print(f"已停用 {user.username}，其登录会话已全部失效")
    return 0


def run_enable(args: argparse.Namespace, session: Session) -> int:
    from bot.auth.accounts import get_user, set_active

    user = get_user(session, args.username)
    set_active(user, True)
    print(f"已启用 {user.username}")
    return 0


def run_set_password(args: argparse.Namespace, session: Session) -> int:
    from bot.auth.accounts import get_user, set_password

    user = get_user(session, args.username)
    set_password(user, _password(args))
    print(f"已为 {user.username} 设置新密码，其登录会话已全部失效")
    return 0
