"""`retention-bot db init` and `db seed` on good and bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.cli.main import main
from bot.db.migrate import current_revision, head_revision
from bot.db.models import Customer, MonthlyUsage, Offer
from bot.db.session import session_scope


def _counts(url: str) -> tuple[int, int, int]:
    with session_scope(url) as session:
        return tuple(  # type: ignore[return-value]
            session.execute(select(func.count()).select_from(model)).scalar_one()
            for model in (Customer, MonthlyUsage, Offer)
        )


def test_init_then_seed_then_seed_again(migrated_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "init", "--url", migrated_url]) == 0
    assert "at revision " + str(head_revision()) in capsys.readouterr().out

    assert main(["db", "seed", "--customers", "40", "--seed", "5", "--as-of", "2025-05", "--url", migrated_url]) == 0
    out = capsys.readouterr().out
    assert "40 customers" in out and "up to 2025-05" in out
    customers, usage, offers = _counts(migrated_url)
    assert customers == 40 and usage >= 40 and offers >= 20

    assert main(["db", "seed", "--customers", "10", "--url", migrated_url]) == 0
    assert "already seeded (40 customers" in capsys.readouterr().out
    assert _counts(migrated_url)[0] == 40

    assert main(["db", "seed", "--customers", "10", "--force", "--url", migrated_url]) == 0
    assert _counts(migrated_url)[0] == 10


def test_seed_uses_database_url_and_migrates_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["db", "seed", "--customers", "3"]) == 0
    assert current_revision(url) == head_revision()
    assert _counts(url)[0] == 3


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("notaurl", "invalid database URL 'notaurl'"),
        ("oracle+nothing://x/y", "unsupported database URL"),
        (
            "postgresql+psycopg2://someone:s3cret@127.0.0.1:1/nowhere",
            "cannot use database postgresql+psycopg2://someone:***@127.0.0.1:1/nowhere: ",
        ),
    ],
)
@pytest.mark.parametrize("command", ["init", "seed"])
def test_bad_or_unreachable_database_is_one_line_and_exit_1(
    command: str, url: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", command, "--url", url]) == 1
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]
    assert "s3cret" not in captured.err and "Traceback" not in captured.err


def test_unwritable_sqlite_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    assert main(["db", "init", "--url", f"sqlite:///{blocker / 'x.db'}"]) == 1
    assert capsys.readouterr().err.count("\n") == 1


@pytest.mark.parametrize(
    "arguments",
    [["--customers", "-5"], ["--customers", "many"], ["--as-of", "2025-13"], ["--as-of", "May"], ["--seed", "x"]],
)
def test_bad_arguments_are_refused_by_the_parser(arguments: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["db", "seed", *arguments])
    assert exit_info.value.code == 2
    assert "error: argument" in capsys.readouterr().err
