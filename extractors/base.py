"""The extractor contract and its errors."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from extractors.records import ArticleInput, Extraction


class ExtractionError(Exception):
    """An article the extractor cannot handle (bad input, not an article).

    The calling task catches it per article, logs the reason and moves on; it is
    never retried.
    """


class Extractor(Protocol):
    """A pure function from one cleaned article to its records: no I/O, no global state."""

    name: str
    version: str

    def __call__(self, article: ArticleInput) -> Extraction: ...


__all__ = ["ExtractionError", "Extractor"]
