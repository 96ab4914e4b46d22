"""The pipeline's stages as plain functions (tasks.py wraps each in a Prefect task).

Each stage takes handles and ids, does its I/O, writes through ``db.load`` in
short transactions and returns counts keyed by feed id. A bad feed or article
is recorded and counted; only infrastructure failures (the database) raise.
"""

from __future__ import annotations

import logging
from collections import Counter
from concurrent.futures import Executor, ThreadPoolExecutor, as_completed
from datetime import UTC, date, datetime, time
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from db import digest, load, merge
from db.load import StoredPage
from db.models import Feed, PollOutcome
from extractors import EXTRACTOR_VERSION, ExtractionError, extract
from extractors.clean import CleanArticle, CleaningError, as_utc_datetime, clean_html
from extractors.records import ArticleInput, Extraction
from flows import progress
from flows.feedlist import FeedSpec
from flows.http import FetchError, HttpClient
from flows.polling import FeedState, next_feed_state, poll
from flows.resources import Database
from flows.urls import InvalidUrlError, canonical_url

log = logging.getLogger(__name__)

# (feed id, metric) -> count; feed id None for articles without a feed.
Counts = Counter[tuple[int | None, str]]

# Fetch failures that will not get better by trying again.
FINAL_FETCH_REASONS = frozenset(
    {"content_type", "too_large", "robots", "blocked_address", "invalid_url", "redirects", "tls",
     "decoding"}
)


def sync_feed_list(db: Database, specs: list[FeedSpec]) -> dict[str, int]:
    """Make the feeds table match the feed list; returns feed ids by name."""
    rows = [
        {"name": s.name, "url": s.url, "region": s.region, "language": s.language,
         "tags": list(s.tags), "enabled": s.enabled}
        for s in specs
    ]
    with db.sessions().begin() as session:
        return load.sync_feeds(session, rows)


def begin_run(db: Database, flow: str, flow_run_id: str | None,
              parameters: dict[str, object]) -> int:
    """A pipeline_runs row for this flow run (the same row if Prefect retries the run)."""
    with db.sessions().begin() as session:
        return load.start_run(session, flow=flow, flow_run_id=flow_run_id,
                              started_at=datetime.now(UTC), parameters=parameters)


def end_run(db: Database, run_id: int, status: str, counts: dict[str, object]) -> None:
    with db.sessions().begin() as session:
        load.finish_run(session, run_id, status=status, finished_at=datetime.now(UTC),
                        counts=counts)


def new_records(db: Database, since: datetime) -> dict[str, list[dict[str, Any]]]:
    """Summits and agreements first stored since ``since`` (for the run's markdown artifact)."""
    with db.sessions().begin() as session:
        return digest.new_records(session, since)


def select_due_feeds(db: Database, names: list[str] | None, *, force: bool) -> list[int]:
    with db.sessions().begin() as session:
        return [f.id for f in load.due_feeds(session, datetime.now(UTC), names, force=force)]


def poll_feed(
    db: Database, client: HttpClient, feed_id: int, *, run_id: str | None, max_failures: int
) -> Counts:
    """Poll one feed and store its new entries as pending articles."""
    with db.sessions().begin() as session:
        feed = session.get_one(Feed, feed_id)
        state = FeedState(url=feed.url, etag=feed.etag, last_modified=feed.last_modified,
                          body_hash=feed.body_hash,
                          consecutive_failures=feed.consecutive_failures)
        name = feed.name
    started = datetime.now(UTC)
    result = poll(client, state)
    entries = [
        {"url": e.url, "canonical_url": e.canonical_url, "guid": e.guid, "feed_title": e.title,
         "title": e.title, "authors": list(e.authors), "feed_published_at": e.published}
        for e in result.entries
    ]
    with db.sessions().begin() as session:
        new = load.insert_entries(session, feed_id, entries)
        load.record_poll(
            session, feed_id, run_id=run_id, started_at=started, elapsed_ms=result.elapsed_ms,
            outcome=PollOutcome(result.outcome), http_status=result.http_status,
            error=result.error, parse_problem=result.problem, entries=len(entries),
            new_entries=new,
            feed_state=next_feed_state(result, state, datetime.now(UTC), max_failures=max_failures),
        )
    if result.outcome == "failed":
        log.warning("feed %s failed: %s", name, result.error)
    elif result.problem:
        log.info("feed %s read despite a problem: %s", name, result.problem)
    counts: Counts = Counter()
    counts[feed_id, f"poll_{result.outcome}"] += 1
    counts[feed_id, "entries"] += len(entries)
    counts[feed_id, "new"] += new
    for reason, n in result.skipped.items():
        counts[feed_id, f"skipped_entry_{reason}"] += n
    progress.report("feeds", 1)
    return counts


def select_stored_articles(
    db: Database, start: datetime, end: datetime, feed_ids: list[int] | None
) -> list[int]:
    with db.sessions().begin() as session:
        return load.stored_articles(session, start=start, end=end, feed_ids=feed_ids)


def feed_hosts(db: Database, feed_ids: list[int]) -> dict[str, int]:
    with db.sessions().begin() as session:
        return load.feed_hosts(session, feed_ids)


def discover_sitemap_pages(
    db: Database, client: HttpClient, feed_id: int, start: date, end: date, *, dry_run: bool
) -> tuple[Counts, list[int]]:
    """Find pages of the feed's site dated in [start, end] in its sitemaps; store them pending."""
    from flows.sitemaps import discover_sitemap_urls

    with db.sessions().begin() as session:
        feed_url = session.get_one(Feed, feed_id).url
    parts = urlsplit(feed_url)
    result = discover_sitemap_urls(client, f"{parts.scheme}://{parts.netloc}/", start=start,
                                   end=end)
    entries: list[dict[str, Any]] = []
    for page in result.pages:
        try:
            key = canonical_url(page.url)
        except InvalidUrlError:
            continue
        published = (datetime.combine(page.published, time.min, tzinfo=UTC)
                     if page.published else None)
        entries.append({"url": page.url, "canonical_url": key, "guid": None, "title": None,
                        "feed_title": None, "authors": [], "feed_published_at": published})
    counts: Counts = Counter()
    counts[feed_id, "entries"] += len(entries)
    for reason, n in result.skipped.items():
        counts[feed_id, f"skipped_entry_{reason}"] += n
    with db.sessions().begin() as session:
        if dry_run:
            counts[feed_id, "new"] += len(entries) - len(
                load.known_urls(session, [e["canonical_url"] for e in entries]))
            return counts, []
        counts[feed_id, "new"] += load.insert_entries(session, feed_id, entries)
        ids = load.pending_ids(session, [e["canonical_url"] for e in entries])
    return counts, ids


def load_warc(
    db: Database, client: HttpClient, source: str, start: date, end: date,
    hosts: dict[str, int], *, dry_run: bool,
) -> tuple[Counts, list[int]]:
    """Store the pages of a WARC file that are on the feeds' hosts and dated in the range."""
    from flows.warc import WarcError, WarcStats, iter_warc_pages

    stats = WarcStats()
    counts: Counts = Counter()
    ids: list[int] = []
    try:
        pages = list(iter_warc_pages(source, start=start, end=end, hosts=set(hosts),
                                     client=client, stats=stats))
    except WarcError as exc:
        log.warning("WARC %s unreadable: %s", source, exc)
        counts[None, f"failed_warc_{exc.reason}"] += 1
        return counts, ids
    with db.sessions().begin() as session:
        known = load.known_urls(session, [canonical_url(p.url) for p in pages])
        for page in pages:
            key = canonical_url(page.url)
            feed_id = hosts.get((urlsplit(page.url).hostname or "").removeprefix("www."))
            counts[feed_id, "entries"] += 1
            if key in known:
                continue
            known.add(key)
            counts[feed_id, "new"] += 1
            if dry_run:
                continue
            article_id = load.insert_fetched(
                session, feed_id, url=page.url, canonical=key, content=page.content,
                charset=page.charset, fetched_at=page.fetched_at, published=page.fetched_at)
            if article_id is not None:
                counts[feed_id, "fetched"] += 1
                ids.append(article_id)
    for reason, n in stats.skipped.items():
        counts[None, f"skipped_entry_{reason}"] += n
    return counts, ids


def select_articles_to_fetch(db: Database, *, max_attempts: int) -> list[int]:
    with db.sessions().begin() as session:
        return load.articles_to_fetch(session, max_attempts=max_attempts)


def select_articles_to_clean(db: Database) -> list[int]:
    with db.sessions().begin() as session:
        return load.articles_to_clean(session)


def fetch_articles(db: Database, client: HttpClient, ids: list[int], *, workers: int) -> Counts:
    """Download a batch of articles (concurrently; the client keeps per-host limits)."""
    with db.sessions().begin() as session:
        targets = load.urls_for(session, ids)
    counts: Counts = Counter()
    with ThreadPoolExecutor(max(1, workers), thread_name_prefix="fetch") as pool:
        futures = {pool.submit(_fetch_one, db, client, a, url): (a, feed) for a, url, feed in targets}
        for future in as_completed(futures):
            _, feed_id = futures[future]
            counts[feed_id, future.result()] += 1
            progress.report("fetch", 1)
    return counts


def _fetch_one(db: Database, client: HttpClient, article_id: int, url: str) -> str:
    try:
        response = client.get(url, kind="html")
    except FetchError as exc:
        status = getattr(exc, "status", None)
        reason = exc.reason
        if reason == "http_status" and status is not None:
            reason = "http_status_5xx" if status >= 500 else f"http_{status}"
        final = exc.reason in FINAL_FETCH_REASONS or (status is not None and 400 <= status < 500)
        with db.sessions().begin() as session:
            load.mark_failed(session, article_id, reason=reason, detail=str(exc), final=final,
                             http_status=status)
        log.info("article %s not fetched (%s): %s", article_id, reason, exc)
        return f"skipped_{reason}" if final else f"failed_{reason}"
    with db.sessions().begin() as session:
        load.store_html(
            session, article_id, content=response.content, charset=response.charset,
            final_url=response.url, http_status=response.status,
            content_type=response.content_type, fetched_at=datetime.now(UTC),
        )
    return "fetched"


def clean_articles(
    db: Database, ids: list[int], *, pool: Executor | None, again: bool = False
) -> Counts:
    """Clean and extract a batch of stored pages, in ``pool`` when given (CPU-bound).

    Only pages fetched and not yet cleaned, unless ``again``: then every stored
    page of ``ids`` is cleaned and extracted anew from its raw HTML (no network).
    """
    with db.sessions().begin() as session:
        pages = load.load_html(session, ids if again else load.articles_to_clean(session, ids))
    progress.report("clean", len(ids) - len(pages))  # nothing to clean for failed fetches
    args = [(p.content, p.url, p.charset, p.feed_published_at) for p in pages]
    results = list(pool.map(process_page, *zip(*args, strict=True))) if pool and args else [
        process_page(*a) for a in args
    ]
    counts: Counts = Counter()
    with db.sessions().begin() as session:
        for page, result in zip(pages, results, strict=True):
            if isinstance(result, tuple) and isinstance(result[0], str):
                reason, detail = result
                load.mark_failed(session, page.article_id, reason=reason, detail=detail,
                                 final=True)
                counts[page.feed_id, f"skipped_{reason}"] += 1
                continue
            clean, extraction = result
            load.store_clean(session, page.article_id, clean_values(page, clean))
            counts[page.feed_id, "cleaned"] += 1
            _store_extraction(session, page.article_id, page.feed_id, extraction, counts)
    progress.report("clean", len(pages))
    return counts


def extract_articles(db: Database, ids: list[int]) -> Counts:
    """Extract records again from stored text (after an extractor upgrade); no network."""
    with db.sessions().begin() as session:
        texts = load.load_texts(session, ids)
    counts: Counts = Counter()
    with db.sessions().begin() as session:
        for stored in texts:
            article = ArticleInput(text=stored.text, title=stored.title,
                                   published=stored.published_at, language=stored.language)
            result = extract_safely(article)
            _store_extraction(session, stored.article_id, stored.feed_id, result, counts)
    progress.report("extract", len(ids))
    return counts


def select_articles_to_extract(
    db: Database, *, since: datetime | None = None, everything: bool = False,
    stale: bool = True,
) -> list[int]:
    with db.sessions().begin() as session:
        return load.articles_to_extract(session, extractor_version=EXTRACTOR_VERSION,
                                        since=since, everything=everything, stale=stale)


def _store_extraction(session: Session, article_id: int, feed_id: int | None,
                      result: Extraction | tuple[str, str], counts: Counts) -> None:
    """Replace the article's mentions; a failure leaves its earlier mentions untouched."""
    if isinstance(result, tuple):
        reason, detail = result
        log.warning("extraction failed for article %s: %s", article_id, detail)
        counts[feed_id, f"failed_{reason}"] += 1
        return
    try:
        with session.begin_nested():
            found = merge.replace_mentions(session, article_id, result)
            load.mark_extracted(session, article_id, extractor=result.extractor,
                                version=result.version)
    except (IntegrityError, DataError) as exc:
        # A record the database refuses costs this article's extraction only.
        log.warning("records of article %s not stored: %s", article_id, exc.orig)
        counts[feed_id, "failed_store_error"] += 1
        return
    for key in ("summits", "agreements", "new_summits", "new_agreements"):
        counts[feed_id, key] += found.get(key, 0)


def process_page(
    content: bytes, url: str, charset: str | None, feed_published: datetime | None,
) -> tuple[CleanArticle, Extraction | tuple[str, str]] | tuple[str, str]:
    """Clean one page and extract its records (pure; runs in a worker process).

    Failures come back as (reason, detail) so they cross processes intact.
    """
    try:
        clean = clean_html(content, url=url, charset=charset)
    except CleaningError as exc:
        return exc.reason, str(exc)
    except Exception as exc:  # noqa: BLE001 - a page that crashes the cleaner must not stop the batch
        return "cleaner_error", f"{type(exc).__name__}: {exc}"
    article = ArticleInput(text=clean.text, title=clean.title,
                           published=clean.published or feed_published, language=clean.language)
    return clean, extract_safely(article)


def extract_safely(article: ArticleInput) -> Extraction | tuple[str, str]:
    try:
        return extract(article)
    except ExtractionError as exc:
        return "extraction_error", str(exc)
    except Exception as exc:  # noqa: BLE001 - an extractor bug must cost one article, not the run
        return "extractor_crash", f"{type(exc).__name__}: {exc}"


def clean_values(page: StoredPage, clean: CleanArticle) -> dict[str, object]:
    """Article columns from a clean result; the page's own date and title win over the feed's."""
    page_published = as_utc_datetime(clean.published)
    published_source = "page" if page_published else ("feed" if page.feed_published_at else None)
    return {
        "text": clean.text, "comments": clean.comments,
        "title": clean.title or page.feed_title, "authors": list(clean.authors),
        "published_at": page_published or page.feed_published_at,
        "published_source": published_source,
        "site_name": clean.site_name, "language": clean.language,
        "content_hash": clean.content_hash, "cleaner": clean.cleaner,
        "cleaner_version": clean.cleaner_version,
    }
