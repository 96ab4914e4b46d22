"""An ingest run whose tasks run on a Dask cluster (two local worker processes).

The run goes through the real command line, pointed at a ``LocalCluster`` this
test starts, so the test can ask the cluster's workers afterwards what they ran.
"""

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from distributed import Client, LocalCluster
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from tests.e2e.test_faults import (  # the slow local news site and its helpers
    ACCORDS,
    SlowSite,
    assert_complete,
    assert_spaced,
    cli_env,
    slow_site,  # noqa: F401  (fixture)
    start_ingest,
)
from tests.rows import RUN_LOGS, row_counts

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("prefect_server")]

BATCH = 2  # articles per batch task: the slow site's 10 articles make 5 batches


@pytest.fixture
def cluster() -> Iterator[Client]:
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as local, Client(local) as client:
        yield client


def executed(client: Client) -> dict[str, int]:
    """Tasks each worker of the cluster has run so far."""
    return client.run(lambda dask_worker: dask_worker.state.executed_count)  # type: ignore[no-any-return]


def counts_at(url: str) -> dict[str, int]:
    engine = create_engine(url)
    with Session(engine) as session:
        counts = row_counts(session, skip=RUN_LOGS | {"host_schedule"})
    engine.dispose()
    return counts


def test_ingest_on_a_dask_cluster_stores_everything_once_and_stays_polite(
    fresh_database_url: str, slow_site: tuple[SlowSite, Path], cluster: Client,  # noqa: F811
) -> None:
    site, feeds = slow_site
    delay = 0.3
    env = cli_env(fresh_database_url, ACCORDS_DASK_ADDRESS=cluster.scheduler.address,
                  ACCORDS_BATCH_SIZE=str(BATCH), ACCORDS_BATCHES_IN_FLIGHT="3",
                  ACCORDS_CLEAN_WORKERS="2", ACCORDS_MIN_HOST_DELAY=str(delay),
                  ACCORDS_FETCH_WORKERS="2", ACCORDS_PER_HOST_CONCURRENCY="4")
    run = start_ingest(feeds, env)
    _, stderr = run.communicate(timeout=300)
    assert run.returncode == 0, stderr[-3000:]
    # the bars advanced from the tasks' results: their events stayed on the workers
    assert re.search(r"clean\b.*\b10/10\b", stderr), stderr[-3000:]

    engine = create_engine(fresh_database_url)
    assert_complete(engine)
    engine.dispose()
    # the feed's poll, the five batches and the run's bookkeeping tasks ran on the workers
    ran = executed(cluster)
    assert sum(ran.values()) >= 1 + 10 // BATCH, ran
    # the spacing between requests to the host held across the worker processes
    assert_spaced(sorted(t for _, t in site.arrivals), delay)

    before = counts_at(fresh_database_url)
    again = start_ingest(feeds, env)
    _, stderr = again.communicate(timeout=300)
    assert again.returncode == 0, stderr[-3000:]
    assert counts_at(fresh_database_url) == before

    reextract = subprocess.run([*ACCORDS, "reextract", "--all"], env=env, text=True,
                               capture_output=True, timeout=300, check=False)
    assert reextract.returncode == 0, reextract.stderr[-3000:]
    assert re.search(r"extract\b.*\b10/10\b", reextract.stderr), reextract.stderr[-3000:]
    assert counts_at(fresh_database_url) == before
