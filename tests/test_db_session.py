"""The SQLite connections of the embedded default: the pragmas every connection of the pool gets."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from bot.db.session import get_engine


def test_every_sqlite_connection_is_set_up_for_several_readers_and_quick_commits(tmp_path: Path) -> None:
    engine = get_engine(f"sqlite:///{tmp_path / 'pragmas.db'}")
    with engine.connect() as first, engine.connect() as second:
        for connection in (first, second):
            pragma = lambda name: connection.execute(text(f"PRAGMA {name}")).scalar()  # noqa: E731
            assert pragma("journal_mode") == "wal"
            assert pragma("synchronous") == 1  # NORMAL: with WAL, a commit does not wait for the disk
            assert pragma("foreign_keys") == 1
            assert pragma("temp_store") == 2  # MEMORY
    engine.dispose()
