"""HTML page -> clean article: body text, reader comments apart, metadata.

A pure function over bytes; trafilatura does the work. Deduplication is off so
the result never depends on what else the process cleaned before.
"""

from __future__ import annotations

import codecs
import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from importlib.metadata import version

import trafilatura
from trafilatura.settings import Document
from trafilatura.utils import decode_file

log = logging.getLogger(__name__)

CLEANER_NAME = "trafilatura"
CLEANER_VERSION = version("trafilatura")
_LANG_ATTR = re.compile(rb"<html[^>]*?\blang\s*=\s*[\"']?([a-zA-Z]{2,3})", re.IGNORECASE)
# Below this many characters a "body" is navigation residue, not an article.
MIN_BODY_CHARS = 200


class CleaningError(Exception):
    """The page yields no article; ``reason`` says why, for the article row."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


@dataclass(frozen=True, slots=True, kw_only=True)
class CleanArticle:
    text: str
    comments: str | None
    title: str | None
    authors: tuple[str, ...]
    published: date | None
    site_name: str | None
    language: str | None
    content_hash: str
    cleaner: str = CLEANER_NAME
    cleaner_version: str = CLEANER_VERSION


def decode_html(content: bytes, charset: str | None) -> str:
    """Decode with the declared charset when it is valid, else let trafilatura guess."""
    if charset:
        try:
            codecs.lookup(charset)
            return content.decode(charset)
        except (LookupError, UnicodeDecodeError):
            log.debug("declared charset %r does not fit; guessing", charset)
    return decode_file(content)


def clean_html(content: bytes, *, url: str | None = None, charset: str | None = None) -> CleanArticle:
    """Extract the article body, its comments and metadata from an HTML page.

    Args:
        content: the page as fetched.
        url: where it came from (helps metadata extraction; never fetched).
        charset: the charset the server declared, if any.

    Returns:
        The clean article; reader comments are in ``comments``, never in ``text``.

    Raises:
        CleaningError: the page has no article body (reason ``no_body`` or ``too_short``).
    """
    html = decode_html(content, charset)
    doc = trafilatura.bare_extraction(
        html,
        url=url,
        include_comments=True,  # extracted, but into doc.comments, apart from the body
        include_tables=False,
        with_metadata=True,
        deduplicate=False,
    )
    if not isinstance(doc, Document) or not doc.text:
        raise CleaningError("no_body", "trafilatura found no main text")
    text = normalise_text(doc.text)
    if len(text) < MIN_BODY_CHARS:
        raise CleaningError("too_short", f"{len(text)} characters of body text")
    comments = normalise_text(doc.comments) if doc.comments else None
    return CleanArticle(
        text=text,
        comments=comments or None,
        title=doc.title or None,
        authors=split_authors(doc.author),
        published=parse_date(doc.date),
        site_name=doc.sitename or None,
        language=doc.language or page_language(content),
        content_hash=hashlib.sha256(text.encode()).hexdigest(),
    )


def normalise_text(text: str) -> str:
    """Trim trailing spaces per line; the offsets of extraction refer to this text."""
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def split_authors(author: str | None) -> tuple[str, ...]:
    if not author:
        return ()
    return tuple(a.strip() for a in re.split(r";|\band\b|,", author) if a.strip())


def parse_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def page_language(content: bytes) -> str | None:
    match = _LANG_ATTR.search(content[:4096])
    return match.group(1).decode().lower() if match else None


def as_utc_datetime(day: date | None) -> datetime | None:
    """A page date as a timestamp at midnight UTC (pages rarely state the hour)."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC) if day else None
