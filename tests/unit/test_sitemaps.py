"""Tests of flows.sitemaps against a real HTTP server on 127.0.0.1 (no mocks, no internet)."""

from __future__ import annotations

import gzip
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from flows.http import HttpClient, HttpConfig
from flows.sitemaps import SitemapResult, discover_sitemap_urls

START, END = date(2024, 5, 1), date(2024, 5, 31)
SM = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
NEWS = 'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'
IMAGE = 'xmlns:image="http://www.google.com/schemas/sitemap-image/1.1"'


# --------------------------------------------------------------------------- server


@dataclass
class Site:
    port: int = 0
    # path -> (status, content type, body)
    routes: dict[str, tuple[int, str, bytes]] = field(default_factory=dict)
    hits: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def add(self, path: str, body: str | bytes, ctype: str = "application/xml") -> None:
        self.routes[path] = (200, ctype, body.encode() if isinstance(body, str) else body)

    def count(self, path: str) -> int:
        with self.lock:
            return self.hits.count(path)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SiteServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        site = self.server.site
        with site.lock:
            site.hits.append(self.path)
        status, ctype, body = site.routes.get(self.path, (404, "text/plain", b"not found"))
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class SiteServer(ThreadingHTTPServer):
    daemon_threads = True
    site: Site


@pytest.fixture
def site() -> Iterator[Site]:
    server = SiteServer(("127.0.0.1", 0), Handler)
    server.site = Site(port=server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server.site
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def client() -> Iterator[HttpClient]:
    config = HttpConfig(
        allowed_hosts=frozenset({"127.0.0.1"}),
        min_host_delay=0,
        respect_robots=True,
        max_retries=0,
        deadline=5,
        connect_timeout=2,
        read_timeout=2,
    )
    with HttpClient(config) as c:
        yield c


def discover(client: HttpClient, site: Site, **kwargs: Any) -> SitemapResult:
    return discover_sitemap_urls(client, site.url("/"), start=START, end=END, **kwargs)


def urlset(*entries: str, ns: str = SM) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset {ns}>{"".join(entries)}</urlset>'


def url(loc: str, lastmod: str | None = None, extra: str = "") -> str:
    mod = f"<lastmod>{lastmod}</lastmod>" if lastmod else ""
    return f"<url><loc>{loc}</loc>{mod}{extra}</url>"


def index(*children: tuple[str, str | None]) -> str:
    items = "".join(
        f"<sitemap><loc>{loc}</loc>{f'<lastmod>{mod}</lastmod>' if mod else ''}</sitemap>"
        for loc, mod in children
    )
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex {SM}>{items}</sitemapindex>'


def found(result: SitemapResult) -> dict[str, date | None]:
    return {p.url: p.published for p in result.pages}


# --------------------------------------------------------------------------- a whole site


@pytest.fixture
def news_site(site: Site) -> Site:
    """robots.txt -> an index (nested index, gzip, 404, old child), a news sitemap, a 404."""
    u = site.url
    site.add(
        "/robots.txt",
        "User-agent: *\nAllow: /\n\n"
        f"Sitemap: {u('/sitemap_index.xml')}\n"
        f"sitemap: {u('/news-sitemap.xml')}  # comments are ignored\n"
        f"Sitemap: {u('/sitemap_index.xml')}\n",  # listed twice, read once
        "text/plain",
    )
    site.add(
        "/sitemap_index.xml",
        index(
            (u("/post-sitemap1.xml"), "2023-01-10T08:00:00+00:00"),  # before start: not fetched
            (u("/post-sitemap2.xml"), "2024-05-20T08:00:00+00:00"),
            (u("/nested-index.xml"), None),
            (u("/gone-sitemap.xml"), "2024-06-01"),
            (u("/sitemap_index.xml"), None),  # a cycle
        ),
    )
    site.add("/post-sitemap1.xml", urlset(url(u("/old/in-range-but-unread"), "2024-05-05")))
    site.add(
        "/post-sitemap2.xml",
        urlset(
            url(u("/news/may-02"), "2024-05-02T10:00:00+05:00"),
            url(u("/news/apr-30"), "2024-04-30T23:59:59+00:00"),  # day before start
            url(u("/news/jun-01"), "2024-06-01"),  # day after end
            url(u("/news/undated")),
            url(u("/news/month-only"), "2024-05"),  # no day: undated
            url("https://elsewhere.example/news/may-03", "2024-05-03"),  # off-site
            url("ftp://127.0.0.1/news/may-03", "2024-05-03"),  # not http(s)
            # www. of the same host counts as the same site
            url(f"http://www.127.0.0.1:{site.port}/news/www-may-04", "2024-05-04"),
            url(
                u("/news/with-image"),
                "2024-05-31T23:00:00-07:00",  # the date as written, not UTC
                f"<image:image><image:loc>{u('/img/1.jpg')}</image:loc></image:image>",
            ),
            url(u("/news/may-02"), "2024-05-02"),  # duplicate
            ns=f"{SM} {IMAGE}",
        ),
    )
    site.add("/nested-index.xml", index((u("/sitemap-2024-05.xml.gz"), "2024-05-31")))
    site.add(
        "/sitemap-2024-05.xml.gz",
        gzip.compress(urlset(url(u("/news/from-gzip"), "2024-05-15")).encode()),
        "application/x-gzip",
    )
    site.add(
        "/news-sitemap.xml",
        urlset(
            # publication_date wins over lastmod, in both directions
            url(
                u("/news/published-may-10"),
                "2025-01-01",
                "<news:news><news:publication><news:name>T</news:name>"
                "<news:language>en</news:language></news:publication>"
                "<news:publication_date>2024-05-10T09:00:00Z</news:publication_date>"
                "<news:title>Summit</news:title></news:news>",
            ),
            url(
                u("/news/published-apr-01"),
                "2024-05-10",
                "<news:news><news:publication_date>2024-04-01</news:publication_date></news:news>",
            ),
            ns=f"{SM} {NEWS}",
        ),
    )
    return site


def test_discovers_pages_in_range_across_robots_index_news_and_gzip(
    client: HttpClient, news_site: Site
) -> None:
    u = news_site.url
    result = discover(client, news_site)

    assert found(result) == {
        u("/news/may-02"): date(2024, 5, 2),
        f"http://www.127.0.0.1:{news_site.port}/news/www-may-04": date(2024, 5, 4),
        u("/news/with-image"): date(2024, 5, 31),
        u("/news/from-gzip"): date(2024, 5, 15),
        u("/news/published-may-10"): date(2024, 5, 10),
    }
    # breadth first: robots.txt sitemaps, then their children
    assert [p.url for p in result.pages][:2] == [u("/news/published-may-10"), u("/news/may-02")]
    sources = {p.url: p.source_sitemap for p in result.pages}
    assert sources[u("/news/from-gzip")] == u("/sitemap-2024-05.xml.gz")
    assert sources[u("/news/published-may-10")] == u("/news-sitemap.xml")

    # robots, 2 indexes, 3 urlsets; the 404 failed, the old child was never asked for
    assert result.sitemaps_read == 5
    assert news_site.count("/post-sitemap1.xml") == 0
    assert news_site.count("/sitemap_index.xml") == 1
    assert result.sitemaps_skipped_by_date == 1
    assert [(e.url, e.reason) for e in result.errors] == [(u("/gone-sitemap.xml"), "http_status")]
    assert result.urls_seen == 13
    assert result.kept == 5
    assert result.skipped_by_date == 3  # apr-30, jun-01, published-apr-01
    assert result.undated == 2
    assert result.off_site == 2
    assert result.duplicates == 1
    assert result.skipped == {"by_date": 3, "undated": 2, "off_site": 2, "duplicate": 1}
    assert not result.truncated
    # the fallback locations are only guessed when robots.txt names nothing
    assert news_site.count("/sitemap.xml") == 0


def test_undated_pages_are_kept_when_asked(client: HttpClient, news_site: Site) -> None:
    u = news_site.url
    result = discover(client, news_site, include_undated=True)

    undated = {p.url for p in result.pages if p.published is None}
    assert undated == {u("/news/undated"), u("/news/month-only")}
    assert result.kept == 7
    assert result.undated == 2
    assert "undated" not in result.skipped


def test_limits_stop_the_walk(client: HttpClient, news_site: Site) -> None:
    few_sitemaps = discover(client, news_site, max_sitemaps=2)
    assert few_sitemaps.truncated
    assert few_sitemaps.sitemaps_read == 2  # the index and post-sitemap2

    few_urls = discover(client, news_site, max_urls=2)
    assert few_urls.truncated
    assert len(few_urls.pages) == 2


# --------------------------------------------------------------------------- fallbacks


def test_falls_back_to_usual_locations_without_robots_sitemaps(
    client: HttpClient, site: Site
) -> None:
    site.add("/robots.txt", "User-agent: *\nDisallow: /private/\n", "text/plain")
    site.add("/sitemap.xml", "<!DOCTYPE html><html><body>Page not found</body></html>", "text/html")
    site.add("/sitemap_index.xml", "Page not found", "text/plain")
    site.add(
        "/news-sitemap.xml",
        urlset(url(site.url("/news/a"), "2024-05-03"), url(site.url("/news/b"), "2023-05-03")),
    )
    result = discover(client, site)

    assert found(result) == {site.url("/news/a"): date(2024, 5, 3)}
    # guessed locations that are not sitemaps (soft 404s) are misses, not errors
    assert site.count("/sitemap.xml") == 1 and site.count("/sitemap_index.xml") == 1
    assert result.errors == []
    assert result.sitemaps_read == 1


def test_missing_robots_txt_and_plain_text_sitemap(client: HttpClient, site: Site) -> None:
    site.add("/sitemap.xml", f"{site.url('/news/a')}\n\n{site.url('/news/b')}\n", "text/plain")
    assert discover(client, site).undated == 2
    result = discover(client, site, include_undated=True)
    assert found(result) == {site.url("/news/a"): None, site.url("/news/b"): None}
    assert result.errors == []


def test_robots_disallowed_sitemap_is_an_error(client: HttpClient, site: Site) -> None:
    site.add(
        "/robots.txt",
        f"User-agent: *\nDisallow: /hidden/\nSitemap: {site.url('/hidden/sitemap.xml')}\n",
        "text/plain",
    )
    site.add("/hidden/sitemap.xml", urlset(url(site.url("/news/a"), "2024-05-03")))
    result = discover(client, site)
    assert result.pages == []
    assert [e.reason for e in result.errors] == ["robots"]
    assert site.count("/hidden/sitemap.xml") == 0


# --------------------------------------------------------------------------- hostile input


BOMB = """<?xml version="1.0"?>
<!DOCTYPE urlset [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>{base}/news/bomb-&f;</loc><lastmod>2024-05-03</lastmod></url>
</urlset>"""


def test_hostile_xml_is_refused_and_others_still_read(
    client: HttpClient, site: Site, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-TOKEN")
    base = site.url("")
    site.add(
        "/robots.txt",
        "".join(
            f"Sitemap: {site.url(p)}\n"
            for p in ("/bomb.xml", "/xxe.xml", "/dtd.xml", "/bad.gz", "/zipbomb.xml.gz", "/ok.xml")
        ),
        "text/plain",
    )
    site.add("/bomb.xml", BOMB.format(base=base))
    site.add(
        "/xxe.xml",
        f'<?xml version="1.0"?>\n<!DOCTYPE urlset [<!ENTITY x SYSTEM "file://{secret}">]>\n'
        + urlset(url(f"{base}/news/&x;", "2024-05-03")).split("\n", 1)[1],
    )
    # an external DTD must not be fetched (nor its entities used)
    site.add(
        "/dtd.xml",
        f'<?xml version="1.0"?>\n<!DOCTYPE urlset SYSTEM "{site.url("/evil.dtd")}">\n'
        + urlset(url(f"{base}/news/dtd", "2024-05-03")).split("\n", 1)[1],
    )
    site.add("/evil.dtd", f'<!ENTITY x SYSTEM "file://{secret}">', "application/xml-dtd")
    site.add("/bad.gz", b"\x1f\x8b\x08\x00garbage", "application/x-gzip")
    site.add(
        "/zipbomb.xml.gz",
        gzip.compress(urlset(url(f"{base}/news/z", "2024-05-03")).encode() + b" " * 3_000_000),
        "application/x-gzip",
    )
    site.add("/ok.xml", urlset(url(f"{base}/news/ok", "2024-05-03")))

    result = discover(client, site, max_sitemap_bytes=1_000_000)

    reasons = {e.url.rsplit("/", 1)[1]: e.reason for e in result.errors}
    assert reasons == {
        "bomb.xml": "unsafe_xml",
        "xxe.xml": "unsafe_xml",
        "bad.gz": "bad_gzip",
        "zipbomb.xml.gz": "too_large",
    }
    assert site.count("/evil.dtd") == 0
    assert "TOP-SECRET-TOKEN" not in repr(result)
    # The DTD-only document is harmless once its DTD is ignored, so it is read.
    assert found(result) == {
        f"{base}/news/dtd": date(2024, 5, 3),
        f"{base}/news/ok": date(2024, 5, 3),
    }


def test_malformed_xml_keeps_entries_before_the_damage(client: HttpClient, site: Site) -> None:
    site.add(
        "/sitemap.xml",
        urlset(
            url(site.url("/news/a"), "2024-05-03"),
            url(site.url("/news/b?x=1&y=2"), "2024-05-04"),  # bare "&": not XML
            url(site.url("/news/c"), "2024-05-05"),
        ),
    )
    site.add("/rss.xml", '<rss version="2.0"><channel></channel></rss>')
    site.add(
        "/robots.txt", "".join(f"Sitemap: {site.url(p)}\n" for p in ("/sitemap.xml", "/rss.xml"))
    )

    result = discover(client, site)
    assert found(result) == {site.url("/news/a"): date(2024, 5, 3)}
    assert [(e.url, e.reason) for e in result.errors] == [
        (site.url("/sitemap.xml"), "malformed_xml"),
        (site.url("/rss.xml"), "not_a_sitemap"),
    ]
    assert result.sitemaps_read == 1


@pytest.mark.parametrize(
    "site_url",
    ["ftp://example.org/", "example.org", "http:///path"],
)
def test_rejects_a_site_that_is_not_an_http_url(client: HttpClient, site_url: str) -> None:
    with pytest.raises(ValueError, match="http"):
        discover_sitemap_urls(client, site_url, start=START, end=END)


def test_rejects_an_inverted_range(client: HttpClient, site: Site) -> None:
    with pytest.raises(ValueError, match="after"):
        discover_sitemap_urls(client, site.url("/"), start=END, end=START)
