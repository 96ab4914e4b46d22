"""Extractors: pure functions from a cleaned article to summit and agreement records.

The registry is a plain dict filled by :func:`register`; :func:`extract` runs the
default extractor and stamps its name and version on the result.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from extractors.base import ExtractionError, Extractor
from extractors.records import ArticleInput, Extraction
from extractors.rules import NAME as _RULES_NAME
from extractors.rules import VERSION as _RULES_VERSION
from extractors.rules import RuleExtractor

EXTRACTOR_NAME = _RULES_NAME
EXTRACTOR_VERSION = _RULES_VERSION

_REGISTRY: dict[str, Callable[[], Extractor]] = {}

F = TypeVar("F", bound=Callable[[], Extractor])


def register(name: str) -> Callable[[F], F]:
    """Register an extractor factory under ``name``.

    Raises:
        ValueError: If ``name`` is already registered (two factories, one name is a bug).
    """

    def decorate(factory: F) -> F:
        if name in _REGISTRY:
            raise ValueError(f"extractor {name!r} is already registered")
        _REGISTRY[name] = factory
        return factory

    return decorate


def get_extractor(name: str = EXTRACTOR_NAME) -> Extractor:
    """Build the extractor registered as ``name``.

    Raises:
        KeyError: If no extractor has that name (a configuration error: fail the run).
    """
    try:
        factory = _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY)) or "none"
        raise KeyError(f"unknown extractor {name!r}; registered: {known}") from None
    return factory()


def registered() -> tuple[str, ...]:
    """Names of the registered extractors, sorted."""
    return tuple(sorted(_REGISTRY))


@register(EXTRACTOR_NAME)
def _rules() -> Extractor:
    return RuleExtractor()


_DEFAULT = RuleExtractor()


def extract(article: ArticleInput) -> Extraction:
    """Run the default extractor on one article.

    Args:
        article: The cleaned article text plus what the article row knows.

    Returns:
        The summits and agreements found, stamped with
        :data:`EXTRACTOR_NAME` / :data:`EXTRACTOR_VERSION`.

    Raises:
        ExtractionError: If the article cannot be processed.
    """
    return _DEFAULT(article)


__all__ = [
    "EXTRACTOR_NAME", "EXTRACTOR_VERSION", "ExtractionError", "Extractor", "extract",
    "get_extractor", "register", "registered",
]
