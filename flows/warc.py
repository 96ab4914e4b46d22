"""WARC files (e.g. Common Crawl CC-NEWS) -> HTML pages of given hosts in a date range.

Records are read with warcio, which handles plain and record-gzipped ``.warc.gz``
files, HTTP chunked transfer encoding and gzip/deflate Content-Encoding of the
payload.

Choices:

* **Date.** A record's date is its ``WARC-Date`` (the capture time, UTC), and
  ``[start, end]`` are UTC calendar days. For news crawls (CC-NEWS) capture
  follows publication within hours; HTTP ``Last-Modified`` is missing or "now"
  on most dynamic news pages and ``Date`` is the capture time again.
* **Remote files** are downloaded whole through :class:`~flows.http.HttpClient`
  (address checks, robots.txt, politeness), so they are bounded by the client's
  ``max_bytes`` (10 MB by default) and held in memory. A CC-NEWS file is about
  1 GB: download those out of band and pass the local path.
* **Size.** A record whose declared length exceeds ``max_record_bytes`` is skipped
  unread; a compressed payload is read to at most ``max_record_bytes + 1`` decoded
  bytes (warcio inflates 16 KiB input blocks at a time, so a bomb can overshoot
  by one block's worth, ~16 MB at worst), and skipped if larger.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from io import BytesIO
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator

from flows.http import FetchError

if TYPE_CHECKING:
    from flows.http import HttpClient

__all__ = ["WarcError", "WarcPage", "WarcStats", "iter_warc_pages"]

_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})


@dataclass(frozen=True, slots=True, kw_only=True)
class WarcPage:
    """An HTML response captured in a WARC file."""

    url: str
    """``WARC-Target-URI``: the URL that was requested."""
    fetched_at: datetime
    """``WARC-Date`` (UTC, timezone-aware)."""
    content: bytes
    """HTTP body, de-chunked and content-decoded, not text-decoded."""
    charset: str | None
    """``charset`` of the HTTP Content-Type, lower case, if any."""


@dataclass(slots=True, kw_only=True)
class WarcStats:
    """Counts of one :func:`iter_warc_pages` run, updated as records are read."""

    records: int = 0
    """Every record read, whatever its type."""
    pages: int = 0
    """Records yielded as pages."""
    skipped: dict[str, int] = field(default_factory=dict)
    """Records left out, by the first reason that applied, in this order:
    ``not_response`` (warcinfo, request, metadata, revisit...), ``bad_uri``,
    ``off_host``, ``no_date``, ``out_of_range``, ``not_http``, ``http_status``
    (not 200), ``not_html``, ``oversize``."""

    def skip(self, reason: str) -> None:
        """Count one record left out for ``reason``."""
        self.skipped[reason] = self.skipped.get(reason, 0) + 1


class WarcError(Exception):
    """The WARC source cannot be read (missing, not fetchable, corrupt).

    Attributes:
        reason: ``io`` (local file), ``corrupt`` (not a readable WARC), or the
            :class:`~flows.http.FetchError` reason of a failed download
            (``too_large``, ``http_status``, ``blocked_address``...).
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def iter_warc_pages(
    source: str,
    *,
    start: date,
    end: date,
    hosts: set[str],
    client: HttpClient | None = None,
    max_record_bytes: int = 10_000_000,
    stats: WarcStats | None = None,
) -> Iterator[WarcPage]:
    """Yield the HTML pages of ``hosts`` captured in ``[start, end]`` from a WARC file.

    A page is a ``response`` record with HTTP status 200, an HTML Content-Type,
    a target URI whose host is in ``hosts`` and a ``WARC-Date`` within the range.
    Hosts compare lower-cased without a leading ``www.`` on both sides.

    Args:
        source: Path of a ``.warc`` / ``.warc.gz`` file, or an http(s) URL of one
            (downloaded whole through ``client``, within its ``max_bytes``).
        start: First capture day wanted (UTC, inclusive).
        end: Last capture day wanted (UTC, inclusive).
        hosts: Host names whose pages are wanted.
        client: The project's HTTP client; required for URL sources.
        max_record_bytes: Records larger than this (declared or decoded) are skipped.
        stats: Updated in place while iterating; pass one to read the counts.

    Yields:
        Pages in file order.

    Raises:
        WarcError: The file is missing, cannot be downloaded, or is corrupt (also
            raised mid-iteration, after the pages before the damage were yielded).
        ValueError: ``start`` is after ``end``, or a URL source without a client.
    """
    if start > end:
        raise ValueError(f"start {start} is after end {end}")
    stats = stats if stats is not None else WarcStats()
    wanted = {_host_key(h) for h in hosts}
    with _open_source(source, client) as stream:
        archive = _CheckedArchiveIterator(stream)
        records = iter(archive)
        while True:
            # warcio raises a zoo of types on damaged input (ArchiveLoadFailed,
            # StatusAndHeadersParserException, zlib.error, ValueError, EOFError...),
            # so anything it raises while reading is "corrupt".
            try:
                record = next(records, None)
                if record is None:
                    if archive.truncated:
                        raise WarcError(
                            "corrupt", "the gzip stream ends early (truncated download?)"
                        )
                    return
                stats.records += 1
                page = _page(record, start, end, wanted, max_record_bytes, stats)
                _finish(record)
            except WarcError as exc:
                raise WarcError(exc.reason, f"{source}: {exc}") from None
            except Exception as exc:
                raise WarcError(
                    "corrupt", f"{source}: unreadable WARC ({type(exc).__name__}: {exc})"[:500]
                ) from exc
            if page is not None:
                stats.pages += 1
                yield page


class _CheckedArchiveIterator(ArchiveIterator):  # type: ignore[misc]  # warcio is untyped
    """ArchiveIterator that notices a gzip member cut short at the end of the file.

    warcio takes the EOFError of a truncated last member for the normal end of the
    file; its decompressor, still expecting data, tells the two apart.
    """

    truncated = False

    def close(self) -> None:
        reader = self.reader
        if reader is not None and reader.decompressor is not None:
            self.truncated = not getattr(reader.decompressor, "eof", True)
        super().close()


@contextmanager
def _open_source(source: str, client: HttpClient | None) -> Iterator[IO[bytes]]:
    """A binary stream of the WARC file at a path or URL."""
    if source.lower().startswith(("http://", "https://")):
        if client is None:
            raise ValueError("a client is needed to read a WARC file from a URL")
        try:
            response = client.get(source, kind="any")
        except FetchError as exc:
            raise WarcError(exc.reason, f"cannot download {source}: {exc}") from exc
        yield BytesIO(response.content)
        return
    try:
        handle = open(source, "rb")  # noqa: SIM115 - closed below, around the yield
    except OSError as exc:
        raise WarcError("io", f"cannot open {source}: {exc}") from exc
    with handle:
        yield handle


def _page(
    record: Any, start: date, end: date, hosts: set[str], limit: int, stats: WarcStats
) -> WarcPage | None:
    """The page a record holds, or None after counting why it was skipped."""
    # warcio reads any line-oriented junk as an ARC record, and a bad Content-Length
    # as 0: both mean the framing is lost, so later records would be garbage too.
    if record.format != "warc":
        raise WarcError("corrupt", f"not a WARC record (read as {record.format!r})")
    declared = record.rec_headers.get_header("Content-Length") or ""
    if not declared.strip().isdigit():
        raise WarcError("corrupt", f"WARC record with Content-Length {declared[:40]!r}")
    if record.rec_type != "response":
        stats.skip("not_response")
        return None
    # WARC 1.0's grammar wrapped the URI in <>; some writers still do.
    uri = (record.rec_headers.get_header("WARC-Target-URI") or "").strip().strip("<>")
    parts = urlsplit(uri)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        stats.skip("bad_uri")
        return None
    if _host_key(parts.hostname) not in hosts:
        stats.skip("off_host")
        return None
    fetched_at = _parse_warc_date(record.rec_headers.get_header("WARC-Date"))
    if fetched_at is None:
        stats.skip("no_date")
        return None
    if not start <= fetched_at.date() <= end:
        stats.skip("out_of_range")
        return None
    http = record.http_headers
    if http is None:
        stats.skip("not_http")
        return None
    if str(http.get_statuscode()) != "200":
        stats.skip("http_status")
        return None
    media, _, params = (http.get_header("Content-Type") or "").partition(";")
    if media.strip().lower() not in _HTML_TYPES:
        stats.skip("not_html")
        return None
    if record.length is not None and int(record.length) > limit:
        stats.skip("oversize")  # not read: the iterator skips the rest of the record
        return None
    body: bytes = record.content_stream().read(limit + 1)
    if len(body) > limit:
        stats.skip("oversize")
        return None
    return WarcPage(url=uri, fetched_at=fetched_at, content=body, charset=_charset(params))


def _finish(record: Any) -> None:
    """Read the rest of a record; raise if the file ends before its Content-Length."""
    # warcio would skip the rest itself, but silently stops at a truncated record
    # (typically an interrupted download), losing everything after it unnoticed.
    stream = record.raw_stream
    while stream.read(65_536):
        pass
    if getattr(stream, "limit", 0) > 0:
        raise WarcError("corrupt", "the file ends inside a record (truncated download?)")


def _parse_warc_date(value: str | None) -> datetime | None:
    """WARC-Date (ISO 8601, normally UTC with ``Z``) as an aware UTC datetime."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _charset(params: str) -> str | None:
    """The ``charset`` parameter of a Content-Type's parameter string."""
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            value = value.strip().strip("\"'").lower()
            return value or None
    return None


def _host_key(host: str) -> str:
    """Host as compared: lower case, no trailing dot, no leading ``www.``."""
    return host.strip().lower().rstrip(".").removeprefix("www.")
