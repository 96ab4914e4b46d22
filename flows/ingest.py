"""The ingest flow: poll feeds -> fetch new articles -> clean -> store."""

from collections import deque
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, unmapped
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.futures import PrefectFuture
from prefect.runtime import flow_run

from flows import progress, stages, tasks
from flows.feedlist import FeedSpec, read_feed_list
from flows.http import HttpConfig
from flows.resources import Database, clean_pool, http_config, open_database
from flows.run_progress import progress_artifact
from flows.runners import result_of, task_runner, uses_dask
from flows.settings import get_settings
from flows.summary import (
    merge_counts,
    per_feed_rows,
    records_markdown,
    stage_seconds,
    summary_line,
    totals,
)


def run_name() -> str:
    return f"ingest-{datetime.now(UTC):%Y%m%d-%H%M%S}"


# An article whose fetch failed transiently is tried on this many runs, then left failed.
MAX_FETCH_ATTEMPTS = 3


@flow(name="ingest", flow_run_name=run_name, log_prints=False, task_runner=task_runner())
def ingest(
    feeds_file: str | None = None,
    feed_urls: list[str] | None = None,
    force: bool = False,
) -> dict[str, Any]:
    """Poll the feeds, fetch and clean new articles, and store them in PostgreSQL."""
    logger = get_run_logger()
    settings = get_settings()
    db = open_database(settings)
    http = http_config(settings)
    specs = feed_specs(Path(feeds_file) if feeds_file else settings.feeds_file, feed_urls)
    logger.info("database %s, %d feeds listed", db, len(specs))

    started = datetime.now(UTC)
    run_id = stages.begin_run(db, "ingest", flow_run.id, {
        "feeds_file": feeds_file, "feed_urls": feed_urls, "force": force})
    try:
        with progress_artifact("ingest-progress", "Feeds polled, articles fetched and cleaned"):
            result = _ingest(db, http, specs, force or bool(feed_urls))
    except BaseException:
        with suppress(Exception):  # the database may be what failed: keep the first error
            stages.end_run(db, run_id, "failed", {})
        raise
    stages.end_run(db, run_id, "completed", {"total": result["total"], "polled": result["polled"],
                                             "seconds": result["seconds"]})
    logger.info("summary: %s", summary_line(result["total"], result["polled"]))
    create_table_artifact(key="ingest-summary", table=result["feeds"],
                          description=summary_line(result["total"], result["polled"]))
    create_markdown_artifact(key="ingest-new-records",
                             markdown=records_markdown(stages.new_records(db, started)),
                             description="Summits and agreements first seen in this run")
    return result


def _ingest(db: Database, http: HttpConfig, specs: list[FeedSpec], force: bool) -> dict[str, Any]:
    settings = get_settings()
    if settings.clean_workers > 1 and not uses_dask(settings):
        clean_pool(settings.clean_workers)  # workers start while the feeds are polled
    ids_by_name = tasks.sync_feed_list(db, specs)
    names = {i: n for n, i in ids_by_name.items()}
    due = tasks.select_due_feeds(db, list(ids_by_name), force)
    progress.report("feeds", 0, len(due))
    polled = tasks.poll_feed.map(unmapped(db), unmapped(http), due, unmapped(flow_run.id),
                                 unmapped(settings.max_feed_failures))

    # Results first: a failed poll (the database gone) fails the run with its own error.
    done = [result_of(f, feeds=1) for f in polled]
    to_fetch, half_done = tasks.select_articles(db, MAX_FETCH_ATTEMPTS)
    progress.report("fetch", 0, len(to_fetch))
    progress.report("clean", 0, len(to_fetch) + len(half_done))
    # One task per batch, a few at a time (ACCORDS_BATCHES_IN_FLIGHT): while one batch is
    # fetched another is cleaned and a third stored, and no more pages than those batches'
    # are held at once.
    in_flight: deque[tuple[PrefectFuture[stages.Counts], dict[str, int]]] = deque()
    for batch in chunks(half_done, settings.batch_size):  # pages a crashed run left
        in_flight.append((tasks.clean_articles.submit(db, batch, settings.clean_workers),
                          {"clean": len(batch)}))
        if len(in_flight) >= settings.batches_in_flight:
            future, advance = in_flight.popleft()
            done.append(result_of(future, **advance))
    for batch in chunks(to_fetch, settings.batch_size):
        in_flight.append((tasks.ingest_articles.submit(db, http, batch, settings.fetch_workers,
                                                       settings.clean_workers),
                          {"fetch": len(batch), "clean": len(batch)}))
        if len(in_flight) >= settings.batches_in_flight:
            future, advance = in_flight.popleft()
            done.append(result_of(future, **advance))
    done += [result_of(future, **advance) for future, advance in in_flight]
    # Articles a crashed run left cleaned but not extracted.
    leftovers = tasks.select_articles_to_extract(db, None, False, False)
    extracted = [tasks.extract_articles.submit(db, batch)
                 for batch in chunks(leftovers, settings.batch_size)]

    counts = merge_counts([*done, *(f.result() for f in extracted)])
    rows = per_feed_rows(counts, names)
    total = totals(rows)
    return {"feeds": rows, "total": total, "polled": len(due), "seconds": stage_seconds(counts)}


def feed_specs(feeds_file: Path, feed_urls: list[str] | None) -> list[FeedSpec]:
    """The feeds to poll: the given URLs (named by URL) if any, else the feed list file."""
    if feed_urls:
        return [FeedSpec(name=url, url=url, language=None) for url in feed_urls]
    return read_feed_list(feeds_file)


def chunks(ids: list[int], size: int) -> list[list[int]]:
    return [ids[i : i + size] for i in range(0, len(ids), max(1, size))]
