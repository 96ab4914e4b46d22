"""``accords extract``: files in, the spec's JSON out, one bad file never stopping the rest."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from extractors import extract
from extractors.clean import CleaningError, clean_html
from extractors.records import ArticleInput

HTML_SUFFIXES = {".html", ".htm"}


def extract_file(path: Path, published: date | None = None) -> dict[str, Any]:
    """``{"path", "summits", "agreements", ...}`` for one file, or ``{"path", "error"}``.

    A ``.txt`` file is cleaned article text (offsets refer to it as read); an
    ``.html`` file goes through the pipeline's cleaner first (offsets refer to
    the cleaned text, returned under ``text``). ``published`` is the article's date
    when the file does not give one (a .txt never does): it dates what the text
    dates only relative to it ("next month", a dateline without a year).
    """
    result: dict[str, Any] = {"path": str(path)}
    try:
        if path.suffix.lower() in HTML_SUFFIXES:
            clean = clean_html(path.read_bytes(), url=path.resolve().as_uri())
            article = ArticleInput(text=clean.text, title=clean.title,
                                   published=clean.published or published,
                                   language=clean.language)
            result["text"] = clean.text
        else:
            article = ArticleInput(text=path.read_text(encoding="utf-8"), published=published)
        result.update(extract(article).as_dict())
    except CleaningError as exc:
        result["error"] = f"no article text: {exc}"
    except (OSError, UnicodeDecodeError) as exc:
        result["error"] = f"{type(exc).__name__}: {exc}"
    return result
