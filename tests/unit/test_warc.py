"""Tests of flows.warc on WARC files written here with warcio (no mocks, no internet)."""

from __future__ import annotations

import gzip
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from flows.http import HttpClient, HttpConfig
from flows.warc import WarcError, WarcPage, WarcStats, iter_warc_pages

START, END = date(2024, 5, 1), date(2024, 5, 31)
HOSTS = {"example.com", "WWW.News.Example.org"}
IN_RANGE = "2024-05-02T10:00:00Z"
HTML = "text/html; charset=UTF-8"


def html(title: str) -> bytes:
    return f"<html><head><title>{title}</title></head><body><p>{title}</p></body></html>".encode()


def chunked(body: bytes, size: int = 7) -> bytes:
    parts = [
        b"%x\r\n%s\r\n" % (len(body[i : i + size]), body[i : i + size])
        for i in range(0, len(body), size)
    ]
    return b"".join(parts) + b"0\r\n\r\n"


def write_warc(path: Path, *, compress: bool) -> None:
    """A small crawl: what should come out, and one record per reason to skip."""
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=compress)

        def response(
            uri: str,
            body: bytes,
            *,
            when: str = IN_RANGE,
            status: str = "200 OK",
            headers: list[tuple[str, str]] | None = None,
        ) -> None:
            http = StatusAndHeaders(
                status,
                headers if headers is not None else [("Content-Type", HTML)],
                protocol="HTTP/1.1",
            )
            record = writer.create_warc_record(
                uri,
                "response",
                payload=BytesIO(body),
                http_headers=http,
                warc_headers_dict={"WARC-Date": when},
            )
            writer.write_record(record)

        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "test"}))
        # kept
        response("https://example.com/news/kept-1", html("kept 1"))
        response(
            "https://www.example.com/news/kept-www",
            html("kept www"),
            when="2024-05-31T23:59:59Z",
            headers=[("Content-Type", 'application/xhtml+xml; charset="ISO-8859-1"')],
        )
        response(
            "http://news.example.org/story",
            chunked(gzip.compress(html("kept gzip"))),
            when="2024-05-01T00:00:00Z",
            headers=[
                ("Content-Type", "text/html"),
                ("Transfer-Encoding", "chunked"),
                ("Content-Encoding", "gzip"),
            ],
        )
        # skipped
        request = writer.create_warc_record(
            "https://example.com/news/kept-1",
            "request",
            payload=BytesIO(b"GET /news/kept-1 HTTP/1.1\r\nHost: example.com\r\n\r\n"),
            warc_headers_dict={"WARC-Date": IN_RANGE},
        )
        writer.write_record(request)
        response("https://other.net/news/x", html("other host"))
        response("https://sub.example.com/news/x", html("sub-domain"))
        response("https://example.com/news/april", html("april"), when="2024-04-30T23:59:59Z")
        response("https://example.com/news/june", html("june"), when="2024-06-01T00:00:00Z")
        response("https://example.com/missing", html("gone"), status="404 Not Found")
        response(
            "https://example.com/api.json",
            b'{"a": 1}',
            headers=[("Content-Type", "application/json")],
        )
        response("https://example.com/no-type", html("no type"), headers=[])
        response("https://example.com/news/huge", html("x" * 5000))


EXPECTED = [
    WarcPage(
        url="https://example.com/news/kept-1",
        fetched_at=datetime(2024, 5, 2, 10, tzinfo=UTC),
        content=html("kept 1"),
        charset="utf-8",
    ),
    WarcPage(
        url="https://www.example.com/news/kept-www",
        fetched_at=datetime(2024, 5, 31, 23, 59, 59, tzinfo=UTC),
        content=html("kept www"),
        charset="iso-8859-1",
    ),
    WarcPage(
        url="http://news.example.org/story",
        fetched_at=datetime(2024, 5, 1, tzinfo=UTC),
        content=html("kept gzip"),  # de-chunked and inflated
        charset=None,
    ),
]
EXPECTED_SKIPPED = {
    "not_response": 2,  # warcinfo, request
    "off_host": 2,  # other.net, sub.example.com
    "out_of_range": 2,
    "http_status": 1,
    "not_html": 2,  # JSON, no Content-Type
    "oversize": 1,
}


@pytest.fixture(params=[False, True], ids=["warc", "warc.gz"])
def warc_file(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    path = tmp_path / ("crawl.warc.gz" if request.param else "crawl.warc")
    write_warc(path, compress=request.param)
    return path


def read(source: str, **kwargs: Any) -> tuple[list[WarcPage], WarcStats]:
    stats = WarcStats()
    pages = list(
        iter_warc_pages(
            source, start=START, end=END, hosts=HOSTS, max_record_bytes=3000, stats=stats, **kwargs
        )
    )
    return pages, stats


def test_reads_exactly_the_wanted_pages(warc_file: Path) -> None:
    pages, stats = read(str(warc_file))

    assert pages == EXPECTED
    assert stats.skipped == EXPECTED_SKIPPED
    assert stats.pages == 3
    assert stats.records == 3 + sum(EXPECTED_SKIPPED.values())


def test_stats_are_optional_and_stopping_early_is_fine(warc_file: Path) -> None:
    for page in iter_warc_pages(str(warc_file), start=START, end=END, hosts={"example.com"}):
        assert page.url == "https://example.com/news/kept-1"
        break


# --------------------------------------------------------------------------- over HTTP


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: FileServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        body = self.server.files.get(self.path)
        self.send_response(200 if body is not None else 404)
        self.send_header("Content-Type", "application/warc")
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")


class FileServer(ThreadingHTTPServer):
    daemon_threads = True
    files: dict[str, bytes]


@pytest.fixture
def server() -> Iterator[FileServer]:
    srv = FileServer(("127.0.0.1", 0), Handler)
    srv.files = {}
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join()


def make_client(**overrides: Any) -> HttpClient:
    values: dict[str, Any] = {
        "allowed_hosts": frozenset({"127.0.0.1"}),
        "min_host_delay": 0,
        "respect_robots": True,
        "max_retries": 0,
        "deadline": 5,
    }
    values.update(overrides)
    return HttpClient(HttpConfig(**values))


def test_reads_a_warc_served_over_http_through_the_client(
    warc_file: Path, server: FileServer
) -> None:
    server.files["/crawl.warc"] = warc_file.read_bytes()
    url = f"http://127.0.0.1:{server.server_address[1]}/crawl.warc"
    with make_client() as client:
        pages, stats = read(url, client=client)
    assert pages == EXPECTED
    assert stats.skipped == EXPECTED_SKIPPED


def test_remote_failures_are_warc_errors(warc_file: Path, server: FileServer) -> None:
    server.files["/crawl.warc"] = warc_file.read_bytes()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    with make_client(max_bytes=1000) as client:
        with pytest.raises(WarcError) as too_big:
            read(f"{base}/crawl.warc", client=client)
        with pytest.raises(WarcError) as missing:
            read(f"{base}/nothing.warc", client=client)
    assert too_big.value.reason == "too_large"
    assert missing.value.reason == "http_status"
    # Without the allow-list the loopback address is refused, as for any untrusted URL.
    with make_client(allowed_hosts=frozenset()) as client, pytest.raises(WarcError) as blocked:
        read(f"{base}/crawl.warc", client=client)
    assert blocked.value.reason == "blocked_address"


def test_a_url_needs_a_client() -> None:
    with pytest.raises(ValueError, match="client"):
        read("https://data.example.org/crawl.warc.gz")


# --------------------------------------------------------------------------- damage


def test_missing_file_is_a_warc_error(tmp_path: Path) -> None:
    with pytest.raises(WarcError) as caught:
        read(str(tmp_path / "absent.warc.gz"))
    assert caught.value.reason == "io"


@pytest.mark.parametrize(
    "content",
    [
        b"this is not a WARC file\r\n\r\n",
        gzip.compress(b"GIF89a not a warc either\r\n\r\n"),
        b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: nope\r\n\r\n",
    ],
    ids=["text", "gzip-of-junk", "bad-length"],
)
def test_corrupt_file_is_a_warc_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.warc"
    path.write_bytes(content)
    with pytest.raises(WarcError) as caught:
        read(str(path))
    assert caught.value.reason == "corrupt"


def test_damage_after_good_records_raises_after_yielding_them(
    warc_file: Path, tmp_path: Path
) -> None:
    path = tmp_path / "damaged.warc"
    path.write_bytes(warc_file.read_bytes() + b"garbage that is not a record\r\n\r\n")
    stats = WarcStats()
    pages: list[WarcPage] = []
    with pytest.raises(WarcError) as caught:
        pages.extend(
            iter_warc_pages(
                str(path), start=START, end=END, hosts=HOSTS, max_record_bytes=3000, stats=stats
            )
        )
    assert caught.value.reason == "corrupt"
    assert pages == EXPECTED
    assert stats.skipped == EXPECTED_SKIPPED


@pytest.mark.parametrize("keep", [0.5, 0.999], ids=["half", "all-but-the-end"])
def test_truncated_file_is_a_warc_error(warc_file: Path, tmp_path: Path, keep: float) -> None:
    # An interrupted download: warcio alone would end quietly at the cut.
    data = warc_file.read_bytes()
    path = tmp_path / warc_file.name
    path.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(WarcError, match="truncated") as caught:
        read(str(path))
    assert caught.value.reason == "corrupt"


def test_inverted_range_is_refused(warc_file: Path) -> None:
    with pytest.raises(ValueError, match="after"):
        list(iter_warc_pages(str(warc_file), start=END, end=START, hosts=HOSTS))
