"""The backfill flow: stored pages again, sitemaps and WARC files, dry runs; all idempotent."""

from datetime import UTC, date, datetime
from io import BytesIO
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from db.models import Article, ArticleState
from flows.backfill import backfill
from flows.ingest import ingest
from flows.settings import get_settings
from tests.e2e.news_server import article_page, serve_news
from tests.e2e.test_ingest_flow import write_feeds
from tests.rows import row_counts

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("prefect_server")]

JUNE = {"start": date(2025, 6, 1), "end": date(2025, 6, 30)}


def write_warc(path: Path, base: str) -> Path:
    """A WARC with one page in range on the feeds' host, and records to skip."""
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        for url, when, body in [
            (f"{base}/w/in-range.html", "2025-06-20T10:00:00Z", article_page(8)),
            (f"{base}/w/too-old.html", "2024-01-02T10:00:00Z", article_page(9)),
            ("http://elsewhere.example/w/other-host.html", "2025-06-20T10:00:00Z",
             article_page(10)),
        ]:
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                       protocol="HTTP/1.1")
            record = writer.create_warc_record(url, "response", payload=BytesIO(body),
                                               http_headers=headers,
                                               warc_headers_dict={"WARC-Date": when})
            writer.write_record(record)
    return path


def test_backfill_sources(pipeline_env: str, tmp_path: Path,
                          monkeypatch: pytest.MonkeyPatch) -> None:
    engine = create_engine(pipeline_env)
    with serve_news() as site:
        feeds_file = write_feeds(tmp_path / "feeds.toml", site.base_url)
        monkeypatch.setenv("ACCORDS_FEEDS_FILE", str(feeds_file))
        get_settings.cache_clear()
        ingest(feeds_file=str(feeds_file))
        with Session(engine) as session:
            before = row_counts(session)
        requests = len(site.requests)

        # stored: everything again from the raw HTML, without a single request
        stored = backfill(sources=["stored"], **JUNE)
        assert stored["planned"]["stored"] == 5 and stored["total"]["cleaned"] == 5
        assert len(site.requests) == requests
        with Session(engine) as session:
            assert row_counts(session) == before

        # dry runs count and write nothing
        warc = write_warc(tmp_path / "pages.warc.gz", site.base_url)
        dry = backfill(sources=["sitemap", "warc"], warc=[str(warc)], dry_run=True, **JUNE)
        assert dry["planned"] == {"sitemap": 1, "warc": 1}
        with Session(engine) as session:
            assert row_counts(session) == before

        # sitemap: the June page only; warc: the in-range page on the feeds' host only
        full = backfill(sources=["sitemap", "warc"], warc=[str(warc)], **JUNE)
        assert full["total"]["cleaned"] == 2
        with Session(engine) as session:
            urls = set(session.scalars(select(Article.url).where(
                Article.state == ArticleState.EXTRACTED)))
            after = row_counts(session)
        assert f"{site.base_url}/a/6.html" in urls and f"{site.base_url}/w/in-range.html" in urls
        assert not any(u.endswith(("/a/7.html", "too-old.html", "other-host.html")) for u in urls)
        assert "/a/7.html" not in site.paths()

        # the same backfill again changes nothing
        backfill(sources=["stored", "sitemap", "warc"], warc=[str(warc)], **JUNE)
        with Session(engine) as session:
            assert row_counts(session) == after
    engine.dispose()


def test_backfill_refuses_an_inverted_range(pipeline_env: str) -> None:
    with pytest.raises(ValueError, match="before start"):
        backfill(start=date(2025, 6, 30), end=date(2025, 6, 1))
    assert datetime.now(UTC)  # the flow failed before touching anything
