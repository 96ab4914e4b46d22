"""Tests of flows.http against real HTTP servers on 127.0.0.1 (no mocks, no internet)."""

from __future__ import annotations

import contextlib
import gzip
import ipaddress
import itertools
import shutil
import socket
import ssl
import struct
import subprocess
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from flows.http import (
    FetchError,
    HttpClient,
    HttpConfig,
    HttpStatusError,
    content_type_accepted,
    is_blocked_ip,
    parse_retry_after,
)

# --------------------------------------------------------------------------- servers


@dataclass
class Hit:
    path: str
    headers: dict[str, str]
    at: float


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SiteServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        site = self.server.site
        path = self.path.split("?", 1)[0]
        with site.lock:
            site.hits.append(
                Hit(path, {k.lower(): v for k, v in self.headers.items()}, time.monotonic())
            )
            site.active += 1
            site.max_active = max(site.max_active, site.active)
        try:
            site.routes.get(path, not_found)(self)
        finally:
            with site.lock:
                site.active -= 1

    def reply(
        self,
        status: int,
        body: bytes = b"",
        ctype: str | None = "text/html; charset=UTF-8",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        if ctype is not None:
            self.send_header("Content-Type", ctype)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def not_found(h: Handler) -> None:
    h.reply(404, b"not found")


class SiteServer(ThreadingHTTPServer):
    daemon_threads = True
    site: Site

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients hanging up mid-body (caps, deadlines) is what the tests provoke


@dataclass
class Site:
    port: int = 0
    routes: dict[str, Callable[[Handler], None]] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    active: int = 0
    max_active: int = 0
    release: threading.Event = field(default_factory=threading.Event)  # unblocks stalls

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def count(self, path: str) -> int:
        with self.lock:
            return sum(1 for h in self.hits if h.path == path)

    def route(self, path: str) -> Callable[[Callable[[Handler], None]], Callable[[Handler], None]]:
        def register(fn: Callable[[Handler], None]) -> Callable[[Handler], None]:
            self.routes[path] = fn
            return fn

        return register


@contextmanager
def serve() -> Iterator[Site]:
    server = SiteServer(("127.0.0.1", 0), Handler)
    server.site = Site(port=server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server.site
    finally:
        server.site.release.set()
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def site() -> Iterator[Site]:
    with serve() as s:
        yield s


@pytest.fixture
def other_site() -> Iterator[Site]:
    with serve() as s:
        yield s


class RawServer:
    """A TCP server running ``handle(conn, stop)`` per connection, for misbehaving peers."""

    def __init__(
        self, handle: Callable[[socket.socket, threading.Event], None], *, read_first: bool = True
    ) -> None:
        self._handle = handle
        self._read_first = read_first
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.05)
        self.port: int = self._sock.getsockname()[1]
        self.stop = threading.Event()
        self.connections = 0
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._run, args=(conn,), daemon=True).start()

    def _run(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(5)
            if self._read_first:
                read_request(conn)
            self._handle(conn, self.stop)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self) -> None:
        self.stop.set()
        self._thread.join()
        self._sock.close()


def read_request(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


@pytest.fixture
def raw() -> Iterator[Callable[[Callable[[socket.socket, threading.Event], None]], RawServer]]:
    servers: list[RawServer] = []

    def start(handle: Callable[[socket.socket, threading.Event], None]) -> RawServer:
        servers.append(RawServer(handle))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def config(**overrides: Any) -> HttpConfig:
    values: dict[str, Any] = {
        "allowed_hosts": frozenset({"127.0.0.1"}),
        "connect_timeout": 1.0,
        "read_timeout": 1.0,
        "deadline": 2.0,
        "max_retries": 0,
        "backoff_base": 0.01,
        "min_host_delay": 0.0,
        "per_host_concurrency": 4,
        "respect_robots": False,
    }
    values.update(overrides)
    return HttpConfig(**values)


def fetch_error(client: HttpClient, url: str, **kwargs: Any) -> FetchError:
    with pytest.raises(FetchError) as info:
        client.get(url, **kwargs)
    return info.value


# --------------------------------------------------------------------------- basics


def test_get_html(site: Site) -> None:
    site.routes["/a"] = lambda h: h.reply(200, b"<p>hi</p>", headers={"X-Thing": "1"})
    with HttpClient(config()) as client:
        response = client.get(site.url("/a"), kind="html", headers={"User-Agent": "evil"})
    assert response.status == 200
    assert response.content == b"<p>hi</p>"
    assert response.content_type == "text/html"
    assert response.charset == "utf-8"
    assert response.headers["x-thing"] == "1"
    assert response.url == site.url("/a")
    assert response.redirects == ()
    assert response.elapsed > 0
    sent = site.hits[0].headers
    assert sent["user-agent"].startswith("accords/0.1")  # callers cannot override it
    assert "text/html" in sent["accept"]


def test_not_modified_passthrough(site: Site) -> None:
    def feed(h: Handler) -> None:
        if h.headers.get("If-None-Match") == '"v1"' and h.headers.get("If-Modified-Since"):
            h.reply(304, ctype=None, headers={"ETag": '"v1"'})
        else:
            h.reply(200, b"<rss/>", "application/rss+xml")

    site.routes["/feed"] = feed
    conditional = {"If-None-Match": '"v1"', "If-Modified-Since": "Wed, 01 Jan 2025 00:00:00 GMT"}
    with HttpClient(config()) as client:
        response = client.get(site.url("/feed"), kind="feed", headers=conditional)
        fresh = client.get(site.url("/feed"), kind="feed")
    assert (response.status, response.content, response.headers["etag"]) == (304, b"", '"v1"')
    assert fresh.status == 200 and fresh.content == b"<rss/>"


def test_404_is_http_status_without_retry(site: Site) -> None:
    with HttpClient(config(max_retries=3)) as client:
        err = fetch_error(client, site.url("/missing"))
    assert isinstance(err, HttpStatusError)
    assert (err.reason, err.status, err.retryable) == ("http_status", 404, False)
    assert site.count("/missing") == 1


def test_503_twice_then_success(site: Site) -> None:
    def flaky(h: Handler) -> None:
        if site.count("/flaky") <= 2:
            h.reply(503, b"busy")
        else:
            h.reply(200, b"ok")

    site.routes["/flaky"] = flaky
    with HttpClient(config(max_retries=3)) as client:
        response = client.get(site.url("/flaky"))
    assert response.content == b"ok"
    assert site.count("/flaky") == 3


def test_retries_exhausted(site: Site) -> None:
    site.routes["/down"] = lambda h: h.reply(502, b"bad gateway")
    with HttpClient(config(max_retries=2)) as client:
        err = fetch_error(client, site.url("/down"))
    assert isinstance(err, HttpStatusError) and err.status == 502
    assert site.count("/down") == 3


def test_429_retry_after_honoured(site: Site) -> None:
    def limited(h: Handler) -> None:
        if site.count("/limited") == 1:
            h.reply(429, b"slow down", headers={"Retry-After": "1"})
        else:
            h.reply(200, b"ok")

    site.routes["/limited"] = limited
    with HttpClient(config(max_retries=2)) as client:
        assert client.get(site.url("/limited")).content == b"ok"
    first, second = (h.at for h in site.hits)
    assert second - first >= 0.95


def test_retry_after_beyond_cap_fails_at_once(site: Site) -> None:
    site.routes["/later"] = lambda h: h.reply(503, headers={"Retry-After": "3600"})
    with HttpClient(config(max_retries=3, retry_after_cap=5.0)) as client:
        started = time.monotonic()
        err = fetch_error(client, site.url("/later"))
    assert isinstance(err, HttpStatusError) and err.retry_after == 3600
    assert time.monotonic() - started < 1
    assert site.count("/later") == 1


def test_parse_retry_after() -> None:
    now = datetime(2025, 1, 1, 0, 0, 0, tzinfo=UTC)
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after("Wed, 01 Jan 2025 00:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("Tue, 31 Dec 2024 00:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


# --------------------------------------------------------------------------- redirects


def test_redirect_chain_within_limit(site: Site) -> None:
    site.routes["/r3"] = lambda h: h.reply(301, headers={"Location": site.url("/r2")})
    site.routes["/r2"] = lambda h: h.reply(302, headers={"Location": "/r1"})  # relative
    site.routes["/r1"] = lambda h: h.reply(307, headers={"Location": "r0#frag"})
    site.routes["/r0"] = lambda h: h.reply(200, b"end")
    with HttpClient(config(max_redirects=3)) as client:
        response = client.get(site.url("/r3"))
    assert response.content == b"end"
    assert response.url == site.url("/r0")
    assert response.redirects == (site.url("/r3"), site.url("/r2"), site.url("/r1"))


def test_redirect_loop(site: Site) -> None:
    site.routes["/loop"] = lambda h: h.reply(302, headers={"Location": "/loop"})
    with HttpClient(config(max_redirects=4, max_retries=2)) as client:
        err = fetch_error(client, site.url("/loop"))
    assert err.reason == "redirects"
    assert site.count("/loop") == 5


@pytest.mark.parametrize("location", ["ftp://127.0.0.1/x", "javascript:alert(1)", "data:,x"])
def test_redirect_to_other_scheme_refused(site: Site, location: str) -> None:
    site.routes["/go"] = lambda h: h.reply(302, headers={"Location": location})
    with HttpClient(config()) as client:
        assert fetch_error(client, site.url("/go")).reason == "invalid_url"


def test_cookie_then_redirect_terminates(site: Site) -> None:
    def consent(h: Handler) -> None:
        if "consent=yes" in h.headers.get("Cookie", ""):
            h.reply(200, b"article")
        else:
            h.reply(302, headers={"Location": "/consent", "Set-Cookie": "consent=yes; Path=/"})

    site.routes["/consent"] = consent
    with HttpClient(config()) as client:
        assert client.get(site.url("/consent")).content == b"article"
        # Cookies do not outlive one get(): the next call starts clean.
        assert client.get(site.url("/consent")).redirects == (site.url("/consent"),)


def test_caller_headers_dropped_across_origins(site: Site, other_site: Site) -> None:
    site.routes["/away"] = lambda h: h.reply(302, headers={"Location": other_site.url("/x")})
    other_site.routes["/x"] = lambda h: h.reply(200, b"ok")
    with HttpClient(config()) as client:
        assert client.get(site.url("/away"), headers={"If-None-Match": '"t"'}).content == b"ok"
    assert site.hits[0].headers["if-none-match"] == '"t"'
    assert "if-none-match" not in other_site.hits[0].headers
    assert other_site.hits[0].headers["user-agent"].startswith("accords/")


# --------------------------------------------------------------------------- content checks


def stall_after_headers(head: bytes) -> Callable[[socket.socket, threading.Event], None]:
    def handle(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(head + b"x" * 100)
        stop.wait(5)

    return handle


def test_content_type_rejected_before_body(raw: Any) -> None:
    server = raw(
        stall_after_headers(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/pdf\r\nContent-Length: 5000000\r\n\r\n"
        )
    )
    with HttpClient(config(max_retries=2, deadline=2.5)) as client:
        started = time.monotonic()
        err = fetch_error(client, server.url(), kind="html")
    assert err.reason == "content_type"
    assert getattr(err, "content_type", None) == "application/pdf"
    assert time.monotonic() - started < 0.5  # did not wait for the (stalled) body
    assert server.connections == 1


@pytest.mark.parametrize(
    ("kind", "ctype", "ok"),
    [
        ("html", "text/html", True),
        ("html", "application/xhtml+xml", True),
        ("html", "application/rss+xml", False),
        ("html", "", False),
        ("feed", "application/rss+xml", True),
        ("feed", "application/atom+xml", True),
        ("feed", "application/rdf+xml", True),
        ("feed", "text/xml", True),
        ("feed", "application/x-rss+xml", True),
        ("feed", "text/html", True),
        ("feed", "text/plain", True),
        ("feed", "", True),
        ("feed", "image/svg+xml", False),
        ("feed", "application/pdf", False),
        ("any", "image/png", True),
    ],
)
def test_content_type_policy(kind: Any, ctype: str, ok: bool) -> None:
    assert content_type_accepted(kind, ctype) is ok


def test_feed_kind_over_http(site: Site) -> None:
    site.routes["/rss"] = lambda h: h.reply(200, b"<rss/>", "text/xml; charset=ISO-8859-1")
    site.routes["/img"] = lambda h: h.reply(200, b"\x89PNG", "image/png")
    with HttpClient(config()) as client:
        response = client.get(site.url("/rss"), kind="feed")
        assert (response.content_type, response.charset) == ("text/xml", "iso-8859-1")
        assert fetch_error(client, site.url("/img"), kind="feed").reason == "content_type"


def test_content_length_over_cap_refused_unread(raw: Any) -> None:
    server = raw(
        stall_after_headers(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1000000000\r\n\r\n"
        )
    )
    with HttpClient(config(max_bytes=1000, max_retries=2)) as client:
        started = time.monotonic()
        err = fetch_error(client, server.url())
    assert err.reason == "too_large"
    assert time.monotonic() - started < 0.5
    assert server.connections == 1  # never retried


def test_chunked_body_over_cap(site: Site) -> None:
    def chunked(h: Handler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        piece = b"a" * 16384
        try:
            for _ in range(64):  # 1 MiB in total, far above the cap
                h.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            h.wfile.write(b"0\r\n\r\n")
        except OSError:
            pass

    site.routes["/big"] = chunked
    with HttpClient(config(max_bytes=50_000)) as client:
        assert fetch_error(client, site.url("/big")).reason == "too_large"


def test_body_exactly_at_cap_is_fine(site: Site) -> None:
    site.routes["/exact"] = lambda h: h.reply(200, b"z" * 1000)
    with HttpClient(config(max_bytes=1000)) as client:
        assert len(client.get(site.url("/exact")).content) == 1000


def gzip_bomb(size: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    block = bytes(1 << 20)
    parts = [compressor.compress(block) for _ in range(size >> 20)]
    return b"".join(parts) + compressor.flush()


def test_gzip_bomb_is_bounded(site: Site) -> None:
    bomb = gzip_bomb(200 << 20)  # 200 MiB of zeros in ~200 KiB
    assert len(bomb) < 400_000
    site.routes["/bomb"] = lambda h: h.reply(200, bomb, headers={"Content-Encoding": "gzip"})
    with HttpClient(config(max_bytes=1_000_000)) as client:
        tracemalloc.start()
        try:
            err = fetch_error(client, site.url("/bomb"))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert err.reason == "too_large"
    assert peak < 8_000_000  # a few times the cap, not the 200 MiB expansion


def test_gzip_and_deflate_decoded(site: Site) -> None:
    text = b"<p>" + b"news " * 1000 + b"</p>"
    raw_deflate = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    site.routes["/gz"] = lambda h: h.reply(
        200, gzip.compress(text), headers={"Content-Encoding": "gzip"}
    )
    site.routes["/zl"] = lambda h: h.reply(
        200, zlib.compress(text), headers={"Content-Encoding": "deflate"}
    )
    site.routes["/raw"] = lambda h: h.reply(
        200,
        raw_deflate.compress(text) + raw_deflate.flush(),
        headers={"Content-Encoding": "deflate"},
    )
    site.routes["/br"] = lambda h: h.reply(200, b"??", headers={"Content-Encoding": "br"})
    with HttpClient(config()) as client:
        for path in ("/gz", "/zl", "/raw"):
            assert client.get(site.url(path)).content == text, path
        assert fetch_error(client, site.url("/br")).reason == "decoding"
    assert site.hits[0].headers["accept-encoding"] == "gzip, deflate"


# --------------------------------------------------------------------------- time limits


def test_trickling_body_hits_deadline(raw: Any) -> None:
    def trickle(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1000\r\n\r\n")
        while not stop.wait(0.1):  # 10 bytes/s: never silent long enough for read_timeout
            conn.sendall(b"x")

    server = raw(trickle)
    with HttpClient(config(deadline=1.0, read_timeout=0.5, max_retries=2)) as client:
        started = time.monotonic()
        err = fetch_error(client, server.url())
    assert err.reason == "deadline"
    assert 0.9 < time.monotonic() - started < 1.6
    assert server.connections == 1  # a deadline is not retried


def test_silent_server_times_out(raw: Any) -> None:
    server = raw(lambda conn, stop: stop.wait(5))
    with HttpClient(config(read_timeout=0.3, max_retries=1)) as client:
        started = time.monotonic()
        err = fetch_error(client, server.url())
    assert (err.reason, err.retryable) == ("timeout", True)
    assert server.connections == 2
    assert time.monotonic() - started < 1.5


def test_connection_reset_mid_body(raw: Any) -> None:
    def reset(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1000\r\n\r\n")
        conn.sendall(b"partial")
        time.sleep(0.05)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # RST

    server = raw(reset)
    with HttpClient(config(max_retries=2)) as client:
        err = fetch_error(client, server.url())
    assert err.reason == "connection"
    assert server.connections == 3


def test_connection_refused() -> None:
    with socket.create_server(("127.0.0.1", 0)) as sock:
        port = sock.getsockname()[1]
    with HttpClient(config()) as client:
        assert fetch_error(client, f"http://127.0.0.1:{port}/").reason == "connection"


# --------------------------------------------------------------------------- robots.txt


def test_robots_disallow_and_single_fetch(site: Site) -> None:
    site.routes["/robots.txt"] = lambda h: h.reply(
        200,
        b"User-agent: otherbot\nDisallow: /\n\nUser-agent: accords\nDisallow: /private\n",
        "text/plain",
    )
    for path in ("/public", "/private"):
        site.routes[path] = lambda h: h.reply(200, b"page")
    with HttpClient(config(respect_robots=True, per_host_concurrency=8)) as client:
        with ThreadPoolExecutor(8) as pool:
            pages = list(pool.map(lambda _: client.get(site.url("/public")), range(8)))
        err = fetch_error(client, site.url("/private"))
    assert all(p.content == b"page" for p in pages)
    assert err.reason == "robots"
    assert site.count("/robots.txt") == 1
    assert site.count("/private") == 0


@pytest.mark.parametrize("status", [404, 403, 500])
def test_robots_errors_allow(site: Site, status: int) -> None:
    site.routes["/robots.txt"] = lambda h: h.reply(status, b"Disallow: /")
    site.routes["/page"] = lambda h: h.reply(200, b"page")
    with HttpClient(config(respect_robots=True, max_retries=2)) as client:
        assert client.get(site.url("/page")).content == b"page"
        assert client.get(site.url("/page")).content == b"page"
    assert site.count("/robots.txt") == 1  # cached, and not retried


def test_robots_checked_on_redirect_target(site: Site) -> None:
    site.routes["/robots.txt"] = lambda h: h.reply(200, b"User-agent: *\nDisallow: /secret\n")
    site.routes["/open"] = lambda h: h.reply(302, headers={"Location": "/secret"})
    with HttpClient(config(respect_robots=True)) as client:
        assert fetch_error(client, site.url("/open")).reason == "robots"
    assert site.count("/secret") == 0


def test_robots_redirect_to_private_address_is_unreachable(site: Site) -> None:
    site.routes["/robots.txt"] = lambda h: h.reply(302, headers={"Location": "http://10.0.0.1/"})
    site.routes["/page"] = lambda h: h.reply(200, b"page")
    with HttpClient(config(respect_robots=True)) as client:
        assert client.get(site.url("/page")).content == b"page"
    assert site.count("/robots.txt") == 1


# --------------------------------------------------------------------------- politeness


def test_per_host_concurrency_and_delay(site: Site) -> None:
    def slow(h: Handler) -> None:
        time.sleep(0.1)
        h.reply(200, b"ok")

    site.routes["/slow"] = slow
    limits = config(per_host_concurrency=1, min_host_delay=0.25)
    with HttpClient(limits) as client, ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda _: client.get(site.url("/slow")), range(4)))
    starts = sorted(h.at for h in site.hits)
    assert len(starts) == 4
    assert all(b - a >= 0.22 for a, b in itertools.pairwise(starts))
    assert site.max_active == 1


def test_concurrency_cap_allows_parallelism(site: Site) -> None:
    def slow(h: Handler) -> None:
        time.sleep(0.3)
        h.reply(200, b"ok")

    site.routes["/slow"] = slow
    with HttpClient(config(per_host_concurrency=2)) as client, ThreadPoolExecutor(6) as pool:
        list(pool.map(lambda _: client.get(site.url("/slow")), range(6)))
    assert site.max_active == 2


# --------------------------------------------------------------------------- address safety


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "localhost",
        "10.0.0.1",
        "169.254.169.254",
        "[::1]",
        "[::ffff:127.0.0.1]",
        "0.0.0.0",
        "2130706433",
        "192.168.1.1",
        "100.64.0.1",
    ],
)
def test_private_addresses_blocked_without_allow_list(site: Site, host: str) -> None:
    site.routes["/"] = lambda h: h.reply(200, b"should not be reached")
    with HttpClient(config(allowed_hosts=frozenset(), respect_robots=True)) as client:
        started = time.monotonic()
        err = fetch_error(client, f"http://{host}:{site.port}/")
    assert err.reason == "blocked_address"
    assert time.monotonic() - started < 0.5
    assert site.hits == []  # no request (not even robots.txt) was sent


@pytest.mark.parametrize("target", ["localhost", "10.0.0.1", "169.254.169.254", "[::1]"])
def test_redirect_to_private_address_refused(site: Site, target: str) -> None:
    site.routes["/r"] = lambda h: h.reply(
        302, headers={"Location": f"http://{target}:{site.port}/x"}
    )
    site.routes["/x"] = lambda h: h.reply(200, b"internal")
    with HttpClient(config()) as client:
        assert fetch_error(client, site.url("/r")).reason == "blocked_address"
    assert site.count("/x") == 0


def test_only_allowed_hosts_refuses_everything_else_without_a_lookup(site: Site) -> None:
    site.routes["/"] = lambda h: h.reply(200, b"ok")
    strict = config(only_allowed_hosts=True)
    with HttpClient(strict) as client:
        assert client.get(site.url("/")).content == b"ok"
        # a public name: refused before DNS, so nothing leaves the machine
        err = fetch_error(client, "http://example.com/story.html")
        assert err.reason == "blocked_address" and "allow-list" in str(err)


def test_allow_list_by_host_and_port(site: Site) -> None:
    site.routes["/"] = lambda h: h.reply(200, b"ok")
    allowed = config(allowed_hosts=frozenset({f"127.0.0.1:{site.port}"}))
    other_port = config(allowed_hosts=frozenset({"127.0.0.1:1"}))
    with HttpClient(allowed) as client:
        assert client.get(site.url("/")).content == b"ok"
    with HttpClient(other_port) as client:
        assert fetch_error(client, site.url("/")).reason == "blocked_address"


def test_connection_pinned_to_vetted_address(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """The name is resolved once, by us; httpcore connects to that address, not the name."""
    real = socket.getaddrinfo
    lookups: list[str] = []

    def fake(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "pinned.test":
            lookups.append(host)
            return real("127.0.0.1", *args, **kwargs)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    site.routes["/"] = lambda h: h.reply(200, b"ok")
    with HttpClient(config(allowed_hosts=frozenset({"pinned.test"}))) as client:
        assert client.get(site.url("/", host="pinned.test")).content == b"ok"
    assert lookups == ["pinned.test"]
    assert site.hits[0].headers["host"] == f"pinned.test:{site.port}"
    with HttpClient(config(allowed_hosts=frozenset())) as client:
        assert fetch_error(client, site.url("/", host="pinned.test")).reason == "blocked_address"


def test_tls_keeps_host_name_for_sni_and_verification(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Connecting to the pinned IP must still present and verify the host name."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl CLI not available")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "1",
            "-subj",
            "/CN=pinned.test",
        ],
        check=True,
        capture_output=True,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    names: list[str | None] = []
    context.sni_callback = lambda sock, name, ctx: names.append(name)

    def handshake(conn: socket.socket, stop: threading.Event) -> None:
        with contextlib.suppress(OSError):
            context.wrap_socket(conn, server_side=True).close()

    server = RawServer(handshake, read_first=False)
    real = socket.getaddrinfo
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda host, *a, **k: real("127.0.0.1" if host == "pinned.test" else host, *a, **k),
    )
    try:
        with HttpClient(config(allowed_hosts=frozenset({"pinned.test"}), max_retries=2)) as client:
            err = fetch_error(client, f"https://pinned.test:{server.port}/")
    finally:
        server.close()
    assert (err.reason, err.retryable) == ("tls", False)  # self-signed: not trusted
    assert names == ["pinned.test"]  # SNI carried the name, one attempt only


def test_unresolvable_host(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fail)
    with HttpClient(config(max_retries=2)) as client:
        err = fetch_error(client, "http://no-such-host.invalid/")
    assert (err.reason, err.retryable) == ("dns", False)


@pytest.mark.parametrize(
    ("address", "blocked"),
    [
        ("8.8.8.8", False),
        ("93.184.216.34", False),
        ("2606:4700:4700::1111", False),
        ("127.0.0.1", True),
        ("10.1.2.3", True),
        ("172.16.0.1", True),
        ("192.168.0.1", True),
        ("169.254.169.254", True),
        ("100.64.0.1", True),
        ("0.0.0.0", True),
        ("224.0.0.1", True),
        ("240.0.0.1", True),
        ("255.255.255.255", True),
        ("::1", True),
        ("::", True),
        ("fe80::1", True),
        ("fc00::1", True),
        ("fd00:ec2::254", True),
        ("ff02::1", True),
        ("::ffff:127.0.0.1", True),
        ("::ffff:8.8.8.8", False),
        ("2002:7f00:1::", True),  # 6to4 wrapping 127.0.0.1
        ("64:ff9b::a00:1", True),  # NAT64 wrapping 10.0.0.1
    ],
)
def test_is_blocked_ip(address: str, blocked: bool) -> None:
    assert is_blocked_ip(ipaddress.ip_address(address)) is blocked


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "data:text/html,<script>x</script>",
        "ftp://example.com/file",
        "file:///etc/passwd",
        "http://",
        "http:///path",
        "//example.com/x",
        "not a url",
        "",
        "http://user:pw@example.com/",
        "http://exa mple.com/",
        "http://a..b/",
        "http://exa%41mple.com/",
        "http://" + "a" * 9000 + ".com/",
    ],
)
def test_invalid_urls(url: str) -> None:
    with HttpClient(config()) as client:
        err = fetch_error(client, url)
    assert err.reason == "invalid_url"


def test_config_validation() -> None:
    with pytest.raises(ValueError):
        HttpConfig(max_bytes=0)
    with pytest.raises(ValueError):
        HttpConfig(deadline=0)
    assert hash(HttpConfig()) == hash(HttpConfig())  # usable as a cache key
