"""The ingest flow end to end: real Prefect, real PostgreSQL, a local misbehaving news site."""

from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from db.models import Article, ArticleState, Feed, FeedPoll
from flows.ingest import ingest
from tests.e2e.news_server import NewsServer, serve_news
from tests.rows import row_counts

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("prefect_server")]

# Log tables gain a row per poll and per run by design; every other table must not change.


def write_feeds(path: Path, base: str) -> Path:
    names = ["good", "other", "broken", "error", "slow"]
    path.write_text("".join(
        f'[[feeds]]\nname = "{n}"\nurl = "{base}/feeds/{n}.xml"\nregion = "global"\n\n'
        for n in names
    ))
    return path


def test_ingest_end_to_end_twice(pipeline_env: str, tmp_path: Path) -> None:
    engine = create_engine(pipeline_env)
    with serve_news() as site:
        feeds_file = write_feeds(tmp_path / "feeds.toml", site.base_url)
        first = ingest(feeds_file=str(feeds_file))
        with Session(engine) as session:
            check_first_run(session, site)
            counts = row_counts(session)
        article_requests = [p for p in site.paths() if p.startswith(("/a/", "/redirect/"))]

        second = ingest(feeds_file=str(feeds_file))
        with Session(engine) as session:
            assert row_counts(session) == counts
            polls = session.scalar(select(func.count()).select_from(FeedPoll))
        # nothing re-fetched; the good feeds were asked conditionally
        assert [p for p in site.paths() if p.startswith(("/a/", "/redirect/"))] == article_requests
        assert site.requests_to("/feeds/good.xml")[-1].get("if-none-match")
        assert site.requests_to("/feeds/other.xml")[-1].get("if-none-match")

    assert first["total"]["cleaned"] == 5
    assert set(second["total"].values()) == {0}
    # failing feeds back off: the second run polled only the three healthy ones
    assert second["polled"] == 3 and polls == 5 + 3
    engine.dispose()


def check_first_run(session: Session, site: NewsServer) -> None:
    articles = {a.canonical_url.removeprefix("https://127.0.0.1:").split("/", 1)[1]: a
                for a in session.scalars(select(Article))}
    # the good articles once each, the redirect under its original link
    cleaned = sorted(k for k, a in articles.items() if a.state == ArticleState.EXTRACTED)
    assert cleaned == ["a/1.html", "a/2.html", "a/4.html", "a/5.html", "redirect/3"]
    redirected = articles["redirect/3"]
    assert redirected.final_url and redirected.final_url.endswith("/a/3.html")
    for article in (articles[k] for k in cleaned):
        assert article.text and "Paragraph 7" in article.text
        assert article.comments and "Reader remark" in article.comments
        assert "Reader remark" not in article.text
        assert article.site_name == "Test Wire"
        assert article.published_source == "page"
        assert article.cleaner == "trafilatura" and article.content_hash
        assert session.scalar(text("SELECT size FROM article_html WHERE article_id = :i"),
                              {"i": article.id})
    # every failure recorded with its reason
    assert articles["files/report.pdf"].state == ArticleState.SKIPPED
    assert articles["files/report.pdf"].state_reason == "content_type"
    private = session.scalars(select(Article).where(Article.url.like("http://10.%"))).one()
    assert (private.state, private.state_reason) == (ArticleState.SKIPPED, "blocked_address")
    assert not any("private" in p for p in site.paths())
    feeds = {f.name: f for f in session.scalars(select(Feed))}
    assert feeds["error"].last_status == 500 and feeds["error"].consecutive_failures == 1
    assert feeds["error"].next_poll_at is not None
    assert "timeout" in (feeds["slow"].last_error or "").lower() or "deadline" in (
        feeds["slow"].last_error or "").lower()
    assert feeds["broken"].last_error  # read despite its problem, and the problem kept
    assert feeds["broken"].consecutive_failures == 0
    assert feeds["good"].etag and feeds["good"].entries_seen == 5  # javascript: link dropped
    assert len(articles) == 7


def test_a_run_finishes_what_a_crashed_run_left_half_done(pipeline_env: str,
                                                          tmp_path: Path) -> None:
    engine = create_engine(pipeline_env)
    with serve_news() as site:
        feeds_file = write_feeds(tmp_path / "feeds.toml", site.base_url)
        ingest(feeds_file=str(feeds_file))
        with Session(engine) as session, session.begin():
            done = counts = row_counts(session)
            ids = sorted(session.scalars(select(Article.id).where(
                Article.state == ArticleState.EXTRACTED)))
            # as a crash would leave them: not fetched, fetched only, cleaned only
            session.execute(text("DELETE FROM article_html WHERE article_id = :i"), {"i": ids[0]})
            session.execute(text("UPDATE articles SET state = 'pending', text = NULL "
                                 "WHERE id = :i"), {"i": ids[0]})
            session.execute(text("UPDATE articles SET state = 'fetched', text = NULL "
                                 "WHERE id = :i"), {"i": ids[1]})
            session.execute(text("DELETE FROM mentions WHERE article_id = :i"), {"i": ids[2]})
            session.execute(text("UPDATE articles SET state = 'cleaned' WHERE id = :i"),
                            {"i": ids[2]})
        ingest(feeds_file=str(feeds_file))
        with Session(engine) as session:
            states = set(session.scalars(select(Article.state).where(Article.id.in_(ids))))
            assert states == {ArticleState.EXTRACTED}
            counts = row_counts(session)
    assert counts == done
    engine.dispose()
