"""Value objects shared by the extractors, the loader and the CLI.

Field meanings follow ``../shared/EXTRACTION_SPEC.md``; offsets are character
offsets into the cleaned article text the extractor was given.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any, Literal

SummitStatus = Literal["held", "ongoing", "planned"]
AgreementStatus = Literal["signed", "adopted", "agreed", "negotiating", "planned", "terminated"]
AgreementType = Literal[
    "treaty", "declaration", "joint_statement", "communique", "mou",
    "agreement", "accord", "protocol", "plan", "other",
]


def summit_ref(name: str, edition: int | None, year: int | None) -> str:
    """The spec's summit reference: ``name #edition``, ``name year`` or ``name``."""
    if edition is not None:
        return f"{name} #{edition}"
    if year is not None:
        return f"{name} {year}"
    return name


@dataclass(frozen=True, slots=True, kw_only=True)
class Span:
    """A stretch of the cleaned text: ``text == article_text[start:end]``."""

    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ValueSpan:
    """Where one extracted value was read: field path, value, and its span."""

    field: str
    """Dotted field name, e.g. ``"city"``, ``"participants"``, ``"leaders"``."""
    value: str
    span: Span


@dataclass(frozen=True, slots=True, kw_only=True)
class Person:
    name: str
    role: str | None = None
    country: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Summit:
    name: str
    edition: int | None = None
    year: int | None = None
    start_date: date | None = None
    end_date: date | None = None
    city: str | None = None
    country: str | None = None
    participants: tuple[str, ...] = ()
    leaders: tuple[Person, ...] = ()
    officials: tuple[Person, ...] = ()
    status: SummitStatus | None = None
    evidence: tuple[Span, ...] = ()
    """Sentences that state the summit; never empty for an emitted record."""
    values: tuple[ValueSpan, ...] = ()
    confidence: float = 1.0

    @property
    def ref(self) -> str:
        return summit_ref(self.name, self.edition, self.year)


@dataclass(frozen=True, slots=True, kw_only=True)
class Agreement:
    title: str | None = None
    type: AgreementType = "other"
    count: int = 1
    parties: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()
    status: AgreementStatus | None = None
    summit: str | None = None
    """The spec's summit reference (see :attr:`Summit.ref`)."""
    signed_on: date | None = None
    evidence: tuple[Span, ...] = ()
    values: tuple[ValueSpan, ...] = ()
    confidence: float = 1.0


@dataclass(frozen=True, slots=True, kw_only=True)
class ArticleInput:
    """What the extractor is given: the cleaned body plus what the article row knows."""

    text: str
    title: str | None = None
    published: datetime | date | None = None
    language: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Extraction:
    """All records found in one article, stamped with the extractor that found them."""

    summits: tuple[Summit, ...] = ()
    agreements: tuple[Agreement, ...] = ()
    extractor: str = ""
    version: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The spec's JSON shape (dates as ISO strings), for the CLI and fixtures."""
        data: dict[str, Any] = jsonable(asdict(self))
        return data


def jsonable(value: Any) -> Any:
    """``value`` with tuples as lists and dates as ISO strings."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


__all__ = [
    "Agreement", "AgreementStatus", "AgreementType", "ArticleInput", "Extraction",
    "Person", "Span", "Summit", "SummitStatus", "ValueSpan",
]
