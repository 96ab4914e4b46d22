"""A local news site for end-to-end tests: good and misbehaving feeds and pages.

Every request is logged (path and headers) so tests can tell what was fetched
and whether requests were conditional.
"""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PRIVATE_LINK = "http://10.255.255.1/private.html"  # never requested: blocked before connecting


def article_page(n: int) -> bytes:
    paragraphs = "".join(
        f"<p>Paragraph {i} of story {n}: delegations from several capitals met to discuss "
        f"trade corridors, customs rules and energy links for the region.</p>"
        for i in range(8)
    )
    return (
        f"<html lang='en'><head><title>Story {n}</title>"
        f"<meta property='og:site_name' content='Test Wire'>"
        f"<meta property='article:published_time' content='2025-06-{10 + n:02d}T08:00:00Z'>"
        f"</head><body><nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
        f"<article><h1>Story {n}</h1>{paragraphs}</article>"
        f"<section id='comments' class='comments'><h3>Comments</h3>"
        f"<div class='comment'><p>Reader remark on story {n}: I disagree.</p></div></section>"
        f"</body></html>"
    ).encode()


def rss(base: str, links: list[str]) -> bytes:
    items = "".join(
        f"<item><title>Item {i}</title><link>{base + link if link.startswith('/') else link}</link>"
        f"<pubDate>Tue, 17 Jun 2025 09:0{i}:00 +0000</pubDate></item>"
        for i, link in enumerate(links)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{items}</channel></rss>'.encode()


@dataclass
class NewsServer:
    base_url: str = ""
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def paths(self) -> list[str]:
        return [p for p, _ in self.requests]

    def requests_to(self, path: str) -> list[dict[str, str]]:
        return [h for p, h in self.requests if p == path]


def _routes(base: str) -> dict[str, tuple[int, str, bytes] | str]:
    good = rss(base, ["/a/1.html", "/a/2.html?utm_source=rss&utm_medium=feed", "/redirect/3",
                      "/files/report.pdf", PRIVATE_LINK, "javascript:alert(1)"])
    other = (
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>O</title>'
        f'<entry><title>Two again</title><link href="{base}/a/2.html?utm_campaign=x"/>'
        '<id>urn:o:2</id><updated>2025-06-17T10:00:00Z</updated></entry>'
        f'<entry><title>Four</title><link href="{base}/a/4.html"/><id>urn:o:4</id>'
        '<updated>2025-06-17T10:00:00Z</updated></entry></feed>'
    ).encode()
    # Unescaped ampersand and an unclosed item: feedparser still reads the entry.
    broken = rss(base, ["/a/5.html"]).replace(b"<title>Item 0</title>",
                                              b"<title>Fish & chips</title>")
    broken = broken.replace(b"</channel></rss>", b"<item><title>half")
    return {
        "/feeds/good.xml": (200, "application/rss+xml", good),
        "/feeds/other.xml": (200, "application/atom+xml", other),
        "/feeds/broken.xml": (200, "application/xml", broken),
        "/feeds/error.xml": (500, "text/plain", b"internal error"),
        "/feeds/slow.xml": "sleep",
        "/redirect/3": "redirect:/a/3.html",
        "/files/report.pdf": (200, "application/pdf", b"%PDF-1.4 not a page"),
        "/robots.txt": (200, "text/plain", b"User-agent: *\nDisallow: /private/\n"),
        # Only in the sitemap (for backfills): one page in June 2025, one long before.
        "/sitemap.xml": (200, "application/xml", (
            '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<url><loc>{base}/a/6.html</loc><lastmod>2025-06-16</lastmod></url>"
            f"<url><loc>{base}/a/7.html</loc><lastmod>2019-01-01</lastmod></url>"
            f"<url><loc>{base}/a/1.html</loc><lastmod>2025-06-11</lastmod></url>"
            "</urlset>").encode()),
        **{f"/a/{n}.html": (200, "text/html; charset=utf-8", article_page(n)) for n in range(1, 8)},
    }


@contextmanager
def serve_news(slow_seconds: float = 3.0) -> Iterator[NewsServer]:
    state = NewsServer()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            with lock:
                state.requests.append((path, {k.lower(): v for k, v in self.headers.items()}))
            route = routes.get(path)
            if route is None:
                self.send_error(404)
            elif route == "sleep":
                time.sleep(slow_seconds)
                try:
                    self.send_error(504)
                except OSError:
                    pass  # the client gave up first, as it should
            elif isinstance(route, str):
                self.send_response(302)
                self.send_header("Location", route.removeprefix("redirect:"))
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                status, ctype, body = route
                etag = f'"{hash(body) & 0xFFFFFFFF:x}"'
                if status == 200 and self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("ETag", etag)
                self.end_headers()
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    routes = _routes(state.base_url)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
