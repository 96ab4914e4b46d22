from collections.abc import Iterator

import pytest
from prefect.settings import (
    PREFECT_API_DATABASE_TIMEOUT,
    PREFECT_CLIENT_MAX_RETRIES,
    temporary_settings,
)
from prefect.testing.utilities import prefect_test_harness

from flows.settings import get_settings
from tests.e2e.deployments import deployed  # noqa: F401  (fixture: Prefect server + worker)


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[None]:
    """A real (temporary) Prefect API for the flows under test.

    Its database is SQLite: after a test that writes many task runs (the Dask and
    feed-corpus runs), the server's own background writers can hold the lock long
    enough for a client's default retries to run out (503). Wait longer instead.
    """
    with temporary_settings(updates={PREFECT_API_DATABASE_TIMEOUT: 60,
                                     PREFECT_CLIENT_MAX_RETRIES: 10}), \
            prefect_test_harness(server_startup_timeout=120):
        yield


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
