"""db.load against a real PostgreSQL: every write is idempotent."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from db import load
from db.models import Article, ArticleHtml, ArticleState, Feed
from tests.rows import row_counts

pytestmark = pytest.mark.integration

FEEDS = [
    {"name": "a", "url": "https://a.example/rss", "region": "china", "language": "en",
     "tags": ["x"], "enabled": True},
    {"name": "b", "url": "https://b.example/rss", "region": None, "language": "en", "tags": [],
     "enabled": True},
]


def entry(url: str, guid: str | None = None) -> dict[str, object]:
    return {"url": url, "canonical_url": url, "guid": guid, "title": "t", "feed_title": "t",
            "authors": [], "feed_published_at": None}


def test_sync_feeds_is_idempotent_and_keeps_poll_state(session: Session) -> None:
    ids = load.sync_feeds(session, FEEDS)
    session.execute(Feed.__table__.update().values(etag='"e"', consecutive_failures=2))
    before = row_counts(session, skip=())
    assert load.sync_feeds(session, FEEDS) == ids
    assert row_counts(session, skip=()) == before
    assert session.scalar(select(Feed.etag).where(Feed.name == "a")) == '"e"'


def test_a_feed_disabled_for_failures_stays_disabled_until_enabled(session: Session) -> None:
    load.sync_feeds(session, FEEDS)
    load.disable_feed(session, "a", "10 consecutive failures")
    load.sync_feeds(session, FEEDS)
    assert session.scalar(select(Feed.enabled).where(Feed.name == "a")) is False
    assert load.enable_feed(session, "a")
    assert session.scalar(select(Feed.enabled).where(Feed.name == "a")) is True


def test_entries_dedupe_by_canonical_url_across_feeds_and_by_guid(session: Session) -> None:
    ids = load.sync_feeds(session, FEEDS)
    assert load.insert_entries(session, ids["a"], [entry("https://n.example/1", "g1"),
                                                   entry("https://n.example/2", "g2")]) == 2
    # same URL from another feed; same GUID with a changed URL in the same feed
    assert load.insert_entries(session, ids["b"], [entry("https://n.example/1", "other")]) == 0
    assert load.insert_entries(session, ids["a"], [entry("https://n.example/2b", "g2")]) == 0
    before = row_counts(session, skip=())
    assert load.insert_entries(session, ids["a"], [entry("https://n.example/1", "g1")]) == 0
    assert row_counts(session, skip=()) == before
    assert before["articles"] == 2


def test_store_html_twice_keeps_one_compressed_copy(session: Session) -> None:
    ids = load.sync_feeds(session, FEEDS)
    load.insert_entries(session, ids["a"], [entry("https://n.example/1")])
    (article_id,) = load.articles_to_fetch(session, max_attempts=3)
    page = b"<html><body>" + b"<p>words</p>" * 1000 + b"</body></html>"
    for _ in range(2):
        load.store_html(session, article_id, content=page, charset="utf-8",
                        final_url="https://n.example/1", http_status=200,
                        content_type="text/html", fetched_at=datetime.now(UTC))
    stored = session.scalars(select(ArticleHtml)).all()
    assert len(stored) == 1 and stored[0].size == len(page)
    assert len(stored[0].compressed) < len(page) / 10
    (loaded,) = load.load_html(session, [article_id])
    assert loaded.content == page
    assert load.articles_to_clean(session) == [article_id]
    assert load.articles_to_fetch(session, max_attempts=3) == []


def test_transient_failures_are_retried_final_ones_are_not(session: Session) -> None:
    ids = load.sync_feeds(session, FEEDS)
    load.insert_entries(session, ids["a"], [entry("https://n.example/1"),
                                            entry("https://n.example/2")])
    first, second = load.articles_to_fetch(session, max_attempts=2)
    load.mark_failed(session, first, reason="timeout", detail="read timed out", final=False)
    load.mark_failed(session, second, reason="robots", detail="disallowed", final=True)
    assert load.articles_to_fetch(session, max_attempts=2) == [first]
    load.mark_failed(session, first, reason="timeout", detail="read timed out", final=False)
    assert load.articles_to_fetch(session, max_attempts=2) == []
    states = dict(session.execute(select(Article.id, Article.state)).all())
    assert states == {first: ArticleState.FAILED, second: ArticleState.SKIPPED}
