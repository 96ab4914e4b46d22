"""The default extractor: regex and gazetteer rules, no models."""

from __future__ import annotations

import logging
import os
import re
from functools import cache

from extractors.agreements import build_agreements, noun_cues
from extractors.base import ExtractionError
from extractors.context import build_context
from extractors.fold import fold_text
from extractors.records import ArticleInput, Extraction
from extractors.summits import TRIGGER_CUES, build_summits

logger = logging.getLogger(__name__)

NAME = "accords-rules"
# 1.1.0: planned summits dated by the article, later signing dates, sector phrasing (outputs differ
# from 1.0.0, so `accords reextract` redoes older rows; the speed work changed no output).
# 1.2.0: sectors from a headline's modifier, institutional title subjects and more content verbs; a date
# before a document's name is dropped from it; a long subject's predicate sets status; a reporting
# phrase ("officials in X said") is no host city.
# 1.3.0: a later mention that completes a document's name gives its title ("Treaty of X" in a
# summary, "Treaty of X and Y" in the body); a name's place particles stay in it ("Rio de Janeiro
# Declaration").
VERSION = "1.3.0"

@cache
def _cue_patterns() -> tuple[tuple[re.Pattern[str], bool], ...]:
    """``(pattern, needs a word start)`` pairs over lower-cased text; each pattern begins with a
    literal, which the regex engine finds fast (one alternation of every noun scans ten times
    slower)."""
    groups: dict[str, list[str]] = {}
    for noun in noun_cues():
        groups.setdefault(noun[:4], []).append(noun)
    out = [(re.compile(cue), False) for cue in TRIGGER_CUES]
    for nouns in groups.values():
        prefix = os.path.commonprefix(nouns)
        rest = sorted({n[len(prefix):] for n in nouns}, key=lambda r: (-len(r), r))
        out.append((re.compile(re.escape(prefix) + "(?:" + "|".join(re.escape(r) for r in rest) + r")(?!\w)"),
                    True))
    return tuple(out)


def has_cue(text: str) -> bool:
    """Whether ``text`` anywhere has a word a summit or document mention starts from.

    Every record starts from such a word (the summit trigger or a document noun,
    matched here case-insensitively and with looser bounds), so an article without
    one has no records; most news has none, and this costs a small fraction of a
    full analysis.
    """
    low = fold_text(text)
    for pattern, word_start in _cue_patterns():
        for m in pattern.finditer(low):
            i = m.start()
            if not word_start or i == 0 or not (low[i - 1].isalnum() or low[i - 1] in "_-"):
                return True
    return False


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
        if not has_cue(article.text):
            return Extraction(extractor=self.name, version=self.version)
        ctx = build_context(article)
        summits = build_summits(ctx)
        agreements = build_agreements(ctx, summits)
        logger.debug("extracted %d summits, %d agreements", len(summits), len(agreements))
        return Extraction(summits=tuple(s for _, s in summits), agreements=tuple(agreements),
                          extractor=self.name, version=self.version)


__all__ = ["NAME", "VERSION", "RuleExtractor", "has_cue"]
