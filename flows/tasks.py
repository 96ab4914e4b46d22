"""Prefect tasks: one-line wrappers over ``flows.stages``.

Tasks take ids and handles, never pages, and cache nothing: a cached fetch
would serve yesterday's news, and hashing HTML inputs is slow.
"""

from concurrent.futures import ProcessPoolExecutor
from datetime import date, datetime

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import task_run

from flows import stages
from flows.feedlist import FeedSpec
from flows.http import HttpConfig
from flows.resources import Database, clean_pool, http_client
from flows.runners import can_start_processes


@task(name="sync-feed-list", cache_policy=NO_CACHE)
def sync_feed_list(db: Database, specs: list[FeedSpec]) -> dict[str, int]:
    """Upsert the feed list into the feeds table."""
    return stages.sync_feed_list(db, specs)


@task(name="select-due-feeds", cache_policy=NO_CACHE)
def select_due_feeds(db: Database, names: list[str] | None, force: bool) -> list[int]:
    """Pick the enabled feeds whose back-off has passed."""
    return stages.select_due_feeds(db, names, force=force)


@task(name="poll-feed", cache_policy=NO_CACHE, task_run_name="poll-feed-{feed_id}")
def poll_feed(
    db: Database, http: HttpConfig, feed_id: int, run_id: str | None, max_failures: int
) -> stages.Counts:
    """Fetch one feed (conditional GET) and store its new entries."""
    return stages.poll_feed(db, http_client(http, db), feed_id, run_id=run_id,
                            max_failures=max_failures)


@task(name="select-articles", cache_policy=NO_CACHE)
def select_articles(db: Database, max_attempts: int) -> tuple[list[int], list[int]]:
    """Articles to fetch (new or transiently failed) and to clean (left half-done)."""
    return (stages.select_articles_to_fetch(db, max_attempts=max_attempts),
            stages.select_articles_to_clean(db))


def _batch_name() -> str:
    """``<task>-<first id>-<last id>``, so a batch can be found in the UI."""
    ids = task_run.parameters.get("ids") or [0]
    return f"{task_run.task_name}-{ids[0]}-{ids[-1]}"


@task(name="fetch-articles", cache_policy=NO_CACHE, task_run_name=_batch_name)
def fetch_articles(db: Database, http: HttpConfig, ids: list[int], workers: int) -> stages.Counts:
    """Download a batch of articles and keep their raw HTML."""
    return stages.fetch_articles(db, http_client(http, db), ids, workers=workers)


@task(name="ingest-articles", cache_policy=NO_CACHE, task_run_name=_batch_name)
def ingest_articles(db: Database, http: HttpConfig, ids: list[int], fetch_workers: int,
                    clean_workers: int) -> stages.Counts:
    """Fetch, clean and extract a batch of new articles; store the HTML, text and records."""
    return stages.ingest_articles(db, http_client(http, db), ids, workers=fetch_workers,
                                  pool=_pool(clean_workers))


@task(name="clean-articles", cache_policy=NO_CACHE, task_run_name=_batch_name)
def clean_articles(db: Database, ids: list[int], workers: int) -> stages.Counts:
    """Clean a batch of stored pages (comments apart) and extract their records."""
    return stages.clean_articles(db, ids, pool=_pool(workers))


def _pool(workers: int) -> ProcessPoolExecutor | None:
    """The cleaning pool, unless cleaning stays in this process (one worker, or a Dask
    worker: there the cluster's processes are the parallelism)."""
    return clean_pool(workers) if workers > 1 and can_start_processes() else None


@task(name="select-articles-to-extract", cache_policy=NO_CACHE)
def select_articles_to_extract(
    db: Database, since: datetime | None, everything: bool, stale: bool
) -> list[int]:
    """Cleaned articles not yet extracted (and, if ``stale``, extracted by an older version)."""
    return stages.select_articles_to_extract(db, since=since, everything=everything, stale=stale)


@task(name="extract-articles", cache_policy=NO_CACHE, task_run_name=_batch_name)
def extract_articles(db: Database, ids: list[int]) -> stages.Counts:
    """Extract summits and agreements again from stored text; no network."""
    return stages.extract_articles(db, ids)


@task(name="select-stored-articles", cache_policy=NO_CACHE)
def select_stored_articles(
    db: Database, start: datetime, end: datetime, feed_ids: list[int]
) -> list[int]:
    """Articles with stored HTML published in the window."""
    return stages.select_stored_articles(db, start, end, feed_ids)


@task(name="reclean-articles", cache_policy=NO_CACHE, task_run_name=_batch_name)
def reclean_articles(db: Database, ids: list[int], workers: int) -> stages.Counts:
    """Clean and extract again from stored raw HTML; no network."""
    return stages.clean_articles(db, ids, pool=_pool(workers), again=True)


@task(name="feed-hosts", cache_policy=NO_CACHE)
def feed_hosts(db: Database, feed_ids: list[int]) -> dict[str, int]:
    """Hosts of the chosen feeds and of their articles."""
    return stages.feed_hosts(db, feed_ids)


@task(name="discover-sitemap-pages", cache_policy=NO_CACHE,
      task_run_name="sitemaps-feed-{feed_id}")
def discover_sitemap_pages(
    db: Database, http: HttpConfig, feed_id: int, start: date, end: date, dry_run: bool
) -> tuple[stages.Counts, list[int]]:
    """Find a site's pages dated in the range in its sitemaps."""
    return stages.discover_sitemap_pages(db, http_client(http, db), feed_id, start, end,
                                         dry_run=dry_run)


@task(name="load-warc", cache_policy=NO_CACHE)
def load_warc(
    db: Database, http: HttpConfig, source: str, start: date, end: date,
    hosts: dict[str, int], dry_run: bool,
) -> tuple[stages.Counts, list[int]]:
    """Store the pages of one WARC file on the feeds' hosts and in the date range."""
    return stages.load_warc(db, http_client(http, db), source, start, end, hosts, dry_run=dry_run)
