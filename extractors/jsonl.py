"""One article's records as a JSON-ready dict, shared by the dev runner and the CLI."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from extractors import extract
from extractors.records import ArticleInput


def extract_text_to_json(text: str, *, published: date | datetime | None = None,
                         title: str | None = None) -> dict[str, Any]:
    """Extract records from raw article text and return the spec's JSON shape.

    Args:
        text: Cleaned article text (a headline line first is fine).
        published: Publication date, if known; anchors "today" and bare days.
        title: The article's headline, if known separately.

    Returns:
        ``{"summits": [...], "agreements": [...], "extractor": ..., "version": ...}``
        with evidence and value spans kept.
    """
    return extract(ArticleInput(text=text, title=title, published=published)).as_dict()


__all__ = ["extract_text_to_json"]
