"""A local misbehaving news site: the ways a third-party feed or page can hurt a crawler.

Every route imitates one hostile or broken source (a trickling or silent server,
endless redirects, redirects to private and metadata addresses, lying or missing
sizes, a gzip bomb, wrong charsets, binary bodies served as HTML, rate limits,
resets mid-body, entity-expansion and XXE feeds, empty and huge feeds, deeply
nested markup) next to one good article that must still be stored. Every request
is logged, so tests can tell what was asked for and what never was.

The documents themselves are plain functions (``billion_laughs_feed`` ...) so the
unit tests can feed the same bytes to the parsers without a server.
"""

from __future__ import annotations

import functools
import random
import socket
import struct
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

# Redirect targets that must be refused before any connection is attempted.
PRIVATE_TARGET = "http://10.0.0.1/x"
METADATA_TARGET = "http://169.254.169.254/latest/meta-data/"

TRICKLE_INTERVAL = 0.2  # seconds per byte: never silent long enough for a read timeout
TRICKLE_DECLARED = 100_000  # the trickle's Content-Length, so the client keeps waiting
HUGE_CONTENT_LENGTH = 10_000_000_000  # the 10 GB announced in front of a tiny body
OVER_CAP_STREAM = 64 * 1024 * 1024  # a body without Content-Length; tests cap far below
NESTING_DEPTH = 100_000
HUGE_FEED_ENTRIES = 50_000
# The huge feed repeats a few hundred links: parsing 50,000 items is what is tested;
# fetching 50,000 pages would only test the patience of CI.
HUGE_FEED_LINKS = 500

# Text that only a leaked /etc/passwd or an expanded entity could put into the database.
PASSWD_MARKER = "root:x:0:0"
LAUGHS_MARKER = "lol" * 10

GOOD_TITLE = "Leaders open third Gulf-Central Asia summit in Samarkand"
GOOD_PARAGRAPHS = (
    ("President Shavkat Mirziyoyev welcomed the heads of state of the five Central Asian "
     "countries and the Gulf Cooperation Council to the third GCC-Central Asia Summit in "
     "Samarkand on Tuesday."),
    ("Kazakh President Kassym-Jomart Tokayev said the region wanted closer links with Gulf "
     "investors. The leaders adopted the Samarkand Declaration, which covers energy, "
     "logistics and food security."),
    ("The summit also resulted in the signing of 9 cooperation agreements covering water "
     "management, tourism and customs."),
    ("Foreign Minister Bakhtiyor Saidov told reporters that the first summit in 2021 had laid "
     "the groundwork for a regular dialogue between the two regions."),
)
# Russian text for the page in windows-1251 that claims to be UTF-8.
CYRILLIC_PARAGRAPHS = (
    ("Президенты Казахстана и Узбекистана провели переговоры в Ташкенте и обсудили "
     "вопросы торговли, энергетики и транспортных коридоров в Центральной Азии."),
    ("По итогам встречи стороны подписали соглашение о сотрудничестве в области водных "
     "ресурсов и договорились продолжить консультации на уровне министров."),
    ("Саммит завершился принятием совместного заявления о развитии региональной "
     "торговли и упрощении таможенных процедур на границе двух государств."),
    ("Следующая встреча глав государств запланирована на осень в Астане, сообщили "
     "в пресс-службе министерства иностранных дел."),
)
CYRILLIC_WORD = "Саммит"
# Typographic quotes and accents: mojibake shows at once if the guess is wrong.
UNDECLARED_PARAGRAPHS = (
    ("Astana’s foreign ministry said the “strategic dialogue” with the Quai d’Orsay would "
     "continue after talks between the two delegations on energy and transport."),
    ("The French minister, Jean-Noël Barrot, met his Kazakh counterpart for two hours and "
     "both sides described the meeting as détente-minded and constructive."),
    ("Officials said a roadmap for cooperation in uranium supply and rail logistics would be "
     "ready before the end of the year, with experts meeting every quarter."),
    ("Diplomats from both countries added that cultural exchanges and student grants would "
     "be expanded under the same framework starting next spring."),
)
UNDECLARED_PHRASE = "Astana’s foreign ministry"


# --------------------------------------------------------------------------- documents


def article_html(title: str, paragraphs: Iterable[str], *, meta_charset: str | None = "utf-8",
                 published: str = "2025-06-17") -> str:
    """A plain news page; ``meta_charset=None`` leaves the charset undeclared in the page too."""
    meta = f'<meta charset="{meta_charset}">' if meta_charset else ""
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (
        f"<!DOCTYPE html><html lang='en'><head>{meta}<title>{escape(title)}</title>"
        f"<meta property='article:published_time' content='{published}T08:00:00Z'>"
        f"<meta property='og:site_name' content='Hostile Wire'></head><body>"
        f"<nav><a href='/'>Home</a></nav><article><h1>{escape(title)}</h1>{body}</article>"
        f"</body></html>"
    )


def good_page() -> bytes:
    return article_html(GOOD_TITLE, GOOD_PARAGRAPHS).encode()


def recovering_page(name: str) -> bytes:
    """The page a rate-limited or briefly failing server ends up serving (distinct text)."""
    paragraphs = [
        f"After a pause the {name} wire reported that the foreign ministers of Kyrgyzstan and "
        f"Tajikistan met in Bishkek on Monday to discuss border demarcation, item {i}."
        for i in range(5)
    ]
    return article_html(f"Border talks ({name})", paragraphs).encode()


def cp1251_page() -> bytes:
    """Russian text encoded in windows-1251; served with ``charset=utf-8`` (a lie)."""
    return article_html("Саммит в Ташкенте", CYRILLIC_PARAGRAPHS, meta_charset=None).encode(
        "cp1251")


def undeclared_charset_page() -> bytes:
    """UTF-8 text with no charset anywhere: neither the header nor the page says."""
    return article_html("Strategic dialogue", UNDECLARED_PARAGRAPHS, meta_charset=None).encode()


def binary_body() -> bytes:
    """Seeded random bytes: the same junk on every run."""
    return random.Random(20250617).randbytes(64 * 1024)


def pdf_body() -> bytes:
    """A small but well-formed PDF (compressed content stream, xref table, trailer)."""
    stream = zlib.compress(
        b"BT /F1 12 Tf 72 720 Td (Joint statement of the Central Asia summit) Tj ET")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
         b"/Resources << /Font << /F1 5 0 R >> >> >>"),
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream
        + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


def nested_page(depth: int = NESTING_DEPTH) -> bytes:
    """``depth`` nested <div>s around a paragraph of real text."""
    text = " ".join(GOOD_PARAGRAPHS[:2]).encode()
    return (b"<html><head><title>Nested</title></head><body>" + b"<div>" * depth + b"<p>"
            + text + b"</p>" + b"</div>" * depth + b"</body></html>")


@functools.cache
def _zero_block() -> tuple[bytes, bytes]:
    """One MiB of zeros as a raw DEFLATE block ending at a full flush, and the final block.

    After a full flush the compressor starts afresh, so the same input yields the
    same bytes again: repeating the block is a valid stream of as many MiB of zeros.
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    compressor.compress(bytes(1 << 20))
    compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(bytes(1 << 20)) + compressor.flush(zlib.Z_FULL_FLUSH)
    return block, compressor.flush(zlib.Z_FINISH)


_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"


def gzip_bomb_chunks(mebibytes: int = 1100) -> Iterator[bytes]:
    """A gzip stream of ``mebibytes`` MiB of zeros (~1 KB per MiB), produced lazily."""
    block, final = _zero_block()
    yield _GZIP_HEADER
    for _ in range(mebibytes):
        yield block
    crc = 0
    zeros = bytes(1 << 20)
    for _ in range(mebibytes):  # only a client that read everything gets this far
        crc = zlib.crc32(zeros, crc)
    yield final + struct.pack("<II", crc, (mebibytes << 20) & 0xFFFFFFFF)


@functools.cache
def nested_gzip_bomb() -> bytes:
    """~3 KB that inflate, through ``Content-Encoding: gzip, gzip``, to 1.1 GB of zeros."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    out = [compressor.compress(chunk) for chunk in gzip_bomb_chunks()]
    return b"".join(out) + compressor.flush()


def rss(items: Iterable[str], *, title: str = "Hostile Wire", doctype: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?>{doctype}<rss version="2.0"><channel>'
        f"<title>{title}</title><link>http://hostile.example/</link>"
        f"<description>Feeds that bite</description>{''.join(items)}</channel></rss>"
    ).encode()


def rss_item(title: str, link: str | None, *, guid: str | None = None,
             description: str = "") -> str:
    parts = [f"<title>{title}</title>"]
    if link is not None:
        parts.append(f"<link>{link}</link>")
    if guid is not None:
        parts.append(f'<guid isPermaLink="false">{guid}</guid>')
    if description:
        parts.append(f"<description>{description}</description>")
    parts.append("<pubDate>Tue, 17 Jun 2025 09:00:00 +0000</pubDate>")
    return f"<item>{''.join(parts)}</item>"


def billion_laughs_feed(link: str) -> bytes:
    """Ten levels of ten-fold entity references: 10**9 "lol"s (3 GB) if expanded."""
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)
    ]
    doctype = f"<!DOCTYPE rss [{''.join(entities)}]>"
    return rss([rss_item("&lol9;", link, guid="laughs-1", description="&lol9;")],
               title="&lol9;", doctype=doctype)


def xxe_feed(link: str, *, target: str = "file:///etc/passwd") -> bytes:
    """An external entity pointing at ``target``, used in the channel and in an entry."""
    doctype = f'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "{target}">]>'
    return rss([rss_item("Leak &xxe;", link, guid="xxe-1", description="&xxe;")],
               title="&xxe;", doctype=doctype)


def external_dtd_feed(link: str, dtd_url: str) -> bytes:
    """An external DTD and a parameter entity: a parser that resolves them requests ``dtd_url``."""
    doctype = (f'<!DOCTYPE rss SYSTEM "{dtd_url}" [<!ENTITY % remote SYSTEM "{dtd_url}">'
               f"%remote;]>")
    return rss([rss_item("Remote DTD", link, guid="dtd-1")], doctype=doctype)


def huge_feed(base: str, entries: int = HUGE_FEED_ENTRIES, links: int = HUGE_FEED_LINKS) -> bytes:
    """``entries`` items over ``links`` distinct article URLs (all of them 404); ~5 MB."""
    return rss(
        f"<item><title>Entry {i}</title><link>{base}/gone/huge-{i % links}.html</link>"
        f"<guid>huge-{i}</guid></item>"
        for i in range(entries)
    )


# --------------------------------------------------------------------------- server

# Pages: path -> what it does (for the report and the test's expectations).
PAGES = {
    "/p/good.html": "a normal article",
    "/p/trickle.html": "headers at once, then one byte every 0.2 s",
    "/p/hang.html": "reads the request, never answers",
    "/p/loop/a": "redirects to /p/loop/b, which redirects back",
    "/p/chain/0": "redirects to /p/chain/1, then /p/chain/2, ... forever",
    "/p/to-private": f"redirects to {PRIVATE_TARGET}",
    "/p/to-metadata": f"redirects to {METADATA_TARGET}",
    "/p/ten-gb.html": "Content-Length: 10 GB, a tiny body",
    "/p/over-cap.html": "64 MB streamed without Content-Length",
    "/p/gzip-bomb.html": "1.1 GB of zeros gzipped (~1 MB), streamed",
    "/p/gzip-bomb-nested.html": "~3 KB, gzip inside gzip, 1.1 GB inflated",
    "/p/cp1251.html": "windows-1251 bytes served as charset=utf-8",
    "/p/no-charset.html": "UTF-8 bytes, no charset in header or page",
    "/p/binary.html": "64 KB of random bytes as text/html",
    "/p/report.pdf.html": "a PDF as text/html",
    "/p/rate-limited.html": "429 with Retry-After: 1, then 200",
    "/p/flaky.html": "503, 503, then 200",
    "/p/reset.html": "half the declared body, then a TCP reset",
    "/p/nested.html": f"{NESTING_DEPTH:,} nested <div>s around the text",
}
FEEDS = {
    "hostile": "/f/hostile.xml",  # links every page above, plus unusable links
    "laughs": "/f/laughs.xml",
    "xxe": "/f/xxe.xml",
    "xxe-remote": "/f/xxe-remote.xml",
    "empty": "/f/empty.xml",
    "empty-rss": "/f/empty-rss.xml",
    "empty-channel": "/f/empty-channel.xml",
    "huge": "/f/huge.xml",
    "trickle": "/f/trickle.xml",
    "hang": "/f/hang.xml",
    "gzip-bomb": "/f/gzip-bomb.xml",
    "to-metadata": "/f/to-metadata.xml",
    "loop": "/f/loop.xml",
    "binary": "/f/binary.xml",
}
EVIL_DTD = "/f/evil.dtd"


@dataclass(frozen=True, slots=True)
class Request:
    path: str  # with the query string
    headers: dict[str, str]
    at: float


@dataclass
class HostileServer:
    base_url: str = ""
    requests: list[Request] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)

    def url(self, path: str) -> str:
        return self.base_url + path

    def paths(self) -> list[str]:
        with self.lock:
            return [r.path for r in self.requests]

    def hits(self, path: str) -> int:
        """Requests for ``path`` (query string ignored)."""
        return sum(1 for p in self.paths() if p.split("?", 1)[0] == path)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Many clients connect at once (workers, retries, the huge feed's links).
    request_queue_size = 1024
    site: HostileServer
    routes: dict[str, Callable[[_Handler], None]]

    def handle_error(self, request: object, client_address: object) -> None:
        # Clients that hang up mid-response (caps, deadlines) are the point, not a fault.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class _Handler(BaseHTTPRequestHandler):
    # Keep-alive, like a real site: the huge feed's links reuse connections.
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass  # the request log is kept in HostileServer.requests

    def do_GET(self) -> None:
        site = self.server.site
        with site.lock:
            site.requests.append(Request(self.path, {k.lower(): v for k, v in self.headers.items()},
                                         time.monotonic()))
        path = self.path.split("?", 1)[0]
        route = self.server.routes.get(path)
        if route is None and path.startswith("/p/chain/"):
            route = _chain
        try:
            if route is None:
                self.send_body(404, b"not found", "text/plain")
            else:
                route(self)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up, as it should

    def send_body(self, status: int, body: bytes, content_type: str,
                  headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, location: str) -> None:
        self.send_body(302, b"", "text/plain", {"Location": location})

    def stream(self, chunks: Iterable[bytes], content_type: str,
               headers: dict[str, str] | None = None) -> None:
        """A body without Content-Length, ended by closing the connection."""
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Connection", "close")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.close_connection = True
        for chunk in chunks:
            if self.server.site.stop.is_set():
                return
            self.wfile.write(chunk)

    def counted(self) -> int:
        """How many times this path was requested so far, this request included."""
        return self.server.site.hits(self.path.split("?", 1)[0])


# -- hostile behaviours ------------------------------------------------------


def _trickle(content_type: str) -> Callable[[_Handler], None]:
    def handle(h: _Handler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", content_type)
        h.send_header("Content-Length", str(TRICKLE_DECLARED))
        h.end_headers()
        h.close_connection = True
        for _ in range(TRICKLE_DECLARED):
            if h.server.site.stop.wait(TRICKLE_INTERVAL):
                return
            h.wfile.write(b" ")  # raises BrokenPipe once the client has hung up

    return handle


def _hang(h: _Handler) -> None:
    # Accepted and read, never answered: only the client's read timeout ends this.
    h.server.site.stop.wait(300)
    h.close_connection = True


def _chain(h: _Handler) -> None:
    n = int(h.path.split("?", 1)[0].rsplit("/", 1)[1] or 0)
    h.redirect(f"/p/chain/{n + 1}")


def _ten_gb(h: _Handler) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "text/html; charset=utf-8")
    h.send_header("Content-Length", str(HUGE_CONTENT_LENGTH))
    h.end_headers()
    h.close_connection = True
    h.wfile.write(b"<html><body>tiny</body></html>")


def _over_cap(h: _Handler) -> None:
    chunk = (b"<p>" + b"filler text " * 5000 + b"</p>\n")
    h.stream((chunk for _ in range(OVER_CAP_STREAM // len(chunk))), "text/html; charset=utf-8")


def _gzip_bomb(content_type: str) -> Callable[[_Handler], None]:
    def handle(h: _Handler) -> None:
        h.stream(gzip_bomb_chunks(), content_type, {"Content-Encoding": "gzip"})

    return handle


def _nested_gzip_bomb(h: _Handler) -> None:
    h.send_body(200, nested_gzip_bomb(), "text/html; charset=utf-8",
                {"Content-Encoding": "gzip, gzip"})


def _rate_limited(h: _Handler) -> None:
    if h.counted() == 1:
        h.send_body(429, b"slow down", "text/plain", {"Retry-After": "1"})
    else:
        h.send_body(200, recovering_page("rate-limited"), "text/html; charset=utf-8")


def _flaky(h: _Handler) -> None:
    if h.counted() <= 2:
        h.send_body(503, b"try again", "text/plain")
    else:
        h.send_body(200, recovering_page("flaky"), "text/html; charset=utf-8")


def _reset(h: _Handler) -> None:
    body = good_page().replace(b"Samarkand", b"Khujand")
    h.send_response(200)
    h.send_header("Content-Type", "text/html; charset=utf-8")
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    h.wfile.write(body[: len(body) // 2])
    time.sleep(0.05)  # let the half body reach the client before the reset
    # SO_LINGER 0: closing sends RST instead of FIN.
    h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    h.close_connection = True
    h.connection.close()


def _static(status: int, body: bytes, content_type: str) -> Callable[[_Handler], None]:
    def handle(h: _Handler) -> None:
        h.send_body(status, body, content_type)

    return handle


def hostile_feed(base: str) -> bytes:
    """One entry per hostile page, the good page, and entries no crawler should follow."""
    items = [rss_item(f"Page {path}", base + path, guid=f"hostile{path}") for path in PAGES]
    items += [
        rss_item("No link at all", None, guid="no-link-1", description="an entry without a URL"),
        rss_item("Script link", "javascript:alert(document.cookie)", guid="js-1"),
        rss_item("Data link", "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
                 guid="data-1"),
    ]
    return rss(items)


def _routes(base: str, huge_links: int) -> dict[str, Callable[[_Handler], None]]:
    html = "text/html; charset=utf-8"
    xml = "application/rss+xml"
    return {
        "/p/good.html": _static(200, good_page(), html),
        "/p/trickle.html": _trickle(html),
        "/p/hang.html": _hang,
        "/p/loop/a": lambda h: h.redirect("/p/loop/b"),
        "/p/loop/b": lambda h: h.redirect("/p/loop/a"),
        "/p/to-private": lambda h: h.redirect(PRIVATE_TARGET),
        "/p/to-metadata": lambda h: h.redirect(METADATA_TARGET),
        "/p/ten-gb.html": _ten_gb,
        "/p/over-cap.html": _over_cap,
        "/p/gzip-bomb.html": _gzip_bomb(html),
        "/p/gzip-bomb-nested.html": _nested_gzip_bomb,
        "/p/cp1251.html": _static(200, cp1251_page(), html),
        "/p/no-charset.html": _static(200, undeclared_charset_page(), "text/html"),
        "/p/binary.html": _static(200, binary_body(), "text/html"),
        "/p/report.pdf.html": _static(200, pdf_body(), "text/html"),
        "/p/rate-limited.html": _rate_limited,
        "/p/flaky.html": _flaky,
        "/p/reset.html": _reset,
        "/p/nested.html": _static(200, nested_page(), html),
        "/f/hostile.xml": _static(200, hostile_feed(base), xml),
        "/f/laughs.xml": _static(200, billion_laughs_feed(f"{base}/gone/laughs.html"), xml),
        "/f/xxe.xml": _static(200, xxe_feed(f"{base}/gone/xxe.html"), xml),
        "/f/xxe-remote.xml": _static(
            200, external_dtd_feed(f"{base}/gone/xxe-remote.html", base + EVIL_DTD), xml),
        EVIL_DTD: _static(200, b'<!ENTITY leak "EVIL-DTD-RESOLVED">', "application/xml-dtd"),
        "/f/empty.xml": _static(200, b"", xml),
        "/f/empty-rss.xml": _static(200, b'<rss version="2.0"/>', xml),
        "/f/empty-channel.xml": _static(200, rss([], title="Nothing today"), xml),
        "/f/huge.xml": _static(200, huge_feed(base, links=huge_links), xml),
        "/f/trickle.xml": _trickle(xml),
        "/f/hang.xml": _hang,
        "/f/gzip-bomb.xml": _gzip_bomb(xml),
        "/f/to-metadata.xml": lambda h: h.redirect(METADATA_TARGET),
        "/f/loop.xml": lambda h: h.redirect("/f/loop.xml?again=1"),
        "/f/binary.xml": _static(200, binary_body(), xml),
    }


@contextmanager
def serve_hostile(*, huge_links: int = HUGE_FEED_LINKS) -> Iterator[HostileServer]:
    """Run the hostile site on 127.0.0.1 (random port) for the duration of the block.

    Args:
        huge_links: distinct links among the huge feed's 50,000 entries.
    """
    site = HostileServer()
    server = _Server(("127.0.0.1", 0), _Handler)
    server.site = site
    site.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    server.routes = _routes(site.base_url, huge_links)
    thread = threading.Thread(target=server.serve_forever, name="hostile-server", daemon=True)
    thread.start()
    try:
        yield site
    finally:
        site.stop.set()  # releases hanging and trickling handlers
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
