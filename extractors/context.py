"""Work shared by every extractor, done once per article (sentences, places, people, dates)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from extractors.dates import DateMention, RefDate, find_dates, find_reference_date
from extractors.entities import (
    Gazetteer,
    PersonMention,
    Place,
    find_bare_names,
    find_people,
    load_gazetteer,
)
from extractors.records import ArticleInput
from extractors.text import Sentence, find_body_end, split_sentences

_CAPS_LINE = re.compile(r"(?m)^[^a-z\n]*[A-Z]{3}[^a-z\n]*$")
_WORD = re.compile(r"[A-Za-z][A-Za-z.'’]*")
_DATELINE_CITY = re.compile(r"^\s*(?:\[)?([A-Z][A-Z .'’-]{2,30}?)(?:\]|,|\s+[—–-]\s)")


@dataclass(frozen=True, slots=True)
class ArticleContext:
    """One article, analysed once and handed to each extractor.

    ``text`` is what offsets refer to; ``shadow`` is the same length but with
    all-capitals lines (newswire headlines) in title case, so the case-sensitive
    gazetteer also reads headlines.
    """

    text: str
    shadow: str
    sentences: tuple[Sentence, ...]
    ref: RefDate
    places: tuple[tuple[Place, ...], ...]
    people: tuple[tuple[PersonMention, ...], ...]
    dates: tuple[tuple[DateMention, ...], ...]
    gaz: Gazetteer
    dateline_city: str | None
    headlines: frozenset[int]
    """Indices of headline sentences (all-caps or title-case first lines): weak evidence."""

    def sentence_text(self, i: int) -> str:
        s = self.sentences[i]
        return self.shadow[s.start:s.end]


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
    """Analyse ``article`` once: sentences, gazetteer places, titled people, dates.

    Args:
        article: The cleaned article.

    Returns:
        The shared :class:`ArticleContext`.
    """
    gaz = load_gazetteer()
    text = article.text
    shadow = _title_case_caps(text, gaz)
    sentences = split_sentences(text, find_body_end(text))
    places = tuple(tuple(gaz.find_places(shadow, s.start, s.end)) for s in sentences)
    titled = [find_people(gaz, shadow, s.start, s.end) for s in sentences]
    known: dict[str, PersonMention] = {}
    for plist in titled:
        for p in plist:
            if len(p.name.split()) > 1 or p.name not in known:
                known.setdefault(p.name, p)
    people: list[tuple[PersonMention, ...]] = []
    for s, plist in zip(sentences, titled, strict=True):
        bare = [b for b in find_bare_names(gaz, shadow, s.start, s.end, known)
                if not any(p.start <= b.start < p.end for p in plist)]
        people.append(tuple(_canonical(plist, known)) + tuple(bare))
    dates = tuple(tuple(find_dates(shadow, s.start, s.end)) for s in sentences)
    return ArticleContext(
        text=text, shadow=shadow, sentences=sentences,
        ref=find_reference_date(text, article.published), places=places, people=tuple(people),
        dates=dates, gaz=gaz, dateline_city=_dateline_city(text, gaz),
        headlines=frozenset(i for i, s in enumerate(sentences) if _is_headline(text, s.start, s.end)),
    )


def _is_headline(text: str, start: int, end: int) -> bool:
    """A first-line sentence in capitals or Title Case (not a body sentence repeated as headline)."""
    first_break = text.find("\n")
    if first_break != -1 and start > first_break:
        return False
    line_end = text.find("\n", start)
    if re.match(r"\n[ \t]*\n", text[line_end:line_end + 4] if line_end != -1 else "") and \
            text[start:end].rstrip()[-1:] not in ".!?\"”":
        return True
    words = [w for w in re.findall(r"[A-Za-z][A-Za-z'’]+", text[start:end]) if len(w) > 3]
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


__all__ = ["ArticleContext", "build_context"]
