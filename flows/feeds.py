"""Feed bytes -> entries, with feedparser; what it could not read is said, not raised."""

from __future__ import annotations

import calendar
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import feedparser

from flows.urls import InvalidUrlError, canonical_url


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedEntry:
    url: str
    canonical_url: str
    guid: str | None
    title: str | None
    authors: tuple[str, ...]
    published: datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ParsedFeed:
    entries: tuple[FeedEntry, ...]
    version: str | None
    problem: str | None = None
    """What feedparser complained about in a feed it could still read (its bozo flag)."""
    skipped: dict[str, int] = field(default_factory=dict)
    """Entries left out, by reason (no link, not http(s))."""


class FeedParseError(Exception):
    """feedparser could not read the document as a feed at all."""

    reason = "unparseable"


def parse_feed(content: bytes, *, base_url: str, content_type: str | None = None) -> ParsedFeed:
    """Parse RSS 0.9x/1.0/2.0, Atom or RDF bytes into entries with canonical URLs.

    Raises:
        FeedParseError: the bytes are not a feed feedparser can read.
    """
    headers = {"content-location": base_url}
    if content_type:
        headers["content-type"] = content_type
    try:
        parsed = feedparser.parse(content, response_headers=headers, sanitize_html=False)
    except Exception as exc:  # noqa: BLE001 - feedparser's own crashes cost this feed only
        # Seen: character references to surrogates or beyond U+10FFFF, undecodable
        # encoding names in the XML declaration.
        raise FeedParseError(f"feedparser failed: {type(exc).__name__}: {exc}"[:500]) from None
    problem = _bozo_message(parsed) if _is_real_problem(parsed) else None
    if not parsed.get("version") and not parsed.entries:
        raise FeedParseError(problem or "no feed found in the document")

    entries: list[FeedEntry] = []
    skipped: dict[str, int] = {}
    seen: set[str] = set()
    for raw in parsed.entries:
        link = _entry_link(raw)
        if not link:
            skipped["no_link"] = skipped.get("no_link", 0) + 1
            continue
        try:
            key = canonical_url(link)
        except InvalidUrlError:
            skipped["bad_link"] = skipped.get("bad_link", 0) + 1
            continue
        if key in seen:
            continue
        seen.add(key)
        entries.append(
            FeedEntry(
                url=link,
                canonical_url=key,
                guid=_text(raw.get("id")),
                title=_text(raw.get("title")),
                authors=_authors(raw),
                published=_entry_time(raw),
            )
        )
    return ParsedFeed(
        entries=tuple(entries), version=parsed.get("version") or None, problem=problem,
        skipped=skipped,
    )


def _entry_link(raw: Any) -> str | None:
    link = _text(raw.get("link"))
    if not link:
        # RSS items without <link> often carry a permalink GUID instead.
        guid = _text(raw.get("id"))
        if guid and guid.startswith(("http://", "https://")):
            link = guid
    return link


def _entry_time(raw: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = raw.get(key)
        if isinstance(value, time.struct_time):
            try:
                return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
            except (OverflowError, ValueError, OSError):
                continue
    return None


def _authors(raw: Any) -> tuple[str, ...]:
    names = [_text(a.get("name")) for a in raw.get("authors") or [] if isinstance(a, dict)]
    found = tuple(n for n in names if n)
    if found:
        return found
    author = _text(raw.get("author"))
    return (author,) if author else ()


def _text(value: object) -> str | None:
    # NUL (from "&#0;" or raw bytes feedparser reads loosely) is refused by PostgreSQL text.
    if isinstance(value, str) and (clean := value.replace("\x00", "").strip()):
        return clean[:2000]
    return None


def _is_real_problem(parsed: Any) -> bool:
    # A feed served as text/html or without a type is common and harmless once parsed.
    return bool(parsed.get("bozo")) and not isinstance(
        parsed.get("bozo_exception"), feedparser.NonXMLContentType
    )


def _bozo_message(parsed: Any) -> str:
    exc = parsed.get("bozo_exception")
    return f"{type(exc).__name__}: {exc}"[:500] if exc else "malformed feed"
