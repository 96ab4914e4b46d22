"""The pipeline's stages as plain functions (tasks.py wraps each in a Prefect task).

Each stage takes handles and ids, does its I/O, writes through ``db.load`` in
short transactions and returns counts keyed by feed id. A bad feed or article
is recorded and counted; only infrastructure failures (the database) raise.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ThreadPoolExecutor, wait
from datetime import UTC, date, datetime, time
from time import perf_counter
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
from flows.http import FetchError, HttpClient, Response
from flows.polling import FeedState, PollResult, next_feed_state, poll
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
    clock = perf_counter()
    with db.sessions().begin() as session:
        feed = session.get_one(Feed, feed_id)
        state = FeedState(url=feed.url, etag=feed.etag, last_modified=feed.last_modified,
                          body_hash=feed.body_hash,
                          consecutive_failures=feed.consecutive_failures)
        name = feed.name
    started = datetime.now(UTC)
    try:
        result = poll(client, state)
    except Exception as exc:
        log.exception("polling feed %s crashed", name)
        result = PollResult(outcome="failed", error=f"{type(exc).__name__}: {exc}"[:500],
                            error_reason="crash")
    entries = [
        {"url": e.url, "canonical_url": e.canonical_url, "guid": e.guid, "feed_title": e.title,
         "title": e.title, "authors": list(e.authors), "feed_published_at": e.published}
        for e in result.entries
    ]
    try:
        new = _store_poll(db, feed_id, run_id, started, result, state, entries, max_failures)
    except (DataError, IntegrityError) as exc:
        # Entries the database refuses: recorded as this feed's failure, the run goes on.
        log.warning("entries of feed %s not stored: %s", name, exc.orig)
        result = PollResult(outcome="failed", error=f"entries not stored: {exc.orig}"[:500],
                            error_reason="store_error", http_status=result.http_status)
        entries = []
        new = _store_poll(db, feed_id, run_id, started, result, state, entries, max_failures)
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
    counts[None, "ms_poll"] += _ms(clock)
    progress.report("feeds", 1)
    return counts


def _store_poll(
    db: Database, feed_id: int, run_id: str | None, started: datetime, result: PollResult,
    state: FeedState, entries: list[dict[str, Any]], max_failures: int,
) -> int:
    """Store a poll's new entries and its log row in one transaction; returns how many were new."""
    with db.sessions().begin() as session:
        new = load.insert_entries(session, feed_id, entries)
        load.record_poll(
            session, feed_id, run_id=run_id, started_at=started, elapsed_ms=result.elapsed_ms,
            outcome=PollOutcome(result.outcome), http_status=result.http_status,
            error=result.error, parse_problem=result.problem, entries=len(entries),
            new_entries=new,
            feed_state=next_feed_state(result, state, datetime.now(UTC), max_failures=max_failures),
        )
    return new


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
    clock = perf_counter()
    with db.sessions().begin() as session:
        targets = load.fetch_targets(session, ids)
    counts: Counts = Counter()
    for _ in _fetch_and_store(db, client, targets, workers, counts):
        pass
    counts[None, "ms_fetch"] += _ms(clock)
    return counts


def ingest_articles(
    db: Database, client: HttpClient, ids: list[int], *, workers: int, pool: Executor | None
) -> Counts:
    """Fetch, clean and extract a batch of new articles in one pass, and store each step.

    The raw HTML is stored as it arrives (so a crash leaves the articles fetched, and
    the next run cleans them from the database); the pages go to the cleaning pool
    from memory as they arrive, never read back; the cleaned articles and their
    records are stored together at the end, in one transaction.
    """
    clock = perf_counter()
    with db.sessions().begin() as session:
        targets = load.fetch_targets(session, ids)
    counts: Counts = Counter()
    jobs: list[tuple[list[StoredPage], Future[list[PageResult]] | None]] = []
    for group in _fetch_and_store(db, client, targets, workers, counts):
        for start in range(0, len(group), PAGES_PER_JOB):
            job = [_as_stored(target, response)
                   for target, response in group[start : start + PAGES_PER_JOB]]
            jobs.append((job, pool.submit(process_pages, _page_args(job)) if pool else None))
    clock = _lap(counts, "ms_fetch", clock)
    pages: list[StoredPage] = []
    results: list[PageResult] = []
    for chunk, future in jobs:
        pages += chunk
        results += future.result() if future else process_pages(_page_args(chunk))
    progress.report("clean", len(ids) - len(pages))  # nothing to clean for failed fetches
    _lap(counts, "ms_clean_extract_wait", clock)
    _store_results(db, pages, results, counts)
    return counts


# Pages per job sent to the cleaning pool: enough to amortise the hand-over, few enough
# that both workers get work from one batch.
PAGES_PER_JOB = 8


def _fetch_and_store(
    db: Database, client: HttpClient, targets: list[load.FetchTarget], workers: int,
    counts: Counts,
) -> Iterator[list[tuple[load.FetchTarget, Response]]]:
    """Fetch concurrently; store what has arrived in one write each time (group commit).

    While one write runs, the next pages arrive and go into the next write, so a fast
    site gives large writes and a slow one loses nothing but the requests in flight
    if the run is killed. Yields the pages of each stored group.
    """
    with ThreadPoolExecutor(max(1, workers), thread_name_prefix="fetch") as threads:
        pending = {threads.submit(_fetch_page, client, t): t for t in targets}
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            fetched: list[tuple[load.FetchTarget, Response]] = []
            failures: list[load.Failure] = []
            for future in done:
                target = pending.pop(future)
                outcome = future.result()
                if isinstance(outcome, load.Failure):
                    failures.append(outcome)
                    metric = (f"skipped_{outcome.reason}" if outcome.final
                              else f"failed_{outcome.reason}")
                else:
                    fetched.append((target, outcome))
                    metric = "fetched"
                counts[target.feed_id, metric] += 1
            fetched_at = datetime.now(UTC)
            with db.sessions().begin() as session:
                load.store_pages(session, [
                    load.FetchedPage(article_id=t.article_id, content=r.content,
                                     charset=r.charset, final_url=r.url, http_status=r.status,
                                     content_type=r.content_type, fetched_at=fetched_at)
                    for t, r in fetched])
                load.mark_failures(session, failures)
            progress.report("fetch", len(done))
            if fetched:
                yield fetched


def _fetch_page(client: HttpClient, target: load.FetchTarget) -> Response | load.Failure:
    try:
        return client.get(target.url, kind="html")
    except FetchError as exc:
        status = getattr(exc, "status", None)
        reason = exc.reason
        if reason == "http_status" and status is not None:
            reason = "http_status_5xx" if status >= 500 else f"http_{status}"
        final = exc.reason in FINAL_FETCH_REASONS or (status is not None and 400 <= status < 500)
        log.info("article %s not fetched (%s): %s", target.article_id, reason, exc)
        return load.Failure(article_id=target.article_id, reason=reason, detail=str(exc),
                            final=final, http_status=status)


def _as_stored(target: load.FetchTarget, response: Response) -> StoredPage:
    return StoredPage(article_id=target.article_id, feed_id=target.feed_id, url=response.url,
                      content=response.content, charset=response.charset,
                      feed_title=target.feed_title,
                      feed_published_at=target.feed_published_at)


def _page_args(pages: list[StoredPage]) -> list[tuple[bytes, str, str | None, datetime | None]]:
    return [(p.content, p.url, p.charset, p.feed_published_at) for p in pages]


def clean_articles(
    db: Database, ids: list[int], *, pool: Executor | None, again: bool = False
) -> Counts:
    """Clean and extract a batch of stored pages, in ``pool`` when given (CPU-bound).

    Only pages fetched and not yet cleaned, unless ``again``: then every stored
    page of ``ids`` is cleaned and extracted anew from its raw HTML (no network).
    """
    counts: Counts = Counter()
    clock = perf_counter()
    with db.sessions().begin() as session:
        pages = load.load_html(session, ids if again else load.articles_to_clean(session, ids))
    progress.report("clean", len(ids) - len(pages))  # nothing to clean for failed fetches
    clock = _lap(counts, "ms_load_html", clock)
    jobs = [_page_args(pages[i : i + PAGES_PER_JOB]) for i in range(0, len(pages), PAGES_PER_JOB)]
    results = [r for rs in (pool.map(process_pages, jobs) if pool else map(process_pages, jobs))
               for r in rs]
    _lap(counts, "ms_clean_extract_wait", clock)
    _store_results(db, pages, results, counts)
    return counts


def _store_results(db: Database, pages: list[StoredPage], results: list[PageResult],
                   counts: Counts) -> None:
    """Store a batch's cleaned articles and merge their records, in one transaction.

    The writes of the batch are one statement each, merging included (see
    :func:`store_extractions`).
    """
    failures: list[load.Failure] = []
    cleaned: list[tuple[int, dict[str, object]]] = []
    extracted: list[tuple[StoredPage, Extraction | tuple[str, str]]] = []
    for page, result in zip(pages, results, strict=True):
        if isinstance(result[0], str):
            reason, detail = result
            failures.append(load.Failure(article_id=page.article_id, reason=reason,
                                         detail=str(detail), final=True))
            counts[page.feed_id, f"skipped_{reason}"] += 1
            continue
        clean, extraction = result
        cleaned.append((page.article_id, clean_values(page, clean)))
        counts[page.feed_id, "cleaned"] += 1
        extracted.append((page, extraction))
    clock = perf_counter()
    with db.sessions().begin() as session:
        load.lock_merges(session)
        clock = _lap(counts, "ms_store_wait", clock)
        load.mark_failures(session, failures)
        load.store_cleaned(session, cleaned)
        clock = _lap(counts, "ms_store_clean", clock)
        store_extractions(session, [(p.article_id, p.feed_id, e) for p, e in extracted], counts)
    _lap(counts, "ms_merge", clock)
    progress.report("clean", len(pages))


def _ms(since: float) -> int:
    """Milliseconds since ``since`` (a ``time.perf_counter()`` reading)."""
    return round(1000 * (perf_counter() - since))


def _lap(counts: Counts, metric: str, since: float) -> float:
    """Add the time since ``since`` to ``metric`` (an ``ms_*`` count); returns now."""
    counts[None, metric] += _ms(since)
    return perf_counter()


def extract_articles(db: Database, ids: list[int]) -> Counts:
    """Extract records again from stored text (after an extractor upgrade); no network."""
    with db.sessions().begin() as session:
        texts = load.load_texts(session, ids)
    counts: Counts = Counter()
    with db.sessions().begin() as session:
        load.lock_merges(session)
        store_extractions(session, [
            (t.article_id, t.feed_id, extract_safely(ArticleInput(
                text=t.text, title=t.title, published=t.published_at, language=t.language)))
            for t in texts], counts)
    progress.report("extract", len(ids))
    return counts


def select_articles_to_extract(
    db: Database, *, since: datetime | None = None, everything: bool = False,
    stale: bool = True,
) -> list[int]:
    with db.sessions().begin() as session:
        return load.articles_to_extract(session, extractor_version=EXTRACTOR_VERSION,
                                        since=since, everything=everything, stale=stale)


def store_extractions(
    session: Session, results: list[tuple[int, int | None, Extraction | tuple[str, str]]],
    counts: Counts,
) -> None:
    """Replace the articles' mentions and merge their records, all in one batch.

    Articles with no records and none stored before are only marked extracted. If
    the database refuses the batch, each article is merged alone (in a savepoint),
    so a record the database refuses costs that article's extraction only.
    """
    failed = [(a, f, r) for a, f, r in results if isinstance(r, tuple)]
    done = [(a, f, r) for a, f, r in results if isinstance(r, Extraction)]
    for article_id, feed_id, error in failed:
        _store_extraction(session, article_id, feed_id, error, counts)
    merged_before = load.with_mentions(
        session, [a for a, _, r in done if not r.summits and not r.agreements])
    empty = [(a, r) for a, _, r in done
             if not r.summits and not r.agreements and a not in merged_before]
    to_merge = [(a, f, r) for a, f, r in done if (r.summits or r.agreements
                                                  or a in merged_before)]
    _mark_extracted(session, empty)
    if not to_merge:
        return
    try:
        with session.begin_nested():
            found = merge.replace_many(session, [(a, r) for a, _, r in to_merge])
            _mark_extracted(session, [(a, r) for a, _, r in to_merge])
    except (IntegrityError, DataError) as exc:
        log.warning("records of %d articles refused together (%s): merging one by one",
                    len(to_merge), exc.orig)
        for article_id, feed_id, extraction in to_merge:
            _store_extraction(session, article_id, feed_id, extraction, counts)
        return
    for (_, feed_id, _), article_counts in zip(to_merge, found, strict=True):
        for key in ("summits", "agreements", "new_summits", "new_agreements"):
            counts[feed_id, key] += article_counts.get(key, 0)


def _mark_extracted(session: Session, results: list[tuple[int, Extraction]]) -> None:
    """One statement per extractor version (a batch has one, unless it spans an upgrade)."""
    by_version: dict[tuple[str, str], list[int]] = {}
    for article_id, result in results:
        by_version.setdefault((result.extractor, result.version), []).append(article_id)
    for (extractor, version), ids in by_version.items():
        load.mark_all_extracted(session, ids, extractor=extractor, version=version)


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


# A page cleaned and extracted, or (reason, detail) if it could not be cleaned.
PageResult = tuple[CleanArticle, Extraction | tuple[str, str]] | tuple[str, str]


def process_pages(pages: list[tuple[bytes, str, str | None, datetime | None]]) -> list[PageResult]:
    """:func:`process_page` over several pages: one hand-over to a worker process for all."""
    return [process_page(*page) for page in pages]


def process_page(
    content: bytes, url: str, charset: str | None, feed_published: datetime | None,
) -> PageResult:
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
