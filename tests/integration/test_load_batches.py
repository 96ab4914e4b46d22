"""db.load's batch writes: one statement per batch, the same rows as one write per article."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from db import load
from db.models import Article, ArticleHtml, ArticleState

pytestmark = pytest.mark.integration

FEED = {"name": "a", "url": "https://a.example/rss", "region": None, "language": "en",
        "tags": [], "enabled": True}


def pending(session: Session, n: int) -> list[int]:
    feed_id = load.sync_feeds(session, [FEED])["a"]
    load.insert_entries(session, feed_id, [
        {"url": f"https://n.example/{i}", "canonical_url": f"https://n.example/{i}",
         "guid": None, "title": "t", "feed_title": f"feed title {i}", "authors": [],
         "feed_published_at": None} for i in range(n)])
    return load.articles_to_fetch(session, max_attempts=3)


def statements(session: Session) -> list[str]:
    seen: list[str] = []
    event.listen(session.connection(), "before_cursor_execute",
                 lambda conn, cursor, statement, *args: seen.append(statement.split()[0]))
    return seen


def test_a_batch_of_pages_is_stored_in_two_statements(session: Session) -> None:
    ids = pending(session, 30)
    now = datetime.now(UTC)
    pages = [load.FetchedPage(article_id=i, content=f"<p>page {i}</p>".encode() * 50,
                              charset="utf-8", final_url=f"https://final.example/{i}",
                              http_status=200, content_type="text/html", fetched_at=now)
             for i in ids]
    seen = statements(session)
    load.store_pages(session, pages)
    load.store_pages(session, pages[:5])  # again: still one copy each
    assert seen == ["INSERT", "UPDATE", "INSERT", "UPDATE"]
    assert len(session.scalars(select(ArticleHtml)).all()) == 30
    stored = {p.article_id: p for p in load.load_html(session, ids)}
    assert all(stored[p.article_id].content == p.content for p in pages)
    rows = session.execute(select(Article.state, Article.final_url, Article.attempts)
                           .where(Article.id == ids[0])).one()
    assert rows == (ArticleState.FETCHED, f"https://final.example/{ids[0]}", 2)
    assert load.fetch_targets(session, ids[:1])[0].feed_title == "feed title 0"


def test_failures_and_cleaned_texts_are_written_per_batch(session: Session) -> None:
    ids = pending(session, 4)
    seen = statements(session)
    load.mark_failures(session, [
        load.Failure(article_id=ids[0], reason="timeout", detail="slow", final=False),
        load.Failure(article_id=ids[1], reason="http_404", detail="gone", final=True,
                     http_status=404)])
    values = {"text": "body", "comments": None, "title": "T", "authors": ["A B"],
              "published_at": None, "published_source": None, "site_name": None,
              "language": "en", "content_hash": "h", "cleaner": "trafilatura",
              "cleaner_version": "1"}
    load.store_cleaned(session, [(ids[2], values), (ids[3], {**values, "authors": []})])
    load.mark_all_extracted(session, ids[2:], extractor="rules", version="1")
    assert seen == ["UPDATE", "UPDATE", "UPDATE"]
    rows = dict(session.execute(select(Article.id, Article.state)).all())
    assert [rows[i] for i in ids] == [ArticleState.FAILED, ArticleState.SKIPPED,
                                      ArticleState.EXTRACTED, ArticleState.EXTRACTED]
    assert session.scalar(select(Article.http_status).where(Article.id == ids[1])) == 404
    assert session.scalar(select(Article.authors).where(Article.id == ids[2])) == ["A B"]
    assert load.with_mentions(session, ids) == set()
