"""The deployments of deploy/prefect.yaml on a real Prefect server (PostgreSQL-backed) with a
real process worker: triggered through the API, as the schedule or the UI would."""

import time

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from db.models import Article, ArticleState, PipelineRun
from flows.settings import REPO_ROOT
from tests.e2e.deployments import Deployed
from tests.e2e.test_ingest_flow import row_counts

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]


def test_deployments_are_configured(deployed: Deployed) -> None:
    nightly = deployed.deployment("ingest/ingest-nightly")
    [schedule] = nightly["schedules"]
    assert schedule["active"] and schedule["schedule"]["cron"] == "0 2 * * *"
    assert schedule["schedule"]["timezone"] == "UTC"
    assert nightly["concurrency_options"]["collision_strategy"] == "CANCEL_NEW"
    assert nightly["work_pool_name"] == "accords"
    for name in ("backfill/backfill-manual", "reextract/reextract-manual"):
        manual = deployed.deployment(name)
        assert manual["schedules"] == []
        assert manual["concurrency_options"]["collision_strategy"] == "ENQUEUE"
    backfill = deployed.deployment("backfill/backfill-manual")
    schema = backfill["parameter_openapi_schema"]
    assert schema["required"] == ["start", "end"]
    assert backfill["job_variables"]["working_dir"] == str(REPO_ROOT)


def test_ingest_and_backfill_deployments_run_on_a_worker(deployed: Deployed) -> None:
    engine = create_engine(deployed.database_url)
    timings = dict(deployed.timings)
    params = {"feeds_file": str(deployed.feeds_file)}

    # Two nightly runs at once: the second is cancelled, not stacked (CANCEL_NEW).
    t0 = time.monotonic()
    first, second = (deployed.trigger("ingest/ingest-nightly", params) for _ in range(2))
    runs = [deployed.wait(first), deployed.wait(second)]
    timings["first ingest run"] = time.monotonic() - t0
    states = sorted(r["state_type"] for r in runs)
    assert states == ["CANCELLED", "COMPLETED"], (states, deployed.worker_log())
    done = next(r for r in runs if r["state_type"] == "COMPLETED")
    timings["run start latency"] = deployed.started_after(done["id"])

    with Session(engine) as session:
        stored = {a.canonical_url.rsplit("/", 1)[1]: a.state for a in session.scalars(
            select(Article))}
        counts = row_counts(session)
    assert stored == {"1.html": ArticleState.EXTRACTED, "2.html": ArticleState.EXTRACTED,
                      "3": ArticleState.EXTRACTED, "4.html": ArticleState.EXTRACTED,
                      "report.pdf": ArticleState.SKIPPED, "private.html": ArticleState.SKIPPED}
    artifacts = deployed.artifacts(done["id"])
    assert artifacts["ingest-summary"]["type"] == "table"
    assert "good" in str(artifacts["ingest-summary"]["data"])
    assert artifacts["ingest-new-records"]["type"] == "markdown"

    # Again: nothing new, every table but the two log tables unchanged.
    t0 = time.monotonic()
    again = deployed.wait(deployed.trigger("ingest/ingest-nightly", params))
    timings["second ingest run"] = time.monotonic() - t0
    assert again["state_type"] == "COMPLETED", deployed.worker_log()
    with Session(engine) as session:
        assert row_counts(session) == counts

    # A backfill from the stored pages of one feed: re-cleaned, still no new rows.
    t0 = time.monotonic()
    backfill = deployed.wait(deployed.trigger("backfill/backfill-manual", {
        "start": "2025-06-01", "end": "2025-06-30", "feeds": ["good"], "sources": ["stored"]}))
    timings["backfill run"] = time.monotonic() - t0
    assert backfill["state_type"] == "COMPLETED", deployed.worker_log()
    assert "backfill-summary" in deployed.artifacts(backfill["id"])
    with Session(engine) as session:
        assert row_counts(session) == counts
        kinds = session.execute(select(PipelineRun.flow, func.count())
                                .group_by(PipelineRun.flow)).all()
        assert dict(kinds) == {"ingest": 2, "backfill": 1}
        assert session.scalar(text("SELECT count(*) FROM pipeline_runs "
                                   "WHERE status = 'completed'")) == 3
    engine.dispose()
    print("timings (s):", {k: round(v, 1) for k, v in timings.items()})
