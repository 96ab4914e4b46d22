"""The default extractor: regex and gazetteer rules, no models."""

from __future__ import annotations

import logging

from extractors.agreements import build_agreements
from extractors.base import ExtractionError
from extractors.context import build_context
from extractors.records import ArticleInput, Extraction
from extractors.summits import build_summits

logger = logging.getLogger(__name__)

NAME = "accords-rules"
VERSION = "1.0.0"


class RuleExtractor:
    """Summits and agreements from one cleaned article (pure; safe to share between threads)."""

    name = NAME
    version = VERSION

    def __init__(self, *, max_chars: int = 200_000) -> None:
        """Build the extractor.

        Args:
            max_chars: Longest text accepted; longer input is not a news article.

        Raises:
            ValueError: If ``max_chars`` is not positive.
        """
        if max_chars <= 0:
            raise ValueError(f"max_chars must be positive, got {max_chars}")
        self.max_chars = max_chars

    def __call__(self, article: ArticleInput) -> Extraction:
        """Extract the article's records.

        Raises:
            ExtractionError: If the text is not a string or is implausibly long.
        """
        if not isinstance(article.text, str):
            raise ExtractionError(f"article text must be str, got {type(article.text).__name__}")
        if len(article.text) > self.max_chars:
            raise ExtractionError(f"article text too long ({len(article.text)} > {self.max_chars} chars)")
        ctx = build_context(article)
        summits = build_summits(ctx)
        agreements = build_agreements(ctx, summits)
        logger.debug("extracted %d summits, %d agreements", len(summits), len(agreements))
        return Extraction(summits=tuple(s for _, s in summits), agreements=tuple(agreements),
                          extractor=self.name, version=self.version)


__all__ = ["NAME", "VERSION", "RuleExtractor"]
