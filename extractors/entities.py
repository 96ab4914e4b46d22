"""Countries, demonyms, cities, organisations, groups and titled people in text.

Reference data lives in ``extractors/data/*.json`` and is compiled into regexes once
per process (:func:`load_gazetteer`), so a sentence costs one ``finditer``.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

import pycountry

from extractors.fold import fold_text, lowered, matches_at

DATA_DIR = Path(__file__).with_name("data")

PlaceKind = Literal["country", "demonym", "city", "org", "group"]


@dataclass(frozen=True, slots=True)
class Organisation:
    key: str
    code: str | None
    """Code used in participant/party lists; None for informal groups."""
    members: tuple[str, ...]
    expand: bool
    """List the members instead of the code (small fixed clubs such as the G7)."""
    series: str | None
    """Summit series name, e.g. "SCO Summit"."""
    hq_cities: tuple[str, ...] = ()
    """Seat cities: a summit there is not hosted by that country as a participant."""
    summit_guests: tuple[str, ...] = ()
    """Non-members that sit at every leaders' summit of the series (the EU at the G7)."""


@dataclass(frozen=True, slots=True)
class Place:
    """A country, demonym, city, organisation or group named in the text."""

    kind: PlaceKind
    key: str
    """ISO code for country/demonym/city, organisation key for org/group."""
    start: int
    end: int
    surface: str


@dataclass(frozen=True, slots=True)
class PersonMention:
    name: str
    role: str | None
    country: str | None
    leader: bool
    start: int
    end: int
    negated: bool = False


@dataclass(slots=True)
class Gazetteer:
    countries: dict[str, dict[str, Any]]
    organisations: dict[str, Organisation]
    known_people: dict[str, str]
    short_names: dict[str, str]
    surfaces: dict[str, tuple[PlaceKind, str]] = field(default_factory=dict)
    pattern: re.Pattern[str] = field(default_factory=lambda: re.compile("(?!)"))
    """Every surface, longest first; :meth:`find_places` gives what its ``finditer`` gives."""
    city_names: dict[str, str] = field(default_factory=dict)
    by_first_word: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Surfaces by their leading run of word characters, longest first."""
    capital_run: re.Pattern[str] = field(default_factory=lambda: re.compile("(?!)"))
    """A run of word characters from a capital some surface starts with (not only at a run's start)."""
    lower_surfaces: tuple[str, ...] = ()
    """Surfaces that start with a lower-case letter ("the Philippines", "five Central Asian states")."""

    def org(self, key: str) -> Organisation:
        return self.organisations[key]

    def short_name(self, code: str) -> str:
        """Name used in a bilateral summit name ("US", "China", "Soviet")."""
        return self.short_names.get(code, code)

    def find_places(self, text: str, start: int = 0, end: int | None = None,
                    lower_starts: list[int] | None = None) -> list[Place]:
        """All gazetteer mentions in ``text[start:end]``, longest match first, offsets into text.

        The matches of ``self.pattern.finditer(text, start, end)``, found word by word: a
        surface can only start a run of word characters equal to its own first run, so
        each run costs one dict lookup instead of a try of the whole alternation.
        ``lower_starts``: :meth:`lower_surface_starts` of the whole text, when the caller has it.
        """
        stop = len(text) if end is None else end
        out: list[Place] = []
        pos = start
        index = self.by_first_word
        runs = [(m.start(), m.group(0)) for m in self.capital_run.finditer(text, start, stop)]
        if lower_starts is None:
            lower_starts = self.lower_surface_starts(text, start, stop)
        lo = bisect_left(lower_starts, start)
        extra = [(at, word.group(0)) for at in lower_starts[lo:bisect_left(lower_starts, stop, lo)]
                 if (word := _WORD_RUN.match(text, at, stop)) is not None]
        if extra:
            runs = sorted(set(runs + extra))
        for at, word_run in runs:
            if at < pos:
                continue
            candidates = index.get(word_run)
            if candidates is None:
                continue
            if at and (text[at - 1] == "." or _is_word(text[at - 1])):
                continue  # the pattern's (?<![\w.])
            surface = next((c for c in candidates if text.startswith(c, at) and at + len(c) <= stop
                            and _ends_free(text, at + len(c), stop)), None)
            if surface is None:
                continue
            pos = at + len(surface)
            kind, key = self.surfaces[surface]
            if kind == "country" and surface in _AMBIGUOUS_NAMES and not _country_context(text, at):
                continue
            out.append(Place(kind=kind, key=key, start=at, end=pos, surface=surface))
        return out

    def lower_surface_starts(self, text: str, start: int = 0, stop: int | None = None) -> list[int]:
        """Where the surfaces that start in lower case occur in ``text[start:stop]``, ascending."""
        if stop is None:
            stop = len(text)
        found: list[int] = []
        for surface in self.lower_surfaces:
            at = text.find(surface, start, stop)
            while at != -1:
                found.append(at)
                at = text.find(surface, at + 1, stop)
        found.sort()
        return found


_WORD_RUN = re.compile(r"\w+")


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _ends_free(text: str, end: int, stop: int) -> bool:
    """The gazetteer pattern's (?![\\w]|-(?:based|owned)\\b) at ``end``, the text ending at ``stop``."""
    if end >= stop:
        return True
    if _is_word(text[end]):
        return False
    return not (text.startswith(("-based", "-owned"), end) and end + 6 <= stop
                and (end + 6 == stop or not _is_word(text[end + 6])))


# Names that are also ordinary words or people's names; kept only after a preposition
# or in a list, e.g. "Jordan and Sudan", "in Georgia".
_AMBIGUOUS_NAMES = frozenset({"Georgia", "Jordan", "Chad", "Guinea", "Turkey", "Niger", "America",
                              "Soviet", "Congo"})


def _country_context(text: str, pos: int) -> bool:
    before = text[max(0, pos - 12):pos]
    after = text[pos:pos + 40]
    return bool(_LIST_BEFORE.search(before)) or bool(_LIST_AFTER.search(after))


_LIST_BEFORE = re.compile(r"(?:\b(?:in|to|and|of|from|with|between|by|,)\s*$)|^\s*$")
_LIST_AFTER = re.compile(r"^\w+\s*(?:,|and|'s|’s|signed|agreed|have|has|will)")


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA_DIR / name).read_text(encoding="utf-8"))
    return data


@cache
def load_gazetteer() -> Gazetteer:
    """Build the gazetteer from the data files (once per process)."""
    countries = {k: v for k, v in _load("countries.json").items() if not k.startswith("_")}
    orgs_raw = {k: v for k, v in _load("organisations.json").items() if not k.startswith("_")}
    people = _load("people.json")
    organisations = {
        key: Organisation(
            key=key, code=val.get("code", key), members=tuple(val["members"]),
            expand=bool(val["expand"]), series=val.get("series"),
            hq_cities=tuple(val.get("hq_cities", ())), summit_guests=tuple(val.get("summit_guests", ())),
        )
        for key, val in orgs_raw.items()
    }
    short_names: dict[str, str] = {}
    surfaces: dict[str, tuple[PlaceKind, str]] = {}
    city_names: dict[str, str] = {}
    # pycountry supplies every other country's English name.
    for c in pycountry.countries:
        for name in (getattr(c, "common_name", None), c.name):
            if name and "," not in name and "(" not in name:
                surfaces.setdefault(name, ("country", c.alpha_2))
        short_names[c.alpha_2] = getattr(c, "common_name", None) or c.name
    for code, val in countries.items():
        short_names[code] = val.get("short") or val["names"][0]
        for name in val["names"]:
            surfaces[name] = ("country", code)
        for dem in val["demonyms"]:
            surfaces.setdefault(dem, ("demonym", code))
        for city in val["cities"]:
            surfaces.setdefault(city, ("city", code))
            city_names[city] = code
    for key, val in orgs_raw.items():
        kind: PlaceKind = "group" if val.get("code", key) is None else "org"
        for name in val["names"]:
            surfaces[name] = (kind, key)
    for dem, code in (("Soviet", "SU"), ("US", "US"), ("U.S.", "US")):
        surfaces[dem] = ("country", code)
    alternation = "|".join(re.escape(s) for s in sorted(surfaces, key=len, reverse=True))
    # A cheap first-character gate: the big alternation is only tried where a surface can start.
    starts = "".join(sorted({re.escape(s[0]) for s in surfaces}))
    pattern = re.compile(r"(?<![\w.])(?=[" + starts + r"])(?:" + alternation + r")(?![\w]|-(?:based|owned)\b)")
    by_first_word: dict[str, list[str]] = {}
    for surface in sorted(surfaces, key=len, reverse=True):
        first = _WORD_RUN.match(surface)
        if first is None:
            raise ValueError(f"gazetteer surface {surface!r} does not start with a letter")
        by_first_word.setdefault(first.group(0), []).append(surface)
    capitals = "".join(sorted({s[0] for s in surfaces if not s[0].islower()}))
    return Gazetteer(
        countries=countries, organisations=organisations, known_people=people["known_people"],
        short_names=short_names, surfaces=surfaces, pattern=pattern, city_names=city_names,
        by_first_word={k: tuple(v) for k, v in by_first_word.items()},
        capital_run=re.compile("[" + re.escape(capitals) + r"]\w*"),
        lower_surfaces=tuple(sorted(s for s in surfaces if s[0].islower())),
    )


# --- people --------------------------------------------------------------------------

_UP = "A-ZÀ-ÖØ-Þ"
_LO = "a-zß-öø-ÿ"
_NAME_TOKEN = rf"(?:[{_UP}][{_LO}'’]+(?:-[{_UP}]?[{_LO}'’]+)*|[{_UP}]\.|[{_UP}][{_LO}]*[{_UP}][{_LO}]+|[{_UP}]{{2,}}(?=\s+[{_UP}][{_LO}]))"
_PARTICLE = r"(?:von|van|der|den|de|la|del|da|bin|ibn|al|el|di)"
NAME = rf"{_NAME_TOKEN}(?:\s+(?:{_PARTICLE}\s+){{0,2}}{_NAME_TOKEN}){{0,3}}"

_TITLE_HEAD = (
    r"(?:President|Premier|Prime\s+Minister|Chancellor|King|Queen|Emir|Amir|Sultan|Crown\s+Prince|"
    r"Supreme\s+Leader|Secretary[- ]General|Secretary\s+of\s+State|Secretary|Minister|"
    r"[Ss]pokes(?:man|woman|person)|[Aa]dvis[oe]r|[Aa]ide|Ambassador|[Ee]nvoy|[Cc]onsul[- ]general|"
    r"Commissioner|Chairman|Chairperson|Chair|[Ll]eader|Governor|Under-Secretary|Undersecretary|"
    r"[Nn]egotiator|[Cc]ounterpart|[Aa]ttache|[Dd]iplomat)"
)
_TITLE_MOD = (
    r"(?:Prime|Foreign|Finance|Defen[cs]e|Trade|Economy|Economic|Energy|Interior|Agriculture|"
    r"Treasury|State|Assistant|Deputy|Vice|First|Senior|Chief|National\s+Security|Commission|"
    r"Council|Foreign\s+Affairs|Foreign\s+Ministry|Ministry|White\s+House|Kremlin|[Pp]residential|"
    r"Oil|Mines|Environment|Health|Industry|Commerce|Labour|Labor|Transport|Justice|Education|"
    r"External\s+Affairs|Acting|Executive|Top|Chief|Economic\s+Affairs|Petroleum|Natural\s+Resources|"
    r"Development|Cooperation|International\s+Trade|Under|Shadow|Home|EU|UN|U\.S\.)"
)
_TITLE = rf"(?i:(?:{_TITLE_MOD}[\s-]+){{0,3}}){_TITLE_HEAD}"
_OF = rf"(?:\s+(?:of|for)\s+(?:the\s+)?(?P<of>(?:Republic\s+of\s+)?[{_UP}][\w'’-]*(?:\s+(?:and\s+|of\s+|for\s+|the\s+)?[{_UP}][\w'’-]*){{0,5}}))?"
_OF_LAZY = _OF.replace("{{0,5}}))?", "{{0,5}}?))?").replace("{0,5}))?", "{0,5}?))?")
# "Kazakh President Kassym-Jomart Tokayev", "President of Turkmenistan Serdar Berdimuhamedov"
_TITLE_NAME = re.compile(
    rf"(?P<title>{_TITLE}){_OF_LAZY},?\s+(?P<name>{NAME})(?(of)(?![\w-]|\s+(?:and|of|for)\s+[{_UP}]))"
)
# "Jake Sullivan, National Security Advisor"; "Jeyhun Bayramov, Azerbaijan’s Minister of ..."
_NAME_TITLE = re.compile(
    rf"(?P<name>{NAME}),\s+(?:the\s+|a\s+|an\s+)?(?:(?P<pre>[{_UP}][\w.'’ -]{{1,30}}?)(?:'s|’s)?\s+)?"
    rf"(?P<title>{_TITLE}){_OF}"
)
# "the presidents: Russia Vladimir Putin, Belarus Alexander Lukashenko, ..."
_LIST_LEAD = lowered(r"(?i)(?:\bpresidents|\bleaders|\bheads of state)\b[^.]{0,40}?:")

_LEADER_HEADS = re.compile(
    r"(?i)^(?:president|premier|prime minister|king|queen|emir|amir|sultan|crown prince|supreme leader|"
    r"secretary[- ]general|chairman|chairperson|leader|commission president|council president)$"
)
_NOT_LEADER_MODS = re.compile(r"(?i)\b(?:vice|deputy|assistant|former|ex|party|opposition|bank|company)\b")
_NOT_NAME_WORDS = frozenset(
    ["The", "A", "An", "And", "Of", "In", "On", "At", "For", "To", "With", "By", "From", "This", "That", "These", "Those", "He", "She", "It", "They", "We", "His", "Her", "Its", "Their", "Our", "Mr", "Mrs", "Ms", "Dr", "Sir", "Lord", "President", "Minister", "Prime", "Summit", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December", "Republic", "Federation", "Kingdom", "State", "States", "Union", "Council", "Commission", "Ministry", "Government", "Office", "House", "Party", "Foreign", "Affairs", "Also", "Meanwhile", "However", "But", "Under", "Both", "Chinese", "Russian", "American", "League", "Cup", "Bank", "Group", "Association", "Organization", "Organisation", "Fund", "Forum", "Conference", "Committee", "Agency", "Corp", "Club", "Jointly", "Sign", "Signs", "Signed", "Issue", "Says", "Said", "Visit"]
)


_RE_CLEAN_NAME_1 = re.compile(r"(?:'s|’s)$")


def _clean_name(name: str) -> str:
    tokens = _RE_CLEAN_NAME_1.sub("", name).split()
    while tokens and tokens[-1] in _NOT_NAME_WORDS:
        tokens.pop()
    while tokens and tokens[0] in _NOT_NAME_WORDS:
        tokens.pop(0)
    return " ".join(tokens)


def _title_case(title: str) -> str:
    small = {"of", "the", "and", "for", "in"}
    words = " ".join(title.split()).split(" ")
    return " ".join(w if (w.lower() in small and i) else (w[:1].upper() + w[1:]) for i, w in enumerate(words))


_RE_SPLIT_OF_PHRASE_1 = re.compile(r"^(?:the\s+)?(?:Republic\s+of\s+)?")


def _split_of_phrase(gaz: Gazetteer, of_phrase: str, name: str) -> tuple[str, str]:
    """Give back name tokens a greedy of-phrase took: "of Turkmenistan Serdar" + "Berdimuhamedov"."""
    body = _RE_SPLIT_OF_PHRASE_1.sub("", of_phrase)
    places = gaz.find_places(body)
    if places and places[0].start == 0:
        rest = body[places[0].end:].strip()
        if rest and rest[:1].isupper():
            return of_phrase[: len(of_phrase) - len(rest)].strip(), f"{rest} {name}"
    return of_phrase, name


def _country_near(gaz: Gazetteer, text: str, start: int, end: int) -> str | None:
    """Country or organisation code named in ``text[start:end]`` (demonym, name, org)."""
    best: str | None = None
    for place in gaz.find_places(text, start, end):
        if place.kind in ("country", "demonym"):
            best = place.key
        elif place.kind == "org":
            best = gaz.org(place.key).code or best
    return best


_RE_IS_LEADER_1 = re.compile(r"(?i)chancellor$")
_RE_IS_LEADER_2 = re.compile(r"(?i)^(?:commission|council)\s+president$")
_RE_IS_LEADER_3 = re.compile(r"(?i)president$")
_RE_IS_LEADER_4 = re.compile(r"(?i)^(?:Republic|European|[A-Z])")


def _is_leader(role: str, country: str | None, gaz: Gazetteer, of_phrase: str | None) -> bool:
    head = " ".join(role.split())
    if _NOT_LEADER_MODS.search(head):
        return False
    if _RE_IS_LEADER_1.search(head):
        return country in ("DE", "AT")
    if _RE_IS_LEADER_2.search(head):
        return True
    if _RE_IS_LEADER_3.search(head) and of_phrase and _RE_IS_LEADER_4.search(of_phrase):
        return True
    return bool(_LEADER_HEADS.match(head.lower()))


_RE_TITLE_WORDS_1 = re.compile(r"\[([A-Z])([a-z])\]")
_RE_TITLE_WORDS_2 = re.compile(r"[\[\\(?]")


def _title_words() -> tuple[str, ...]:
    """The literal start of every title modifier and head, lower-cased: a _TITLE_NAME match
    begins with one of them."""
    words: set[str] = set()
    for group in (_TITLE_MOD, _TITLE_HEAD):
        for alternative in _top_level_alternatives(group[3:-1]):
            literal = _RE_TITLE_WORDS_1.sub(r"\2", alternative).replace(r"\.", ".")
            literal = _RE_TITLE_WORDS_2.split(literal, maxsplit=1)[0].lower()
            if not literal:
                raise ValueError(f"title alternative without a literal start: {alternative!r}")
            words.add(literal)
    return tuple(sorted(w for w in words if not any(o != w and w.startswith(o) for o in words)))


def _top_level_alternatives(body: str) -> list[str]:
    out, depth, last = [], 0, 0
    for i, ch in enumerate(body):
        if ch in "()" and body[i - 1:i] != "\\":
            depth += 1 if ch == "(" else -1
        elif ch == "|" and depth == 0:
            out.append(body[last:i])
            last = i + 1
    return [*out, body[last:]]


_TITLE_WORDS = _title_words()


def title_hint_spans(lower: str) -> list[tuple[int, int]]:
    """Spans of the words that let :func:`find_people` look further, in folded text, in order."""
    spans: list[tuple[int, int]] = []
    for word in _TITLE_HINT.pattern.split("|"):
        at = lower.find(word)
        while at != -1:
            spans.append((at, at + len(word)))
            at = lower.find(word, at + 1)
    spans.sort()
    return spans


def title_starts(lower: str, spans: list[tuple[int, int]] | None = None) -> list[int]:
    """Offsets in folded text where a title word starts (overlapping ones too), in order.

    ``spans``: ascending ``[start, end)`` ranges, when only starts inside them are wanted
    (the sentences :func:`find_people` will read); by default the whole text.
    """
    starts: list[int] = []
    for start, end in [(0, len(lower))] if spans is None else spans:
        for word in _TITLE_WORDS:
            stop = end + len(word) - 1  # a word may start before ``end`` and run past it
            at = lower.find(word, start, stop)
            while at != -1:
                starts.append(at)
                at = lower.find(word, at + 1, stop)
    starts.sort()
    return starts


_COUNTERPART = re.compile(r"(?i)\bcounterpart\b")
_RE_FIND_PEOPLE_2 = re.compile(r"(?:\b(?:the|in|of|at|on|from|to|a|an|and)\s+)$")
_RE_FIND_PEOPLE_4 = re.compile(r"(?i)\b(?:former|ex-|late)\s*$")
_RE_FIND_PEOPLE_5 = re.compile(r"(?i)\b(?:will not|won't|not to|did not|declined to)\s+(?:take part|attend|participate)")
_RE_FIND_PEOPLE_6 = re.compile(r"(?i)(?:president|minister|chancellor|secretary|leader)\s*$")
_RE_FIND_PEOPLE_7 = re.compile(r"European (?:Council|Commission)")
_RE_FIND_PEOPLE_8 = re.compile(r"(?i)(?:the\s+)?(?:Republic|European|[A-Z][a-z]+stan\b)")


def find_people(gaz: Gazetteer, text: str, start: int, end: int, lower: str | None = None,
                starts: list[int] | None = None) -> list[PersonMention]:
    """Titled people in ``text[start:end]`` (one sentence), offsets into ``text``.

    ``lower`` is ``text`` folded by :func:`extractors.fold.fold_text` and ``starts`` its
    :func:`title_starts`, when the caller has them (once per article).
    """
    out: list[PersonMention] = []
    if lower is None:
        lower = fold_text(text)
    if not _TITLE_HINT.search(lower, start, end):
        return out  # most sentences name nobody with a title; skip the heavy patterns
    seen: set[tuple[int, int]] = set()

    def add(name: str, title: str, of_phrase: str | None, pre_start: int, n_start: int, n_end: int,
            pre_text: str | None = None) -> None:
        if of_phrase and pre_start < n_start:
            of_phrase, name = _split_of_phrase(gaz, of_phrase, name)
        name = _clean_name(name)
        if not name or name in gaz.surfaces or any(n_start < e and s < n_end for s, e in seen):
            return
        if len(name.split()) == 1 and name not in gaz.known_people and not pre_text and not _RE_FIND_PEOPLE_6.search(title):
            return
        role = _title_case(title)
        country: str | None = None
        if of_phrase:
            country = _country_near(gaz, of_phrase, 0, len(of_phrase))
            if country is None and _RE_FIND_PEOPLE_7.search(of_phrase):
                country = "EU"
            if not _RE_FIND_PEOPLE_8.match(of_phrase):
                role = f"{role} of {of_phrase}" if country is None else role
        if country is None and pre_text:
            country = _country_near(gaz, pre_text, 0, len(pre_text))
        if country is None:
            country = _country_near(gaz, text, max(start, pre_start - 30), pre_start)
            # only a modifier directly before the title counts ("Kazakh President")
            if country is not None:
                gap = text[max(start, pre_start - 30):pre_start]
                places = gaz.find_places(gap)
                if not places or gap[places[-1].end:].strip(" ’'s") not in ("",):
                    country = None
        if country is None:
            country = gaz.known_people.get(name) or gaz.known_people.get(name.split()[-1])
        if _COUNTERPART.search(title) and country is None:
            return
        leader = _is_leader(title, country, gaz, of_phrase)
        if _COUNTERPART.search(title):
            if not out:
                return
            role, leader = out[-1].role or role, out[-1].leader
        if country is None:
            rep = re.search(rf"({NAME})\s+(?:will be|was|is|were)\s+represented\s+by", text[start:end])
            if rep:
                country = _country_near(gaz, rep.group(1), 0, len(rep.group(1)))
        former = bool(_RE_FIND_PEOPLE_4.search(text[max(start, pre_start - 12):pre_start]))
        if former or _non_government(text, start, pre_start):
            return
        negated = bool(_RE_FIND_PEOPLE_5.search(text[n_end:end]))
        seen.add((n_start, n_end))
        out.append(PersonMention(name=name, role=role, country=country, leader=leader,
                                 start=n_start, end=n_end, negated=negated))

    if starts is None:
        starts = title_starts(lower)
    lo = bisect_left(starts, start)
    for m in matches_at(_TITLE_NAME, text, starts[lo:bisect_left(starts, end, lo)], start, end):
        add(m["name"], m["title"], m["of"], m.start(), m.start("name"), m.end("name"))
    for m in (_NAME_TITLE.finditer(text, start, end) if _APPOSITION_HINT.search(text, start, end) else ()):
        if m["pre"] and not gaz.find_places(m["pre"]):
            continue
        if _RE_FIND_PEOPLE_2.search(text[max(start, m.start() - 8):m.start()]):
            continue
        add(m["name"], m["title"], m["of"], m.start("title"), m.start("name"), m.end("name"), m["pre"])
    lead = _LIST_LEAD.search(lower, start, end)
    if lead:
        for m in re.finditer(rf"(?P<cty>[{_UP}][\w]+(?:\s[{_UP}][\w]+)??)\s+(?P<name>{NAME})", text[lead.end():end]):
            cty = m["cty"]
            kind = gaz.surfaces[cty][0] if cty in gaz.surfaces else None
            if kind == "country":
                n_start = lead.end() + m.start("name")
                add(m["name"], "President", None, n_start, n_start, lead.end() + m.end("name"),
                    pre_text=cty)
    return out


_TITLE_HINT = lowered(
    r"(?i)president|premier|minister|chancellor|king|queen|emir|amir|sultan|prince|leader|secretary|"
    r"spokes|advis|aide|ambassador|envoy|consul|commissioner|chair|governor|counterpart|attache|"
    r"diplomat|negotiator"
)
_APPOSITION_HINT = re.compile(
    r",\s+(?:the\s+|a\s+|an\s+)?(?:[\w.'’-]+\s+){0,5}?(?i:president|premier|minister|chancellor|secretary|"
    r"spokes|advis|aide|ambassador|envoy|consul|commissioner|chair|governor|leader|negotiator|king|emir)"
)
_NON_GOV = re.compile(
    r"(?i)\b(?:correspondent|analyst|economist|editor|executive|chief executive|ceo|coach|"
    r"professor|reporter|campaigner|policy adviser|lawyer|company|union)\b[^,.]{0,20}$"
)


def _non_government(text: str, start: int, pos: int) -> bool:
    return bool(_NON_GOV.search(text[max(start, pos - 40):pos + 1]))


def surname_index(known: dict[str, PersonMention]) -> dict[str, PersonMention]:
    """The first known person of each surname, for :func:`find_bare_names`."""
    surnames: dict[str, PersonMention] = {}
    for p in known.values():
        surnames.setdefault(p.name.split()[-1], p)
    return surnames


def find_bare_names(gaz: Gazetteer, text: str, start: int, end: int,
                    known: dict[str, PersonMention],
                    surnames: dict[str, PersonMention] | None = None) -> list[PersonMention]:
    """Later references by surname ("Tokayev", "Mr Brown") to people already found.

    ``surnames``: :func:`surname_index` of ``known``, when the caller has it (built once
    per article rather than once per sentence).
    """
    out: list[PersonMention] = []
    if not known:
        return out
    if surnames is None:
        surnames = surname_index(known)
    segment = text[start:end]
    if not any(name in segment for name in surnames):
        return out  # a hit is a known surname, so the sentence must contain one
    for m in _CAPITALISED.finditer(segment):
        hit = surnames.get(m.group(1))
        if hit is not None:
            a = start + m.start(1)
            out.append(PersonMention(name=hit.name, role=hit.role, country=hit.country, leader=hit.leader,
                                     start=a, end=a + len(m.group(1))))
    return out


_CAPITALISED = re.compile(rf"\b(?:Mr\.?\s+|Mrs\.?\s+|Ms\.?\s+)?([{_UP}][\w'’-]+)\b")


__all__ = ["NAME", "Gazetteer", "Organisation", "PersonMention", "Place", "find_bare_names",
           "find_people", "load_gazetteer", "surname_index"]
