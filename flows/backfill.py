"""The backfill flow: fill a past date range from stored pages, sitemaps or WARC files."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from urllib.parse import urlsplit

from prefect import flow, get_run_logger, unmapped
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.runtime import flow_run

from flows import progress, stages, tasks
from flows.feedlist import FeedListError, read_feed_list
from flows.http import HttpConfig
from flows.ingest import chunks
from flows.resources import Database, http_config, open_database
from flows.run_progress import progress_artifact
from flows.runners import result_of, task_runner
from flows.settings import Settings, get_settings
from flows.summary import merge_counts, per_feed_rows, records_markdown, summary_line, totals

Source = Literal["stored", "sitemap", "warc"]


def _configured_feed_names() -> tuple[str, ...]:
    try:
        return tuple(s.name for s in read_feed_list(get_settings().feeds_file))
    except FeedListError:
        return ()


# The UI renders a list of Literal values as a multi-select: offer the configured feeds.
_NAMES = _configured_feed_names()
FeedName = Literal[_NAMES] if _NAMES else str


def _run_name() -> str:
    params = flow_run.parameters
    return f"backfill-{params.get('start')}-{params.get('end')}"


@flow(name="backfill", flow_run_name=_run_name, log_prints=False,
      task_runner=task_runner())
def backfill(
    start: date,
    end: date,
    feeds: list[FeedName] = [],  # type: ignore[valid-type]  # noqa: B006
    sources: list[Source] = ["stored"],  # noqa: B006
    warc: list[str] = [],  # noqa: B006
    dry_run: bool = False,
) -> dict[str, Any]:
    """Fill a date range: re-process stored pages, or find old pages in sitemaps and WARC files.

    Args:
        start: First day to fill (inclusive).
        end: Last day to fill (inclusive).
        feeds: Feeds whose sites to fill; empty means every configured feed.
        sources: stored = clean and extract again from the raw HTML already stored (no
            network); sitemap = the sites' XML and news sitemaps, pages dated in the range;
            warc = the WARC files below (e.g. CC-NEWS), filtered by date and the feeds' hosts.
        warc: Local paths or http(s) URLs of WARC files, for the warc source.
        dry_run: Count what would be done; write nothing.
    """
    logger = get_run_logger()
    settings = get_settings()
    db = open_database(settings)
    http = http_config(settings)
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    window = (datetime.combine(start, time.min, tzinfo=UTC),
              datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC))
    specs = read_feed_list(settings.feeds_file)
    chosen = [s for s in specs if not feeds or s.name in feeds]
    if unknown := sorted(set(feeds) - {s.name for s in specs}):
        raise ValueError(f"unknown feeds: {', '.join(unknown)}")
    started = datetime.now(UTC)
    run_id = stages.begin_run(db, "backfill", flow_run.id, {
        "start": start.isoformat(), "end": end.isoformat(), "feeds": list(feeds),
        "sources": list(sources), "warc": list(warc), "dry_run": dry_run})
    ids_by_name = tasks.sync_feed_list(db, specs)
    feed_ids = [ids_by_name[s.name] for s in chosen]
    names = {i: n for n, i in ids_by_name.items()}

    with progress_artifact("backfill-progress", "Pages found, fetched and cleaned"):
        # Each task with how far it takes the progress stages (see result_of).
        futures: list[tuple[Any, dict[str, int]]] = []
        planned: dict[str, int] = {}
        if "stored" in sources:
            ids = tasks.select_stored_articles(db, window[0], window[1], feed_ids)
            planned["stored"] = len(ids)
            progress.report("clean", 0, len(ids))
            if not dry_run:
                futures += [(tasks.reclean_articles.submit(db, batch, settings.clean_workers),
                             {"clean": len(batch)}) for batch in chunks(ids, settings.batch_size)]
        if "sitemap" in sources:
            # One discovery per site: feeds of one site share its sitemaps.
            sites = {_site(s.url): ids_by_name[s.name] for s in reversed(chosen)}
            found = tasks.discover_sitemap_pages.map(unmapped(db), unmapped(http),
                                                     list(sites.values()), unmapped(start),
                                                     unmapped(end), unmapped(dry_run))
            futures += [(f, {}) for f in found]
            planned["sitemap"] = sum(_new(f.result()[0]) for f in found)
            futures += _fetch_and_clean(db, http, [i for f in found for i in f.result()[1]],
                                        settings)
        if "warc" in sources:
            hosts = tasks.feed_hosts(db, feed_ids)
            loaded = [tasks.load_warc.submit(db, http, source, start, end, hosts, dry_run)
                      for source in warc]
            futures += [(f, {}) for f in loaded]
            planned["warc"] = sum(_new(f.result()[0]) for f in loaded)
            futures += [(tasks.clean_articles.submit(db, batch, settings.clean_workers),
                         {"clean": len(batch)})
                        for batch in chunks([i for f in loaded for i in f.result()[1]],
                                            settings.batch_size)]
        counts = merge_counts(_counts(result_of(f, **advance)) for f, advance in futures)
    rows = per_feed_rows(counts, names)
    total = totals(rows)
    result = {"dry_run": dry_run, "planned": planned, "feeds": rows, "total": total}
    stages.end_run(db, run_id, "completed", {"planned": planned, "total": total})
    line = summary_line(total, len(chosen))
    logger.info("backfill %s..%s %s: %s; planned %s", start, end, ",".join(sources), line, planned)
    create_table_artifact(key="backfill-summary", table=rows or [{"planned": str(planned)}],
                          description=f"{'dry run: ' if dry_run else ''}{line}")
    if not dry_run:
        create_markdown_artifact(key="backfill-new-records",
                                 markdown=records_markdown(stages.new_records(db, started)))
    return result


def _fetch_and_clean(db: Database, http: HttpConfig, ids: list[int],
                     settings: Settings) -> list[tuple[Any, dict[str, int]]]:
    out: list[tuple[Any, dict[str, int]]] = []
    for batch in chunks(ids, settings.batch_size):
        fetched = tasks.fetch_articles.submit(db, http, batch, settings.fetch_workers)
        cleaned = tasks.clean_articles.submit(db, batch, settings.clean_workers,
                                              wait_for=[fetched])  # type: ignore[call-overload]
        out += [(fetched, {"fetch": len(batch)}), (cleaned, {"clean": len(batch)})]
    return out


def _site(feed_url: str) -> str:
    parts = urlsplit(feed_url)
    return f"{parts.scheme}://{parts.netloc}/"


def _new(counts: Any) -> int:
    return sum(n for (_, metric), n in counts.items() if metric == "new")


def _counts(result: Any) -> Any:
    # Discovery tasks return (counts, ids); the others return counts.
    return result[0] if isinstance(result, tuple) else result
