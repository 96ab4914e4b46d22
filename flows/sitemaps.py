"""Sitemaps -> article URLs published in a date range, for backfills.

Discovery follows the sitemaps protocol (sitemaps.org) and Google's news
extension: ``Sitemap:`` lines of robots.txt, else the usual locations. Indexes are
followed breadth-first up to ``max_sitemaps`` fetches; urlsets give the pages.

Safety: every request goes through :class:`~flows.http.HttpClient` (address
checks, robots.txt, politeness, size cap). XML is parsed with defusedxml, which
refuses entity declarations (no "billion laughs", no external entities or DTDs
fetched); gzip is inflated with an output bound, so a zip bomb stops at
``max_sitemap_bytes``. One bad sitemap is recorded in the result, never raised.

Dates: a page's date is its ``news:publication_date``, else its ``lastmod``,
taken as the calendar date *as written* (the publisher's local date, not
converted to UTC). Dates without a day (``2024-05``) count as no date.
"""

from __future__ import annotations

import re
import zlib
from collections import deque
from dataclasses import dataclass, field
from datetime import date, timedelta
from io import BytesIO
from typing import TYPE_CHECKING, Literal
from urllib.parse import urljoin, urlsplit
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from flows.http import FetchError, HttpStatusError
from flows.urls import InvalidUrlError, canonical_url

if TYPE_CHECKING:
    from flows.http import HttpClient

__all__ = [
    "SITEMAP_FALLBACK_PATHS",
    "SitemapFailure",
    "SitemapPage",
    "SitemapResult",
    "discover_sitemap_urls",
]

# Tried, in order, only when robots.txt names no sitemap. A 404 here is a miss,
# not an error.
SITEMAP_FALLBACK_PATHS = ("/sitemap.xml", "/sitemap_index.xml", "/news-sitemap.xml")

# The sitemaps protocol caps one sitemap at 50 MB uncompressed.
_DEFAULT_MAX_SITEMAP_BYTES = 50_000_000
# An index's <lastmod> may be in another time zone than its pages' dates; a day of
# slack keeps a child sitemap whose newest page is on ``start`` in some zone.
_LASTMOD_SLACK = timedelta(days=1)
_DATE_RE = re.compile(r"\s*(\d{4})-(\d{2})-(\d{2})")
_GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True, slots=True, kw_only=True)
class SitemapPage:
    """One article URL found in a sitemap."""

    url: str
    """The ``<loc>`` as written (stripped)."""
    published: date | None
    """``news:publication_date``, else ``lastmod``; None when the entry has neither."""
    source_sitemap: str
    """URL of the urlset that listed the page."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SitemapFailure:
    """A sitemap (or robots.txt) that could not be read, fully or at all."""

    url: str
    reason: str
    """A :class:`~flows.http.FetchError` reason (``http_status``, ``timeout``,
    ``robots``...) or one of ``too_large``, ``bad_gzip``, ``unsafe_xml``,
    ``malformed_xml``, ``not_a_sitemap``."""
    detail: str


@dataclass(slots=True, kw_only=True)
class SitemapResult:
    """What :func:`discover_sitemap_urls` found, with counts for the run summary."""

    pages: list[SitemapPage] = field(default_factory=list)
    sitemaps_read: int = 0
    """Sitemaps fetched and parsed (a partly readable one counts and has a failure)."""
    sitemaps_skipped_by_date: int = 0
    """Index children not fetched because their ``lastmod`` is before ``start``."""
    urls_seen: int = 0
    """Page entries read from urlsets, before any filtering."""
    kept: int = 0
    skipped_by_date: int = 0
    undated: int = 0
    """Entries without a usable date (kept only with ``include_undated``)."""
    off_site: int = 0
    """Entries that are not an http(s) URL on the site's host."""
    duplicates: int = 0
    truncated: bool = False
    """``max_sitemaps`` or ``max_urls`` stopped the walk before the end."""
    errors: list[SitemapFailure] = field(default_factory=list)
    include_undated: bool = False
    """Whether undated entries were kept (they are counted in ``undated`` either way)."""

    @property
    def skipped(self) -> dict[str, int]:
        """Page entries left out, by reason (``by_date``, ``undated``, ``off_site``,
        ``duplicate``); only non-zero counts."""
        counts = {
            "by_date": self.skipped_by_date,
            "undated": 0 if self.include_undated else self.undated,
            "off_site": self.off_site,
            "duplicate": self.duplicates,
        }
        return {reason: n for reason, n in counts.items() if n}


@dataclass(frozen=True, slots=True)
class _Entry:
    loc: str
    lastmod: str | None
    published: str | None = None


@dataclass(slots=True)
class _Parsed:
    kind: Literal["urlset", "index"]
    entries: list[_Entry]
    problem: SitemapFailure | None = None


class _Unreadable(Exception):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


def discover_sitemap_urls(
    client: HttpClient,
    site: str,
    *,
    start: date,
    end: date,
    max_sitemaps: int = 200,
    max_urls: int = 100_000,
    include_undated: bool = False,
    max_sitemap_bytes: int = _DEFAULT_MAX_SITEMAP_BYTES,
) -> SitemapResult:
    """Find the article URLs a site's sitemaps date within ``[start, end]``.

    Args:
        client: The project's safe HTTP client; every fetch goes through it.
        site: Base URL of the site, e.g. ``https://astanatimes.com/``. Pages must
            be on its host (with or without ``www.``); sitemaps may live elsewhere.
        start: First publication date wanted (inclusive).
        end: Last publication date wanted (inclusive).
        max_sitemaps: Most sitemap fetches (indexes, urlsets, failures and misses
            of the fallback locations included); robots.txt is not counted.
        max_urls: Most pages returned; the walk stops when reached.
        include_undated: Also keep entries with no date (they are counted either way).
        max_sitemap_bytes: Cap on one sitemap after gzip decompression.

    Returns:
        The pages in sitemap order (first listing wins for duplicates), counts,
        and one :class:`SitemapFailure` per sitemap that failed.

    Raises:
        ValueError: ``site`` is not an http(s) URL, or ``start`` is after ``end``.
    """
    if start > end:
        raise ValueError(f"start {start} is after end {end}")
    parts = urlsplit(site.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError(f"site must be an http(s) URL, not {site!r}")
    origin = f"{parts.scheme.lower()}://{parts.netloc.lower().rpartition('@')[2]}"
    site_host = _host_key(parts.hostname)
    result = SitemapResult(include_undated=include_undated)

    listed = _robots_sitemaps(client, origin, result)
    queue: deque[tuple[str, bool]] = deque((url, False) for url in listed)
    if not queue:
        queue.extend((origin + path, True) for path in SITEMAP_FALLBACK_PATHS)
    queued = {url for url, _ in queue}
    seen_pages: set[str] = set()
    fetches = 0

    while queue:
        if fetches >= max_sitemaps:
            result.truncated = True
            break
        url, probe = queue.popleft()
        fetches += 1
        parsed = _read_sitemap(client, url, probe, max_sitemap_bytes, result)
        if parsed is None:
            continue
        result.sitemaps_read += 1
        if parsed.problem is not None:
            result.errors.append(parsed.problem)
        if parsed.kind == "index":
            for entry in parsed.entries:
                child = _absolute_http(entry.loc, url)
                if child is None or child in queued:
                    continue
                modified = _parse_date(entry.lastmod)
                if modified is not None and modified < start - _LASTMOD_SLACK:
                    result.sitemaps_skipped_by_date += 1
                    continue
                queued.add(child)
                queue.append((child, False))
            continue
        for entry in parsed.entries:
            result.urls_seen += 1
            found = _page_from_entry(entry, url, site_host)
            if found is None:
                result.off_site += 1
                continue
            page, key = found
            if key in seen_pages:
                result.duplicates += 1
                continue
            seen_pages.add(key)
            if page.published is None:
                result.undated += 1
                if not include_undated:
                    continue
            elif not start <= page.published <= end:
                result.skipped_by_date += 1
                continue
            if len(result.pages) >= max_urls:
                result.truncated = True
                return result
            result.pages.append(page)
            result.kept += 1
    return result


def _robots_sitemaps(client: HttpClient, origin: str, result: SitemapResult) -> list[str]:
    """The ``Sitemap:`` URLs of the site's robots.txt, deduplicated, in order."""
    robots_url = origin + "/robots.txt"
    try:
        response = client.get(robots_url, kind="any")
    except HttpStatusError as exc:
        if not 400 <= exc.status < 500:  # a missing robots.txt is normal
            result.errors.append(SitemapFailure(url=robots_url, reason=exc.reason, detail=str(exc)))
        return []
    except FetchError as exc:
        result.errors.append(SitemapFailure(url=robots_url, reason=exc.reason, detail=str(exc)))
        return []
    found: list[str] = []
    for line in response.content.decode("utf-8", errors="replace").splitlines():
        name, sep, value = line.partition(":")
        if not sep or name.strip().lower() != "sitemap":
            continue
        url = _absolute_http(value.split("#", 1)[0], robots_url)
        if url is not None and url not in found:
            found.append(url)
    return found


def _read_sitemap(
    client: HttpClient, url: str, probe: bool, limit: int, result: SitemapResult
) -> _Parsed | None:
    """Fetch and parse one sitemap; None (and a recorded failure) if unusable."""
    try:
        response = client.get(url, kind="any")
        return _parse_sitemap(response.content, url, limit)
    except HttpStatusError as exc:
        if probe and exc.status in (404, 410):
            return None  # a guessed location that does not exist
        result.errors.append(SitemapFailure(url=url, reason=exc.reason, detail=str(exc)))
    except FetchError as exc:
        result.errors.append(SitemapFailure(url=url, reason=exc.reason, detail=str(exc)))
    except _Unreadable as exc:
        if probe and exc.reason in ("not_a_sitemap", "malformed_xml"):
            return None  # a guessed location answered with some page (a "soft 404")
        result.errors.append(SitemapFailure(url=url, reason=exc.reason, detail=str(exc)))
    return None


def _parse_sitemap(content: bytes, url: str, limit: int) -> _Parsed:
    """Parse sitemap bytes (XML, gzipped XML or plain-text URL list)."""
    if content.startswith(_GZIP_MAGIC):
        # Sniffed rather than trusting ".gz": servers that send Content-Encoding
        # gzip have had the body inflated by the client already.
        content = _gunzip(content, limit)
    elif len(content) > limit:
        raise _Unreadable("too_large", f"sitemap exceeds {limit} bytes")
    head = content.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head and head != b"<":
        # The protocol allows a text file with one URL per line (no dates).
        lines = content.decode("utf-8", errors="replace").splitlines()
        urls = [s for line in lines if (s := line.strip())]
        if not any(u.lower().startswith(("http://", "https://")) for u in urls[:10]):
            raise _Unreadable("not_a_sitemap", f"neither XML nor a list of URLs at {url}")
        return _Parsed("urlset", [_Entry(u, None) for u in urls])
    return _parse_xml(content, url)


def _parse_xml(content: bytes, url: str) -> _Parsed:
    """Read a urlset or sitemapindex; namespaces are ignored (many sites get them wrong)."""
    kind: Literal["urlset", "index"] | None = None
    entries: list[_Entry] = []
    try:
        for event, elem in iterparse(BytesIO(content), events=("start", "end")):
            name = _local(elem.tag)
            if kind is None:  # the first event is the root's start
                if name == "urlset":
                    kind = "urlset"
                elif name == "sitemapindex":
                    kind = "index"
                else:
                    raise _Unreadable("not_a_sitemap", f"root element <{name}> at {url}")
                continue
            if event != "end":
                continue
            if (kind == "urlset" and name == "url") or (kind == "index" and name == "sitemap"):
                entry = _entry(elem)
                if entry is not None:
                    entries.append(entry)
                elem.clear()  # keep memory flat on 50k-entry sitemaps
    except DefusedXmlException as exc:
        raise _Unreadable("unsafe_xml", f"{type(exc).__name__}: {exc}") from None
    except ParseError as exc:
        problem = SitemapFailure(url=url, reason="malformed_xml", detail=str(exc))
        if kind is None or not entries:
            raise _Unreadable(problem.reason, problem.detail) from None
        # Keep what came before the breakage (often a stray "&" late in the file).
        return _Parsed(kind, entries, problem)
    if kind is None:
        raise _Unreadable("malformed_xml", f"empty document at {url}")
    return _Parsed(kind, entries)


def _entry(elem: Element) -> _Entry | None:
    """loc/lastmod of a <url> or <sitemap>, plus a Google News publication date."""
    loc = lastmod = published = None
    for child in elem:  # direct children only: <image:loc> is not the page
        name = _local(child.tag)
        if name == "loc":
            loc = (child.text or "").strip()
        elif name == "lastmod":
            lastmod = (child.text or "").strip()
    for node in elem.iter():
        if _local(node.tag) == "publication_date":
            published = (node.text or "").strip()
            break
    return _Entry(loc, lastmod, published) if loc else None


def _page_from_entry(
    entry: _Entry, sitemap_url: str, site_host: str
) -> tuple[SitemapPage, str] | None:
    """The page and its canonical URL if it is http(s) on the site's host, else None."""
    parts = urlsplit(entry.loc)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    if _host_key(parts.hostname) != site_host:
        return None
    try:
        key = canonical_url(entry.loc)
    except (InvalidUrlError, ValueError):
        return None
    published = _parse_date(entry.published) or _parse_date(entry.lastmod)
    return SitemapPage(url=entry.loc, published=published, source_sitemap=sitemap_url), key


def _gunzip(data: bytes, limit: int) -> bytes:
    """Inflate (possibly multi-member) gzip, never producing more than limit + 1 bytes."""
    out = bytearray()
    while data.startswith(_GZIP_MAGIC):
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            out += inflater.decompress(data, limit + 1 - len(out))
        except zlib.error as exc:
            raise _Unreadable("bad_gzip", f"corrupt gzip: {exc}") from None
        if len(out) > limit:
            raise _Unreadable("too_large", f"sitemap inflates beyond {limit} bytes")
        if not inflater.eof:
            raise _Unreadable("bad_gzip", "truncated gzip stream")
        data = inflater.unused_data
    return bytes(out)


def _absolute_http(loc: str, base: str) -> str | None:
    """``loc`` resolved against ``base`` if it is an http(s) URL with a host."""
    loc = loc.strip()
    if not loc:
        return None
    url = urljoin(base, loc)
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


def _parse_date(text: str | None) -> date | None:
    """The calendar date a W3C datetime starts with, as written; None without a day."""
    if not text:
        return None
    match = _DATE_RE.match(text)
    if match is None:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def _host_key(host: str) -> str:
    """Host compared for "same site": lower case, no trailing dot, no ``www.``."""
    host = host.lower().rstrip(".")
    return host.removeprefix("www.")


def _local(tag: object) -> str:
    """Element name without its ``{namespace}``."""
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""
