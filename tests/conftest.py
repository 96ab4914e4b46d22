"""Shared fixtures: a throwaway PostgreSQL database (embedded, or the server at
``ACCORDS_DATABASE_URL``) migrated to head, and paths to ``../shared``."""

import atexit
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# Before anything imports Prefect: a private home, no analytics, quiet caching.
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="accords-prefect-"))
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from db.migrate import upgrade
from db.session import embedded_url, ensure_database, make_engine
from flows.resources import Database

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def shared_path(*parts: str) -> Path:
    """A path under ../shared, skipping the test where it is absent (a user's clone)."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} not present (../shared ships with CI, not with the project)")
    return path


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """An admin URL: the configured server, or an embedded one private to this test session."""
    configured = os.environ.get("ACCORDS_DATABASE_URL")
    if configured:
        yield configured
        return
    # Not under pytest's temporary folder: the server runs as another user, and a
    # concurrent pytest run resets that folder's permissions to 0700.
    data_dir = Path(tempfile.mkdtemp(prefix="accords-test-pg-"))
    # Registered before the server's own exit hook, so it runs after it: the folder goes
    # once the server has stopped and deleted its data.
    atexit.register(shutil.rmtree, data_dir, True)
    yield embedded_url(data_dir, database="postgres", delete_on_exit=True)


@contextmanager
def migrated_database(server_url: str, prefix: str) -> Iterator[str]:
    """A new database on the server, at the latest schema; dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    url = make_url(server_url)
    ensure_database(url.render_as_string(hide_password=False), name)
    test_url = url.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(test_url)
    upgrade(engine)
    engine.dispose()
    try:
        yield test_url
    finally:
        _drop_database(server_url, name)


@pytest.fixture(scope="session")
def database_url(server_url: str) -> Iterator[str]:
    """The database of this test session; tests roll their work back (see ``session``)."""
    with migrated_database(server_url, "accords_test") as url:
        yield url


@pytest.fixture
def fresh_database_url(server_url: str) -> Iterator[str]:
    """An empty database at head for one flow test: flows commit, so no rollback trick."""
    with migrated_database(server_url, "accords_e2e") as url:
        yield url


def _drop_database(server_url: str, name: str) -> None:
    from sqlalchemy import create_engine

    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session whose work is rolled back at the end of the test, commits included."""
    with engine.connect() as conn:
        outer = conn.begin()
        with Session(bind=conn, join_transaction_mode="create_savepoint") as s:
            yield s
        outer.rollback()


@pytest.fixture
def database(database_url: str) -> Database:
    return Database(SecretStr(database_url))
