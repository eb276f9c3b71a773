"""Shared fixtures: real databases (SQLite file and PostgreSQL), never mocks."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import create_engine
from sqlalchemy.orm import Session

from tests.dialogue_testing import started_dialogue_app, use_database
from tests.seeded_customers import seeded_dialogue_database

POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")


def _postgres_reachable() -> str | None:
    """None when the server answers, else the reason (used in the skip/fail message)."""
    try:
        engine = create_engine(POSTGRES_ADMIN_URL, future=True)
        with engine.connect() as connection:
            connection.execute(text("select 1"))
        engine.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "unreachable"
        return f"{type(exc).__name__}: {exc}".splitlines()[0]


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped at the end.

    Skipped with a clear message when the server is unreachable on a developer machine; under CI (CI set) an
    unreachable server is a failure, because those tests must run there.
    """
    reason = _postgres_reachable()
    if reason is not None:
        message = f"PostgreSQL at {POSTGRES_ADMIN_URL} unreachable ({reason})"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    name = f"retention_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_ADMIN_URL, future=True, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        from bot.db.session import dispose_engines

        dispose_engines()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path) -> str:  # type: ignore[no-untyped-def]
    """The same test on both supported databases: an empty SQLite file, or the session's PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    return request.getfixturevalue("postgres_url")


# --- App database (migrated schema) -----------------------------------------------------------------------


@pytest.fixture
def migrated_url(database_url: str) -> Iterator[str]:
    """`database_url` migrated to head and empty.

    The PostgreSQL database is shared by the whole session, so its rows are deleted before each test (not
    after: a failed test leaves its rows to look at, and leftovers of other tests cannot leak in).
    """
    from bot.db.migrate import upgrade
    from bot.db.seed import clear_app_data
    from bot.db.session import get_engine, session_scope

    upgrade(database_url)
    with session_scope(database_url) as session:
        clear_app_data(session)
    yield database_url
    if database_url.startswith("sqlite"):
        get_engine(database_url).dispose()  # release the file of this test's temporary directory


@pytest.fixture
def db_session(migrated_url: str) -> Iterator[Session]:
    """A session on the migrated, empty database; what the test did not commit is rolled back."""
    from bot.db.session import get_sessionmaker

    session = get_sessionmaker(migrated_url)()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


# --- NLU models -------------------------------------------------------------------------------------------

TINY_NLU_DIR = Path(__file__).resolve().parent / "data" / "nlu_tiny"


@pytest.fixture(scope="session")
def tiny_nlu_model() -> Path:
    """A model trained with the project's own components on tests/data/nlu_tiny (5 epochs, about 20 s).

    Cached under var/test-models by the fingerprint of its inputs, like the real models.
    """
    from bot.config import get_settings
    from bot.nlu.training import fingerprint, rasa_train

    settings = get_settings()
    inputs = (TINY_NLU_DIR, settings.project_root / "bot" / "nlu", settings.nlu_data_dir / "gazetteer.yml")
    name = f"tiny-{fingerprint(inputs, settings.project_root)}"
    output = settings.var_dir / "test-models"
    path = output / f"{name}.tar.gz"
    if not path.exists():
        rasa_train(
            config=TINY_NLU_DIR / "config.yml",
            training_files=[TINY_NLU_DIR / "nlu.yml"],
            output=output,
            name=name,
            domain=None,
            nlu_only=True,
            cwd=settings.project_root,
        )
    return path


@pytest.fixture(scope="session")
def customer_model() -> Path:
    """The real customer model (trained by `make test` before pytest; trained here when missing)."""
    from bot.nlu.training import train_role

    return train_role("customer")[0]


# --- Redis (lock store) -----------------------------------------------------------------------------------

REDIS_TEST_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The Redis server for lock-store tests (database 15 by default; keys are prefixed per test).

    Skipped with a clear message when unreachable on a developer machine, a failure under CI.
    """
    import redis

    try:
        redis.Redis.from_url(REDIS_TEST_URL, socket_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001 - any failure means "unreachable"
        message = f"Redis at {REDIS_TEST_URL} unreachable ({type(exc).__name__}: {exc})"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return REDIS_TEST_URL


# --- The customer dialogue (real model, loaded once per session) ------------------------------------------


@pytest.fixture(scope="session")
def dialogue_model() -> Path:
    """The trained customer model: the up-to-date one, else the newest (never trained here; `make test` trains).

    Missing: skipped on a developer machine, a failure under CI.
    """
    from bot.nlu.training import ModelNotFoundError, find_model

    try:
        return find_model("customer")
    except ModelNotFoundError as exc:
        if os.environ.get("CI"):
            pytest.fail(str(exc))
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def dialogue_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The app database of the dialogue tests (`seeded_dialogue_database`)."""
    return seeded_dialogue_database(tmp_path_factory.mktemp("dialogue"))


@pytest.fixture(scope="session")
def dialogue_app(dialogue_model: Path, dialogue_database_url: str) -> Iterator:
    """The whole app (`create_app`) with the customer dialogue loaded once per session, as `make run` serves it:
    in-process `actions`, in-memory tracker and lock stores. Use it through `dialogue_client`, which points
    DATABASE_URL (read per call by the actions and the transcripts) at the seeded test database.
    """
    with started_dialogue_app(dialogue_model, {"DATABASE_URL": dialogue_database_url}) as client:
        yield client


@pytest.fixture
def dialogue_client(dialogue_app, dialogue_database_url: str, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """`dialogue_app`'s TestClient, with DATABASE_URL at the seeded dialogue database for this test."""
    use_database(monkeypatch, dialogue_database_url)
    return dialogue_app
