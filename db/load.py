"""Idempotent writes of the ingest pipeline. Functions take a Session and never commit.

Every insert is a single ``INSERT ... ON CONFLICT`` statement keyed on a natural
key (feed name, canonical URL, feed + GUID), so a run repeated on the same
input, or two runs at once, cannot store a row twice.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast
from urllib.parse import urlsplit

from sqlalchemy import Table, bindparam, case, false, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from db.models import (
    Article,
    ArticleHtml,
    ArticleState,
    Feed,
    FeedPoll,
    PipelineRun,
    PollOutcome,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredPage:
    article_id: int
    feed_id: int | None
    url: str
    content: bytes
    charset: str | None
    feed_title: str | None
    feed_published_at: datetime | None


# Failures worth another try on a later run; anything else is final.
RETRYABLE_REASONS = frozenset({"timeout", "deadline", "connection", "http_status_5xx", "dns"})


def sync_feeds(session: Session, feeds: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """Upsert the feed list by name; poll state is left alone. Returns ids by name."""
    if not feeds:
        return {}
    values = insert(Feed).values([dict(f) for f in feeds])
    stmt = values.on_conflict_do_update(
        index_elements=[Feed.name],
        set_={
            **{c: values.excluded[c] for c in ("url", "region", "language", "tags")},
            # A feed disabled for its failures stays disabled until `feeds enable`.
            "enabled": case((Feed.disabled_reason.is_not(None), false()),
                            else_=values.excluded.enabled),
        },
    ).returning(Feed.name, Feed.id)
    return {name: id_ for name, id_ in session.execute(stmt)}


def enable_feed(session: Session, name: str) -> bool:
    """Re-enable a feed and forget its failures; False if there is no such feed."""
    result = session.execute(
        update(Feed).where(Feed.name == name).values(
            enabled=True, disabled_reason=None, consecutive_failures=0, next_poll_at=None
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def disable_feed(session: Session, name: str, reason: str) -> bool:
    result = session.execute(
        update(Feed).where(Feed.name == name).values(enabled=False, disabled_reason=reason)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def feed_states(session: Session) -> list[Feed]:
    return list(session.scalars(select(Feed).order_by(Feed.name)))


def due_feeds(
    session: Session, now: datetime, names: Sequence[str] | None = None, *, force: bool = False
) -> list[Feed]:
    """Enabled feeds whose back-off has passed (all enabled ones with ``force``)."""
    query = select(Feed).where(Feed.enabled).order_by(Feed.name)
    if names is not None:
        query = query.where(Feed.name.in_(names))
    if not force:
        query = query.where(or_(Feed.next_poll_at.is_(None), Feed.next_poll_at <= now))
    return list(session.scalars(query))


def record_poll(
    session: Session,
    feed_id: int,
    *,
    run_id: str | None,
    started_at: datetime,
    elapsed_ms: int,
    outcome: PollOutcome,
    http_status: int | None,
    error: str | None,
    parse_problem: str | None,
    entries: int,
    new_entries: int,
    feed_state: Mapping[str, Any],
) -> None:
    """Log one poll and update the feed's poll state (ETag, failures, next poll, ...)."""
    session.add(
        FeedPoll(
            feed_id=feed_id, run_id=run_id, started_at=started_at, elapsed_ms=elapsed_ms,
            outcome=outcome, http_status=http_status, error=error, parse_problem=parse_problem,
            entries=entries, new_entries=new_entries,
        )
    )
    session.execute(
        update(Feed)
        .where(Feed.id == feed_id)
        .values(**feed_state, entries_seen=Feed.entries_seen + entries)
    )


def insert_entries(session: Session, feed_id: int, entries: Sequence[Mapping[str, Any]]) -> int:
    """Insert feed entries as pending articles; known URLs or GUIDs are left as they are.

    Returns:
        How many entries were new.
    """
    if not entries:
        return 0
    rows = [{**e, "feed_id": feed_id, "state": ArticleState.PENDING} for e in entries]
    # An executemany: SQLAlchemy sends it as multi-row INSERTs ("insertmanyvalues") from
    # one cached compilation, where .values(rows) would compile every row anew.
    return len(session.execute(_INSERT_ENTRIES, rows).all())


# No conflict target: a clash on the canonical URL or on (feed, GUID) both mean "seen".
_INSERT_ENTRIES = (insert(cast(Table, Article.__table__)).on_conflict_do_nothing()
                   .returning(Article.__table__.c.id))


def articles_to_fetch(session: Session, *, max_attempts: int, limit: int | None = None) -> list[int]:
    """Ids of articles never fetched, or whose last fetch failed for a transient reason."""
    query = (
        select(Article.id)
        .where(
            or_(
                Article.state == ArticleState.PENDING,
                (Article.state == ArticleState.FAILED)
                & Article.state_reason.in_(RETRYABLE_REASONS)
                & (Article.attempts < max_attempts),
            )
        )
        .order_by(Article.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def articles_to_clean(session: Session, ids: Sequence[int] | None = None) -> list[int]:
    """Ids of articles whose HTML is stored but not cleaned (a crashed run leaves these)."""
    query = select(Article.id).where(Article.state == ArticleState.FETCHED).order_by(Article.id)
    if ids is not None:
        query = query.where(Article.id.in_(ids))
    return list(session.scalars(query))


def urls_for(session: Session, ids: Sequence[int]) -> list[tuple[int, str, int | None]]:
    """(id, url, feed id) of the given articles."""
    query = select(Article.id, Article.url, Article.feed_id).where(Article.id.in_(ids))
    return [(i, u, f) for i, u, f in session.execute(query.order_by(Article.id))]


def store_html(
    session: Session,
    article_id: int,
    *,
    content: bytes,
    charset: str | None,
    final_url: str,
    http_status: int,
    content_type: str,
    fetched_at: datetime,
) -> None:
    """Keep the page compressed and mark the article fetched."""
    store_pages(session, [FetchedPage(
        article_id=article_id, content=content, charset=charset, final_url=final_url,
        http_status=http_status, content_type=content_type, fetched_at=fetched_at)])


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchedPage:
    """A page as fetched, for :func:`store_pages`."""

    article_id: int
    content: bytes
    charset: str | None
    final_url: str
    http_status: int
    content_type: str
    fetched_at: datetime


# Core statements on the table: executemany() of them is one pipelined round trip (the
# ORM would turn a list of parameters into its own bulk update by primary key).
_ARTICLES = cast(Table, Article.__table__)

_MARK_FETCHED = (
    update(_ARTICLES)
    .where(_ARTICLES.c.id == bindparam("b_id"))
    .values(state=ArticleState.FETCHED, state_reason=None, state_detail=None,
            final_url=bindparam("b_final_url"), http_status=bindparam("b_http_status"),
            content_type=bindparam("b_content_type"), fetched_at=bindparam("b_fetched_at"),
            attempts=_ARTICLES.c.attempts + 1)
)

_UPSERT_HTML = insert(cast(Table, ArticleHtml.__table__))
_UPSERT_HTML = _UPSERT_HTML.on_conflict_do_update(
    index_elements=["article_id"],
    set_={c: _UPSERT_HTML.excluded[c]
          for c in ("compressed", "charset", "size", "sha256", "fetched_at")},
)


def store_pages(session: Session, pages: Sequence[FetchedPage]) -> None:
    """Keep a batch of pages compressed and mark their articles fetched.

    An ``INSERT ... ON CONFLICT`` executemany for the HTML (sent as multi-row
    statements) and one for the articles (pipelined by psycopg: one round trip).
    """
    if not pages:
        return
    rows = [
        {"article_id": p.article_id, "compressed": zlib.compress(p.content, 6),
         "charset": p.charset, "size": len(p.content),
         "sha256": hashlib.sha256(p.content).hexdigest(), "fetched_at": p.fetched_at}
        for p in pages
    ]
    session.execute(_UPSERT_HTML, rows)
    session.execute(_MARK_FETCHED, [
        {"b_id": p.article_id, "b_final_url": p.final_url, "b_http_status": p.http_status,
         "b_content_type": p.content_type, "b_fetched_at": p.fetched_at}
        for p in pages
    ])


def mark_failed(
    session: Session,
    article_id: int,
    *,
    reason: str,
    detail: str,
    final: bool,
    http_status: int | None = None,
) -> None:
    """Record why an article failed; ``final`` ones are skipped for good."""
    mark_failures(session, [Failure(article_id=article_id, reason=reason, detail=detail,
                                    final=final, http_status=http_status)])


@dataclass(frozen=True, slots=True, kw_only=True)
class Failure:
    """Why an article was not fetched or cleaned, for :func:`mark_failures`."""

    article_id: int
    reason: str
    detail: str
    final: bool
    http_status: int | None = None


_MARK_FAILED = (
    update(_ARTICLES)
    .where(_ARTICLES.c.id == bindparam("b_id"))
    .values(state=bindparam("b_state"), state_reason=bindparam("b_reason"),
            state_detail=bindparam("b_detail"), http_status=bindparam("b_http_status"),
            attempts=_ARTICLES.c.attempts + 1)
)


def mark_failures(session: Session, failures: Sequence[Failure]) -> None:
    """Record why each article failed (one ``executemany``); ``final`` ones are skipped."""
    if not failures:
        return
    session.execute(_MARK_FAILED, [
        {"b_id": f.article_id, "b_state": ArticleState.SKIPPED if f.final else ArticleState.FAILED,
         "b_reason": f.reason, "b_detail": f.detail[:1000], "b_http_status": f.http_status}
        for f in failures
    ])


def load_html(session: Session, ids: Sequence[int]) -> list[StoredPage]:
    """Stored pages of the given articles, decompressed."""
    rows = session.execute(
        select(Article.id, Article.feed_id, func.coalesce(Article.final_url, Article.url),
               ArticleHtml.compressed, ArticleHtml.charset, Article.feed_title,
               Article.feed_published_at)
        .join(ArticleHtml, ArticleHtml.article_id == Article.id)
        .where(Article.id.in_(ids))
        .order_by(Article.id)
    )
    return [
        StoredPage(article_id=i, feed_id=f, url=u, content=zlib.decompress(b), charset=c,
                   feed_title=title, feed_published_at=published)
        for i, f, u, b, c, title, published in rows
    ]


def store_clean(session: Session, article_id: int, values: Mapping[str, Any]) -> None:
    """Store a cleaned article's text and metadata and mark it cleaned."""
    store_cleaned(session, [(article_id, values)])


def store_cleaned(session: Session, articles: Sequence[tuple[int, Mapping[str, Any]]]) -> None:
    """Store cleaned articles' text and metadata and mark them cleaned (one ``executemany``).

    Every ``values`` mapping of one call must have the same keys.
    """
    if not articles:
        return
    columns = sorted(articles[0][1])
    stmt = (
        update(_ARTICLES)
        .where(_ARTICLES.c.id == bindparam("b_id"))
        .values(**{c: bindparam(f"b_{c}") for c in columns},
                state=ArticleState.CLEANED, state_reason=None, state_detail=None)
    )
    session.execute(stmt, [{"b_id": article_id, **{f"b_{c}": values[c] for c in columns}}
                           for article_id, values in articles])


def stored_articles(
    session: Session, *, start: datetime, end: datetime, feed_ids: Sequence[int] | None
) -> list[int]:
    """Articles with stored HTML published (else first seen) in [start, end)."""
    when = func.coalesce(Article.published_at, Article.feed_published_at, Article.created_at)
    query = (select(Article.id).join(ArticleHtml, ArticleHtml.article_id == Article.id)
             .where(when >= start, when < end).order_by(Article.id))
    if feed_ids is not None:
        query = query.where(Article.feed_id.in_(feed_ids))
    return list(session.scalars(query))


def pending_ids(session: Session, canonical_urls: Sequence[str]) -> list[int]:
    """Ids of the given articles that still wait to be fetched."""
    if not canonical_urls:
        return []
    query = select(Article.id).where(Article.canonical_url.in_(canonical_urls),
                                     Article.state == ArticleState.PENDING)
    return list(session.scalars(query.order_by(Article.id)))


def feed_hosts(session: Session, feed_ids: Sequence[int]) -> dict[str, int]:
    """Host -> feed id for the feeds' own hosts and the hosts their articles live on."""
    hosts: dict[str, int] = {}
    article_host = func.substring(Article.url, "^[a-z]+://([^/:]+)")
    rows = session.execute(
        select(Article.feed_id, func.min(Article.url)).where(Article.feed_id.in_(feed_ids))
        .group_by(Article.feed_id, article_host)
    ).all()
    feeds = session.execute(select(Feed.id, Feed.url).where(Feed.id.in_(feed_ids))).all()
    for feed_id, url in [*feeds, *rows]:
        host = urlsplit(url).hostname
        if host and feed_id is not None:
            hosts.setdefault(host.removeprefix("www."), feed_id)
    return hosts


def known_urls(session: Session, canonical_urls: Sequence[str]) -> set[str]:
    """Which of these canonical URLs are already articles."""
    if not canonical_urls:
        return set()
    query = select(Article.canonical_url).where(Article.canonical_url.in_(canonical_urls))
    return set(session.scalars(query))


def insert_fetched(
    session: Session, feed_id: int | None, *, url: str, canonical: str, content: bytes,
    charset: str | None, fetched_at: datetime, published: datetime | None,
) -> int | None:
    """Store a page that arrived already fetched (from a WARC file); None if the URL is known."""
    article_id = session.execute(
        insert(Article).values(
            url=url, canonical_url=canonical, feed_id=feed_id, state=ArticleState.PENDING,
            feed_published_at=published,
        ).on_conflict_do_nothing().returning(Article.id)
    ).scalar()
    if article_id is None:
        return None
    store_html(session, article_id, content=content, charset=charset, final_url=url,
               http_status=200, content_type="text/html", fetched_at=fetched_at)
    return int(article_id)


# Merging an article's records (db.merge) takes advisory locks per summit series and row
# locks on the summits and agreements it touches, in the order the article names them:
# two batches merging at once (concurrent tasks, or two runs) took them in opposite
# orders and deadlocked. Merging transactions take this one lock first, so they run one
# at a time; they are short database work (the CPU-bound extraction happens before).
# The two-integer key space cannot collide with merge's hashtext() keys.
_MERGE_LOCK = text("SELECT pg_advisory_xact_lock(727274, 1)")


def lock_merges(session: Session) -> None:
    """Wait for, and hold to the end of the transaction, the right to merge records."""
    session.execute(_MERGE_LOCK)


def mark_extracted(session: Session, article_id: int, *, extractor: str, version: str) -> None:
    mark_all_extracted(session, [article_id], extractor=extractor, version=version)


def mark_all_extracted(session: Session, article_ids: Sequence[int], *, extractor: str,
                       version: str) -> None:
    """Mark articles extracted by ``extractor`` ``version`` (one statement)."""
    if not article_ids:
        return
    session.execute(
        update(Article).where(Article.id.in_(article_ids))
        .values(state=ArticleState.EXTRACTED, state_reason=None, state_detail=None,
                extractor=extractor, extractor_version=version, extracted_at=func.now())
    )


def with_mentions(session: Session, article_ids: Sequence[int]) -> set[int]:
    """Which of these articles have mentions stored."""
    if not article_ids:
        return set()
    # One index probe per article: with IN (...), a freshly grown table's stale
    # statistics made PostgreSQL scan every mention, in parallel.
    return set(session.scalars(text(
        "SELECT t.id FROM unnest(CAST(:ids AS bigint[])) AS t(id) "
        "WHERE EXISTS (SELECT FROM mentions m WHERE m.article_id = t.id)"),
        {"ids": list(article_ids)}))


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchTarget:
    """An article to fetch, with what cleaning it needs from the feed."""

    article_id: int
    feed_id: int | None
    url: str
    feed_title: str | None
    feed_published_at: datetime | None


def fetch_targets(session: Session, ids: Sequence[int]) -> list[FetchTarget]:
    """The given articles' URLs and feed metadata, by id."""
    rows = session.execute(
        select(Article.id, Article.feed_id, Article.url, Article.feed_title,
               Article.feed_published_at).where(Article.id.in_(ids)).order_by(Article.id))
    return [FetchTarget(article_id=i, feed_id=f, url=u, feed_title=t, feed_published_at=p)
            for i, f, u, t, p in rows]


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredText:
    article_id: int
    feed_id: int | None
    text: str
    title: str | None
    published_at: datetime | None
    language: str | None


def articles_to_extract(
    session: Session, *, extractor_version: str, since: datetime | None = None,
    everything: bool = False, stale: bool = True,
) -> list[int]:
    """Cleaned articles never extracted, and (``stale``) those another version extracted.

    ``everything`` takes every article with text; ``since`` keeps those published
    (or, without a date, stored) since then.
    """
    query = select(Article.id).where(Article.text.is_not(None),
                                     Article.state.in_([ArticleState.CLEANED,
                                                        ArticleState.EXTRACTED]))
    if not everything:
        outdated = Article.extractor_version.is_distinct_from(extractor_version)
        query = query.where(or_(Article.state == ArticleState.CLEANED, outdated) if stale
                            else Article.state == ArticleState.CLEANED)
    if since is not None:
        query = query.where(func.coalesce(Article.published_at, Article.created_at) >= since)
    return list(session.scalars(query.order_by(Article.id)))


def load_texts(session: Session, ids: Sequence[int]) -> list[StoredText]:
    rows = session.execute(
        select(Article.id, Article.feed_id, Article.text, Article.title,
               func.coalesce(Article.published_at, Article.feed_published_at), Article.language)
        .where(Article.id.in_(ids), Article.text.is_not(None))
        .order_by(Article.id)
    )
    return [StoredText(article_id=i, feed_id=f, text=t or "", title=ti, published_at=p,
                       language=lang) for i, f, t, ti, p, lang in rows]


def start_run(session: Session, *, flow: str, flow_run_id: str | None, started_at: datetime,
              parameters: Mapping[str, Any]) -> int:
    stmt = insert(PipelineRun).values(
        flow=flow, flow_run_id=flow_run_id, started_at=started_at, status="running",
        parameters=dict(parameters),
    ).on_conflict_do_update(
        index_elements=[PipelineRun.flow_run_id], set_={"status": "running"}
    ).returning(PipelineRun.id)
    return int(session.execute(stmt).scalar_one())


def finish_run(session: Session, run_id: int, *, status: str, finished_at: datetime,
               counts: Mapping[str, Any]) -> None:
    session.execute(
        update(PipelineRun)
        .where(PipelineRun.id == run_id)
        .values(status=status, finished_at=finished_at, counts=dict(counts))
    )
