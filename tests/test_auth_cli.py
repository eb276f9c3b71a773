"""`retention-bot users ...` on SQLite and PostgreSQL: passwords only from a prompt or stdin, one-line errors."""

from __future__ import annotations

import io

import pytest
from auth_testing import PASSWORD, accounts_url, cheap_hashing  # noqa: F401 - fixtures

from bot.auth.accounts import LoginOutcome, authenticate
from bot.cli.main import main
from bot.db.session import session_scope


class _Stdin(io.StringIO):
    """Standard input that is a terminal or a pipe."""

    def __init__(self, text: str, tty: bool) -> None:
        super().__init__(text)
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def _run(monkeypatch: pytest.MonkeyPatch, argv: list[str], stdin: str = "", *, tty: bool = False) -> int:
    monkeypatch.setattr("sys.stdin", _Stdin(stdin, tty))
    return main(["users", *argv])


def _login(url: str, username: str, password: str = PASSWORD) -> LoginOutcome:
    with session_scope(url) as session:
        return authenticate(session, username, password).outcome


def _error(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误："), captured.err
    assert "Traceback" not in captured.err and PASSWORD not in captured.out + captured.err
    return lines[0]


def test_add_list_disable_enable(
    accounts_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["add", "Zhang.Wei", "--role", "supervisor", "--name", "张伟", "--password-stdin"]
    assert _run(monkeypatch, argv, PASSWORD + "\n") == 0
    assert "已创建 督导 zhang.wei（张伟）" in capsys.readouterr().out
    assert _login(accounts_url, "zhang.wei") is LoginOutcome.OK

    assert _run(monkeypatch, ["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split("\t") == ["用户名", "显示名", "角色", "状态", "最近登录"]
    row = lines[1].split("\t")
    assert row[:4] == ["zhang.wei", "张伟", "督导", "正常"] and row[4] != "-"

    assert _run(monkeypatch, ["disable", "zhang.wei"]) == 0
    assert _login(accounts_url, "zhang.wei") is LoginOutcome.DISABLED
    assert _run(monkeypatch, ["list"]) == 0
    assert "已停用" in capsys.readouterr().out
    assert _run(monkeypatch, ["enable", "ZHANG.WEI"]) == 0
    assert _login(accounts_url, "zhang.wei") is LoginOutcome.OK


def test_set_password_from_stdin(accounts_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _run(monkeypatch, ["add", "li.na", "--role", "trainee", "--password-stdin"], PASSWORD + "\r\n") == 0
    assert _run(monkeypatch, ["set-password", "li.na", "--password-stdin"], "a brand new passphrase\n") == 0
    assert _login(accounts_url, "li.na") is LoginOutcome.INVALID
    assert _login(accounts_url, "li.na", "a brand new passphrase") is LoginOutcome.OK


def test_password_from_the_prompt_typed_twice(
    accounts_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    typed = iter([PASSWORD, PASSWORD, "a brand new passphrase", "a different passphrase"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(typed))
    assert _run(monkeypatch, ["add", "li.na", "--role", "trainee"], tty=True) == 0
    assert _run(monkeypatch, ["set-password", "li.na"], tty=True) == 1
    assert "不一致" in _error(capsys)
    assert _login(accounts_url, "li.na") is LoginOutcome.OK


def test_without_a_terminal_the_password_must_come_from_stdin(
    accounts_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(monkeypatch, ["add", "li.na", "--role", "trainee"], PASSWORD + "\n") == 1
    assert "--password-stdin" in _error(capsys)


def test_a_password_is_never_an_argument(accounts_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(SystemExit) as exit_info:
        _run(monkeypatch, ["add", "li.na", "--role", "trainee", "--password", PASSWORD])
    assert exit_info.value.code == 2


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (["add", "li.na", "--role", "root", "--password-stdin"], PASSWORD, "角色须为"),
        (["add", "李娜", "--role", "trainee", "--password-stdin"], PASSWORD, "用户名须为"),
        (["add", "li.na", "--role", "trainee", "--password-stdin"], "short", "至少需要"),
        (["add", "taken", "--role", "trainee", "--password-stdin"], PASSWORD, "已存在"),
        (["disable", "nobody"], "", "没有用户 nobody"),
        (["enable", "nobody"], "", "没有用户 nobody"),
        (["set-password", "nobody", "--password-stdin"], PASSWORD, "没有用户 nobody"),
    ],
)
def test_refusals_are_one_line_and_exit_1(
    accounts_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    stdin: str,
    message: str,
) -> None:
    assert _run(monkeypatch, ["add", "taken", "--role", "admin", "--password-stdin"], PASSWORD) == 0
    capsys.readouterr()
    assert _run(monkeypatch, argv, stdin) == 1
    assert message in _error(capsys)


def test_an_unreachable_database_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg2://someone:s3cret@127.0.0.1:1/nowhere")
    assert _run(monkeypatch, ["list"]) == 1
    error = _error(capsys)
    assert "cannot use database" in error and "s3cret" not in error


def test_list_without_accounts_says_how_to_make_the_first(
    accounts_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(monkeypatch, ["list"]) == 0
    assert "users add USERNAME --role admin" in capsys.readouterr().out
