import uuid
from collections.abc import Iterator

import pytest
from prefect.testing.utilities import prefect_test_harness
from sqlalchemy.engine import make_url

from db.migrate import upgrade
from db.session import ensure_database, make_engine
from flows.settings import get_settings
from tests.conftest import _drop_database


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[None]:
    """A real (temporary) Prefect API for the flows under test."""
    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def fresh_database_url(server_url: str) -> Iterator[str]:
    """An empty database at head for one flow test: flows commit, so no rollback trick."""
    name = f"accords_e2e_{uuid.uuid4().hex[:10]}"
    url = make_url(server_url)
    ensure_database(url.render_as_string(hide_password=False), name)
    test_url = url.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(test_url)
    upgrade(engine)
    engine.dispose()
    yield test_url
    _drop_database(server_url, name)


@pytest.fixture
def pipeline_env(monkeypatch: pytest.MonkeyPatch, fresh_database_url: str) -> Iterator[str]:
    """Settings for a fast, local run: the flow reads them from the environment."""
    for key, value in {
        "ACCORDS_DATABASE_URL": fresh_database_url,
        "ACCORDS_ALLOWED_HOSTS": "127.0.0.1",
        "ACCORDS_MIN_HOST_DELAY": "0",
        "ACCORDS_CONNECT_TIMEOUT": "1",
        "ACCORDS_READ_TIMEOUT": "1",
        "ACCORDS_REQUEST_DEADLINE": "3",
        "ACCORDS_MAX_RETRIES": "1",
        "ACCORDS_RETRY_BACKOFF": "0.05",
        "ACCORDS_CLEAN_WORKERS": "1",
    }.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    yield fresh_database_url
    get_settings.cache_clear()
