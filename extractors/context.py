"""Work shared by every extractor, done once per article (sentences, places, people, dates).

Sentences are split up front; everything else is computed on first use and kept:
places and dates per sentence (most sentences of a long article are never looked
at), people for the whole article at once (a surname in one sentence is resolved
against full names found in the others).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterator, Sequence
from functools import cache
from typing import TypeVar, overload

from extractors.dates import DateMention, RefDate, find_dates, find_reference_date
from extractors.entities import (
    Gazetteer,
    PersonMention,
    Place,
    find_bare_names,
    find_people,
    load_gazetteer,
    surname_index,
    title_hint_spans,
    title_starts,
)
from extractors.fold import fold_text
from extractors.records import ArticleInput
from extractors.text import Sentence, find_body_end, split_sentences

_CAPS_LINE = re.compile(r"(?m)^[^a-z\n]*[A-Z]{3}[^a-z\n]*$")
_WORD = re.compile(r"[A-Za-z][A-Za-z.'’]*")
_DATELINE_CITY = re.compile(r"^\s*(?:\[)?([A-Z][A-Z .'’-]{2,30}?)(?:\]|,|\s+[—–-]\s)")
_HEADLINE_BREAK = re.compile(r"\n[ \t]*\n")
_HEADLINE_WORD = re.compile(r"[A-Za-z][A-Za-z'’]+")

T = TypeVar("T")


class PerSentence(Sequence[T]):
    """One value per sentence, each computed on first access and then kept."""

    __slots__ = ("_compute", "_rows")

    def __init__(self, count: int, compute: Callable[[int], T]) -> None:
        self._compute = compute
        self._rows: list[T | None] = [None] * count

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[T]: ...

    def __getitem__(self, index: int | slice) -> T | Sequence[T]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self._rows)))]
        row = self._rows[index]
        if row is None:
            row = self._rows[index] = self._compute(index if index >= 0 else index + len(self._rows))
        return row

    def __iter__(self) -> Iterator[T]:
        for i in range(len(self._rows)):
            yield self[i]


class ArticleContext:
    """One article, analysed once and handed to each extractor.

    ``text`` is what offsets refer to; ``shadow`` is the same length but with
    all-capitals lines (newswire headlines) in title case, so the case-sensitive
    gazetteer also reads headlines. ``lower`` is the shadow case-folded, offsets
    unchanged (:func:`extractors.fold.fold_text`), for the lower-case twins of
    case-insensitive patterns, which the regex engine runs several times faster.
    """

    __slots__ = ("_dateline_city", "_headlines", "_people", "_published", "_ref", "dates", "gaz",
                 "lower", "places", "sentences", "shadow", "text")

    def __init__(self, article: ArticleInput, gaz: Gazetteer) -> None:
        text = article.text
        self.text = text
        self.gaz = gaz
        self.shadow = _title_case_caps(text, gaz)
        self.lower = fold_text(self.shadow)
        self.sentences: tuple[Sentence, ...] = split_sentences(text, find_body_end(text))
        shadow, sentences = self.shadow, self.sentences
        lower_starts = gaz.lower_surface_starts(shadow)
        self.places: PerSentence[tuple[Place, ...]] = PerSentence(
            len(sentences), lambda i: tuple(gaz.find_places(shadow, sentences[i].start, sentences[i].end,
                                                            lower_starts)))
        lower = self.lower
        self.dates: PerSentence[tuple[DateMention, ...]] = PerSentence(
            len(sentences), lambda i: tuple(find_dates(shadow, sentences[i].start, sentences[i].end, lower)))
        self._people: tuple[tuple[PersonMention, ...], ...] | None = None
        self._published = article.published
        self._ref: RefDate | None = None
        self._headlines: frozenset[int] | None = None
        self._dateline_city: tuple[str | None] | None = None

    @property
    def people(self) -> tuple[tuple[PersonMention, ...], ...]:
        """Titled people and later surname references, per sentence."""
        if self._people is None:
            self._people = _find_article_people(self.gaz, self.shadow, self.lower, self.sentences)
        return self._people

    @property
    def ref(self) -> RefDate:
        """The article's own date (publication date, else dateline)."""
        if self._ref is None:
            self._ref = find_reference_date(self.text, self._published)
        return self._ref

    @property
    def headlines(self) -> frozenset[int]:
        """Indices of headline sentences (all-caps or title-case first lines): weak evidence."""
        if self._headlines is None:
            text = self.text
            self._headlines = frozenset(i for i, s in enumerate(self.sentences)
                                        if _is_headline(text, s.start, s.end))
        return self._headlines

    @property
    def dateline_city(self) -> str | None:
        if self._dateline_city is None:
            self._dateline_city = (_dateline_city(self.text, self.gaz),)
        return self._dateline_city[0]

    def sentence_text(self, i: int) -> str:
        s = self.sentences[i]
        return self.shadow[s.start:s.end]

    def sentence_lower(self, i: int) -> str:
        """:meth:`sentence_text` case-folded, same offsets (see :attr:`lower`)."""
        s = self.sentences[i]
        return self.lower[s.start:s.end]


@cache
def _acronyms() -> frozenset[str]:
    gaz = load_gazetteer()
    return frozenset(s for s in gaz.surfaces if s.isupper() or any(ch.isdigit() for ch in s))


def _title_case_caps(text: str, gaz: Gazetteer) -> str:
    """Same-length copy of ``text`` with all-caps lines title-cased, acronyms kept."""
    if not _CAPS_LINE.search(text):
        return text
    acronyms = _acronyms()

    def fix_line(m: re.Match[str]) -> str:
        def fix_word(w: re.Match[str]) -> str:
            word = w.group(0)
            bare = word.rstrip(".'’")
            if bare in acronyms or word in acronyms or len(bare) <= 1:
                return word
            return word[0] + word[1:].lower()

        return _WORD.sub(fix_word, m.group(0))

    return _CAPS_LINE.sub(fix_line, text)


def build_context(article: ArticleInput) -> ArticleContext:
    """Analyse ``article`` once: sentences now; places, people and dates when first asked for.

    Args:
        article: The cleaned article.

    Returns:
        The shared :class:`ArticleContext`.
    """
    return ArticleContext(article, load_gazetteer())


def _find_article_people(gaz: Gazetteer, shadow: str, lower: str,
                         sentences: tuple[Sentence, ...]) -> tuple[tuple[PersonMention, ...], ...]:
    hints = title_hint_spans(lower)
    hinted = [_holds(hints, s.start, s.end) for s in sentences]
    # title words are looked for only in the sentences find_people reads (a third of a long article)
    starts = title_starts(lower, _runs(sentences, hinted))
    titled = [find_people(gaz, shadow, s.start, s.end, lower, starts) if hint else []
              for s, hint in zip(sentences, hinted, strict=True)]
    known: dict[str, PersonMention] = {}
    for plist in titled:
        for p in plist:
            if len(p.name.split()) > 1 or p.name not in known:
                known.setdefault(p.name, p)
    surnames = surname_index(known)
    people: list[tuple[PersonMention, ...]] = []
    for s, plist in zip(sentences, titled, strict=True):
        bare = [b for b in find_bare_names(gaz, shadow, s.start, s.end, known, surnames)
                if not any(p.start <= b.start < p.end for p in plist)]
        people.append(tuple(_canonical(plist, known)) + tuple(bare))
    return tuple(people)


def _runs(sentences: tuple[Sentence, ...], chosen: list[bool]) -> list[tuple[int, int]]:
    """``[start, end)`` of each run of consecutive chosen sentences, in order."""
    runs: list[tuple[int, int]] = []
    previous = False
    for s, this in zip(sentences, chosen, strict=True):
        if this and previous:
            runs[-1] = (runs[-1][0], s.end)
        elif this:
            runs.append((s.start, s.end))
        previous = this
    return runs


def _holds(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether one of the ascending ``spans`` lies within ``[start, end)``."""
    i = bisect_left(spans, (start, start))
    while i < len(spans) and spans[i][0] < end:
        if spans[i][1] <= end:
            return True
        i += 1
    return False


def _is_headline(text: str, start: int, end: int) -> bool:
    """A first-line sentence in capitals or Title Case (not a body sentence repeated as headline)."""
    first_break = text.find("\n")
    if first_break != -1 and start > first_break:
        return False
    line_end = text.find("\n", start)
    if _HEADLINE_BREAK.match(text[line_end:line_end + 4] if line_end != -1 else "") and \
            text[start:end].rstrip()[-1:] not in ".!?\"”":
        return True
    words = [w for w in _HEADLINE_WORD.findall(text[start:end]) if len(w) > 3]
    if len(words) < 2:
        return False
    capital = sum(1 for w in words if w[0].isupper())
    return capital / len(words) >= 0.7


def _canonical(plist: list[PersonMention], known: dict[str, PersonMention]) -> list[PersonMention]:
    """Replace surname-only titled mentions by the full name found elsewhere."""
    out = []
    for p in plist:
        if len(p.name.split()) == 1:
            full = next((k for k in known.values() if len(k.name.split()) > 1
                         and k.name.split()[-1] == p.name), None)
            if full is not None:
                p = PersonMention(name=full.name, role=full.role if not p.role else p.role,
                                  country=p.country or full.country, leader=p.leader or full.leader,
                                  start=p.start, end=p.end, negated=p.negated)
        out.append(p)
    return out


def _dateline_city(text: str, gaz: Gazetteer) -> str | None:
    for line in text.splitlines()[:6]:
        m = _DATELINE_CITY.match(line)
        if m:
            city = m.group(1).strip().title()
            if city in gaz.city_names:
                return city
    return None


__all__ = ["ArticleContext", "PerSentence", "build_context"]
