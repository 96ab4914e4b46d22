"""Agreement records: document nouns, their titles, counts, parties, sectors and status.

Each document noun ("treaty", "joint statement", "12 cooperation agreements") is a
mention. A mention with a proper name, a count or its own subject opens a record; a
definite back-reference ("the treaty", "this agreement", "the latest joint
declaration") joins the record it refers to and adds its sectors. Company deals,
labour contracts, court settlements, domestic accords and historical treaties named
in passing are dropped by context.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cache, lru_cache
from itertools import pairwise

from extractors.context import ArticleContext
from extractors.dates import resolve
from extractors.entities import DATA_DIR, Place
from extractors.fold import fold_text, lowered, tail_start
from extractors.records import Agreement, AgreementStatus, AgreementType, Span, Summit, ValueSpan
from extractors.summits import SummitDraft

_NUMBER_WORDS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "twenty": 20, "thirty": 30, "dozen": 12, "a dozen": 12,
}
_SMALL_WORDS = frozenset(["of", "and", "the", "on", "in", "for", "to", "between", "a", "an", "with", "at", "by", "from", "into"])
_GENERIC_MODIFIERS = frozenset(
    ["cooperation", "co-operation", "bilateral", "new", "final", "joint", "strategic", "other", "various", "important", "historic", "key", "landmark", "comprehensive", "formal", "international", "official", "several", "major", "draft", "proposed", "previous", "revised", "original", "prior", "similar", "separate", "latest", "current", "existing", "broad", "five-year", "three-year", "one-year", "two-year", "ten-year", "year-long", "fresh", "initial", "tentative", "preliminary", "signed", "the", "a", "an", "this", "that", "its", "their", "his", "her", "our", "these", "those", "further", "additional", "total", "package", "number", "variety", "series", "set", "tripartite", "trilateral", "multilateral", "interim", "definitive"]
)
# The reference form of _anaphoric (tests compare the two).
_ANAPHOR = re.compile(r"(?:\b[A-Z][a-z]+(?:'s|’s)\s+(?:[a-z][\w-]*\s+){0,2}$)|(?i:\b(?:(?:to|yester)day's|(?:to|yester)day’s|last \w+'s|last \w+’s|the|this|that|these|those|such|its|their|said)\s+(?:(?!of\b|and\b|also\b|have\b|has\b|had\b|will\b|would\b|were\b|was\b|is\b|are\b|did\b|then\b|jointly\b)(?:[a-z][\w-]*|\d+-[a-z]+)\s+){0,3}$|\b(?:the|this|that|these|those|such|its|their|said)\s*$)")
# _ANAPHOR's two halves: a possessive name (case-sensitive), or a determiner (folded).
_ANAPHOR_NAME = re.compile(r"\b[A-Z][a-z]+(?:'s|’s)\s+(?:[a-z][\w-]*\s+){0,2}$")
_ANAPHOR_WORD = lowered(
    r"(?i)\b(?:(?:to|yester)day's|(?:to|yester)day’s|last \w+'s|last \w+’s|the|this|that|these|those|such|its|their|said)"
    r"\s+(?:(?!of\b|and\b|also\b|have\b|has\b|had\b|will\b|would\b|were\b|was\b|is\b|are\b|did\b|then\b|jointly\b)"
    r"(?:[a-z][\w-]*|\d+-[a-z]+)\s+){0,3}$|\b(?:the|this|that|these|those|such|its|their|said)\s*$")


def _anaphoric(near: str, folded: str) -> bool:
    """``_ANAPHOR.search(near)``, ``folded`` being ``near`` folded."""
    return bool(_ANAPHOR_WORD.search(folded, tail_start(folded, 6))) or (
        ("'s" in near or "’s" in near) and _ANAPHOR_NAME.search(near) is not None)


_INDEFINITE = re.compile(r"(?i)\b(?:a|an|another|new)\s*$")
_INDEFINITE_LOWER = lowered(_INDEFINITE.pattern)
_EVENT = re.compile(
    # the lookahead lists the alternatives' first letters, so most positions fail before the alternation
    r"(?i)\b(?=[acdefhiknoprstuvw])(?:sign\w*|ink\w*|adopt\w*|agree\w*|conclu\w+|negotiat\w+|draft\w*|ratif\w+|approv\w+|"
    r"terminat\w+|implement\w*|extend\w*|reach\w*|under the|violat\w+|adher\w+|commit\w*|endors\w+|"
    r"issu\w+|releas\w+|renew\w*|revis\w+|talks?|accord|hammer\w*|seal\w*|struck|strike|forg\w+|"
    r"establish\w*|reaffirm\w*|welcom\w+|(?:communiqu[eé]|declaration|statement|agreement|accord|treaty|"
    r"protocol|document|text)'?\s+(?:said|says|stated|states|reads|read)|outlin\w+|highlight\w*|"
    r"emphasi\w+|stress\w+|covers?|covering|aimed|aims|identif\w+|focus\w*|pledg\w+|resulted|result|"
    r"table|tabled|offer\w*|expire\w*|in force|effect|took effect|stick|compl\w+|scrap\w*|withdr\w+|"
    r"abrogat\w+|suspend\w*|outcome|known as|entitled|called|named|titled|calls?|underlin\w+|witness\w*)\b"
)
_EVENT_LOWER = lowered(_EVENT.pattern)
_STATUS_RULES: list[tuple[AgreementStatus, re.Pattern[str]]] = [
    ("terminated", re.compile(r"(?i)\b(?:terminat\w+|scrapp\w+|abrogat\w+|withdr[ae]w from|pulled out of|"
                              r"expired|annull\w+|renounc\w+)\b")),
    ("planned", re.compile(r"(?i)\b(?:will (?:\w+ )?sign|to (?:be )?sign|to be signed|could be signed|"
                           r"would be signed|will be signed|expected to (?:be )?sign\w*|set to (?:\w+ )?"
                           r"(?:the )?sign\w*|plans? to sign|is to be|are to be|ready for signing|"
                           r"to be (?:adopted|concluded)|will (?:\w+ )?adopt|will conclude|to be negotiated|"
                           r"should (?:have|demand)|would (?:also )?establish|will (?:also )?establish|"
                           r"considering|could be)\b")),
    ("negotiating", re.compile(r"(?i)\b(?:negotiat\w+|draft|talks (?:on|to|about)|seeking|hope to reach|"
                               r"hoped to reach|working (?:on|towards)|tabled?|to begin talks|under discussion)\b")),
    ("signed", re.compile(r"(?i)\b(?:signed(?! up)|inked|sign(?:s|ing)?|concluded|in force|in effect|for signing|ratif\w+)\b")),
    ("adopted", re.compile(r"(?i)\b(?:adopt\w*|issu\w+|releas\w+|approv\w+|endors\w+|published|"
                           r"communique said|declaration said)\b")),
    ("agreed", re.compile(r"(?i)\b(?:agree(?:d|s|ing)?|reach\w*|hammer\w*|struck|in principle|extend\w*|"
                          r"renew\w*|revis\w+|reaffirm\w*)\b")),
]
# The same rules, case-sensitive, for lower-cased text: sre has no fast path for (?i) alternations.
_STATUS_RULES_LOWER: list[tuple[AgreementStatus, re.Pattern[str]]] = [
    (status, re.compile(pattern.pattern.replace("(?i)", "", 1))) for status, pattern in _STATUS_RULES
]
_DECLARATIVE_TYPES = frozenset({"declaration", "communique", "joint_statement", "plan", "other"})
# Each status rule's alternatives all contain one of these words: a rule whose words are not
# in the window around the noun cannot match there.
_STATUS_WORDS: dict[AgreementStatus, tuple[str, ...]] = {
    "terminated": ("terminat", "scrapp", "abrogat", "withdr", "pulled out of", "expired", "annull", "renounc"),
    "planned": ("sign", "adopt", "conclu", "establish", "to be", "could be", "should", "considering"),
    "negotiating": ("negotiat", "draft", "talks", "seeking", "to reach", "working", "table", "under discussion"),
    "signed": ("sign", "inked", "concluded", "in force", "in effect", "ratif"),
    "adopted": ("adopt", "issu", "releas", "approv", "endors", "published", " said"),
    "agreed": ("agree", "reach", "hammer", "struck", "in principle", "extend", "renew", "revis", "reaffirm"),
}


@cache
def _doc_data() -> dict[str, object]:
    data: dict[str, object] = json.loads((DATA_DIR / "documents.json").read_text(encoding="utf-8"))
    return data


@cache
def _noun_pattern() -> tuple[re.Pattern[str], dict[str, str]]:
    types: list[list[str]] = _doc_data()["types"]  # type: ignore[assignment]
    table = {surface.lower(): kind for surface, kind in types}
    alternation = "|".join(re.escape(s) for s, _ in sorted(types, key=lambda t: -len(t[0])))
    extra = r"statements?|programs|programmes|concept|Plan|Regulations"
    pattern = re.compile(r"(?i:(?<![\w-])(?:" + alternation + r")(?![\w-]))" + r"|(?<![\w-])(?:" + extra + r")\b")
    return pattern, table


def noun_cues() -> tuple[str, ...]:
    """Every surface :func:`_noun_pattern` matches, lower-cased (the extractor's prefilter)."""
    types: list[list[str]] = _doc_data()["types"]  # type: ignore[assignment]
    extra = ("statement", "statements", "programs", "programmes", "concept", "plan", "regulations")
    return tuple(sorted({s.lower() for s, _ in types} | set(extra)))


@cache
def _noun_prefixes() -> tuple[str, ...]:
    return tuple(sorted({noun[:4] for noun in noun_cues()}))


def _noun_starts(lower: str) -> list[int]:
    """Offsets in the folded article where a document noun may start, in order.

    Every match of :func:`_noun_pattern` begins with the first letters of some noun in
    the folded text; ``str.find`` locates those far faster than the case-insensitive
    pattern scans a sentence.
    """
    starts: list[int] = []
    for prefix in _noun_prefixes():
        at = lower.find(prefix)
        while at != -1:
            starts.append(at)
            at = lower.find(prefix, at + 1)
    starts.sort()
    return starts


def _noun_matches(pattern: re.Pattern[str], text: str, offset: int, starts: list[int]) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text)`` for the sentence ``text`` at ``offset``, trying only ``starts``."""
    pos = 0
    for at in starts[bisect_left(starts, offset):bisect_left(starts, offset + len(text))]:
        rel = at - offset
        if rel < pos:
            continue
        m = pattern.match(text, rel)
        if m is not None:
            yield m
            pos = m.end()


@cache
def _marker_patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], tuple[str, ...]]:
    data = _doc_data()
    company: list[str] = data["company_markers"]  # type: ignore[assignment]
    lower = [w for w in company if w not in ("co", "corp", "inc", "ltd", "ag", "plc", "gmbh", "union", "unions")]
    company_re = re.compile(
        r"(?i:\b(?:" + "|".join(re.escape(w) for w in lower) + r")\b)|\b(?:Co|Corp|Inc|Ltd|AG|plc|GmbH)\b|"
        r"\bunions?\b|<[A-Z]+(?:\.[A-Z]+)?>"
    )
    domestic: list[str] = data["domestic_markers"]  # type: ignore[assignment]
    domestic_re = re.compile(r"(?i)\b(?:" + "|".join(re.escape(w) for w in domestic) + r")\b")
    nondip: list[str] = data["non_diplomatic_declarations"]  # type: ignore[assignment]
    nondip_re = re.compile(r"(?i)^\s*(?:of|on)\s+(?:a\s+|the\s+)?(?:" + "|".join(re.escape(w) for w in nondip) + r")\b")
    historic: list[str] = data["historic_titles"]  # type: ignore[assignment]
    return company_re, domestic_re, nondip_re, tuple(historic)


_TOKEN = re.compile(r"[a-z0-9]+")
# Each _COMPANY_CASED alternative contains one of these.
_COMPANY_CASED_WORDS = ("Co", "Inc", "Ltd", "AG", "plc", "GmbH", "union", "<")
_COMPANY_CASED = re.compile(r"\b(?:Co|Corp|Inc|Ltd|AG|plc|GmbH)\b|\bunions?\b|<[A-Z]+(?:\.[A-Z]+)?>")
_HISTORIC_COMMON = frozenset(["treaty", "of", "the", "pact", "agreement", "charter", "act", "final", "nations", "u", "n"])


@cache
def _marker_sets() -> tuple[frozenset[str], re.Pattern[str], frozenset[str], frozenset[str]]:
    """Word sets behind the company, domestic and historic checks: a set lookup per sentence is
    several times faster than a case-insensitive alternation of every marker."""
    data = _doc_data()
    company: list[str] = data["company_markers"]  # type: ignore[assignment]
    lower = [w.lower() for w in company if w not in ("co", "corp", "inc", "ltd", "ag", "plc", "gmbh", "union", "unions")]
    single = frozenset(w for w in lower if _TOKEN.fullmatch(w))
    phrases = [w for w in lower if not _TOKEN.fullmatch(w)] or ["(?!)"]
    phrase_re = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in phrases) + r")\b")
    domestic: list[str] = data["domestic_markers"]  # type: ignore[assignment]
    historic = _marker_patterns()[3]
    keys = frozenset(t for h in historic for t in _TOKEN.findall(h.lower())) - _HISTORIC_COMMON
    return single, phrase_re, frozenset(w.lower() for w in domestic), keys


@cache
def _company_sets() -> tuple[frozenset[str], re.Pattern[str], tuple[str, ...]]:
    """Company words, the pattern of company phrases, and those phrases (each match holds one)."""
    data = _doc_data()
    company: list[str] = data["company_markers"]  # type: ignore[assignment]
    lower = [w.lower() for w in company if w not in ("co", "corp", "inc", "ltd", "ag", "plc", "gmbh", "union", "unions")]
    single, phrase_re = _marker_sets()[:2]
    return single, phrase_re, tuple(w for w in lower if not _TOKEN.fullmatch(w))


def _company_marker(text: str, low: str | None = None, words: list[str] | None = None) -> bool:
    """Same test as the company pattern of :func:`_marker_patterns` (``low``, ``words``: ``text``
    lower-cased and its tokens, when the caller has them)."""
    single, phrase_re, phrases = _company_sets()
    if low is None:
        low = text.lower()
    if words is None:
        words = _TOKEN.findall(low)
    return (not single.isdisjoint(words) or (any(p in low for p in phrases) and phrase_re.search(low) is not None)
            or (any(w in text for w in _COMPANY_CASED_WORDS) and _COMPANY_CASED.search(text) is not None))


@cache
def _historic_pattern() -> re.Pattern[str]:
    historic = _marker_patterns()[3]
    return re.compile("|".join(re.escape(h) for h in historic), re.IGNORECASE)


@cache
def _historic_prefixes() -> tuple[str, ...]:
    """The historic titles lower-cased, once: a title starting with one is dropped."""
    return tuple(h.lower() for h in _marker_patterns()[3])


@dataclass(slots=True)
class DocMention:
    sentence: int
    start: int
    end: int
    type: AgreementType
    noun: str
    plural: bool
    count: int | None = None
    title: str | None = None
    title_span: tuple[int, int] | None = None
    anaphoric: bool = False
    indefinite: bool = False
    sectors: list[tuple[str, int, int]] = field(default_factory=list)
    parties: list[tuple[str, int, int]] = field(default_factory=list)
    status: AgreementStatus | None = None
    signed_on: tuple[date, int, int] | None = None
    weak: bool = False
    """From a headline: joins a body record of the same kind instead of opening one."""
    lead: int | None = None
    """For a list item, the sentence that introduces the list ("... also signed:")."""
    topic_break: int | None = None
    """Index in ``sectors`` where a second topic starts ("on X, as well as on Y and Z")."""
    sector_only: bool = False
    """A headline noun with no cue of its own: it only lends its modifier to a body record."""


@dataclass(slots=True)
class DocDraft:
    mentions: list[DocMention] = field(default_factory=list)
    headline_sectors: list[tuple[str, int, int]] = field(default_factory=list)

    @property
    def head(self) -> DocMention:
        return self.mentions[0]

    @property
    def named(self) -> DocMention | None:
        """The mention that names the document: the first titled one, unless a later one
        completes that name ("a treaty of permanent good-neighborliness" in a summary, "...
        and friendly cooperation" in the body)."""
        titled = [m for m in self.mentions if m.title]
        if not titled:
            return None
        first = (titled[0].title or "").lower()
        return max((m for m in titled if (m.title or "").lower().startswith(first)),
                   key=lambda m: len(m.title or ""))

    @property
    def title(self) -> str | None:
        named = self.named
        return named.title if named else None

    @property
    def count(self) -> int | None:
        return next((m.count for m in self.mentions if m.count), None)


# --- mention finding -----------------------------------------------------------------


def _title_case(words: str) -> str:
    out = []
    for i, w in enumerate(words.split()):
        if i and w.lower() in _SMALL_WORDS:
            out.append(w.lower())
        else:
            out.append("-".join(p[:1].upper() + p[1:] for p in w.split("-")))
    return " ".join(out)


_CAP_WORD = r"(?:[A-Z][\w'’.-]*|\d{4}|of|the|and|on|for|in|to|between|,)"
_CAPITAL_LAST = re.compile(r"(?:[A-Z][\w'’.-]*|\d{4})\s+$")
_PROPER_SMALL = frozenset(["and", "of", "the", "on", "for"])
_PROPER_WORD_END = re.compile(r"(?:[A-Z][\w'’.-]*|\d{4}),?$")


def _proper_tail(before: str) -> bool:
    """Whether _PROPER_BEFORE can match: ``before`` ends in whitespace after a capitalised word, a
    year or a small word (its match spans 12 units of at most two tokens, hence tail_start(25))."""
    if not before[-1:].isspace():
        return False
    parts = before.rsplit(None, 1)
    last = parts[-1] if parts else ""
    return last in _PROPER_SMALL or _PROPER_WORD_END.search(last) is not None


# Small words inside a name: connectors, and the particles of place names ("Rio de Janeiro",
# "Dar es Salaam"), always followed by a capitalised word or the noun.
_PROPER_BEFORE = re.compile(
    r"((?:(?:[A-Z][\w'’.-]*|\d{4})(?:,)?\s+(?:(?:and|of|the|on|for|de|da|do|del|es|la)\s+)?){1,12})$")


_RE_FIND_TITLE_1 = re.compile(r"\s*\(([A-Z]{2,6})\)|,\s*([A-Z]{2,6}),")
_RE_FIND_TITLE_2 = re.compile(r"\s+(?:of|on|for|between|to)\s+[^,;.()“”\"]{3,160}")
_RE_FIND_TITLE_3 = re.compile(r"[“\"]([^”\"]{2,40})[”\"]\s*$")
_RE_FIND_TITLE_4 = re.compile(r"\s+(?:on|of)\s+[A-Z][\w -]{3,60}?\(([A-Z]{2,6})\)")
_RE_FIND_TITLE_5 = re.compile(r"\s(?:signed|was|were|is|are|which|that|by|marking|adopted|between the two|as well as|and the|"
                              r"on (?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday))\b")
_RE_FIND_TITLE_6 = re.compile(r"\s*[“\"]([^”\"]{2,40})[”\"]")
_RE_FIND_TITLE_7 = re.compile(r"((?:[a-z][\w-]*\s+(?:and\s+)?){1,4})$")
_RE_FIND_TITLE_8 = re.compile(r"(?:^|[.;:]\s*|\b(?:A|An|The)\s+)$")
_RE_FIND_TITLE_9 = re.compile(r"\s+(?:of|on|for)\s+(?:the\s+)?[A-Z]")
_RE_FIND_TITLE_10 = re.compile(r"\s+of\s+(?:[A-Z][a-z]+\s+)?\d")
_RE_FIND_TITLE_11 = re.compile(r"\s+of\s+[a-z]")
_RE_FIND_TITLE_12 = re.compile(r"\s+of\s+[a-z][\w-]*(?:\s+(?:and\s+)?[a-z][\w-]*){0,6}")
_RE_FIND_TITLE_13 = re.compile(r"\s+of\s+(?:the\s+)?(?:understanding|intent|cooperation|co-operation|force|the\s+two|what|this)\b")
_RE_FIND_TITLE_14 = re.compile(r"\s(?:was|were|is|are|which|that|by|marking|between|with|signed|at|in|on|during|for|from)\b")
_RE_FIND_TITLE_15 = re.compile(r"\s+of\s+the\s+[A-Z]")
_RE_FIND_TITLE_16 = re.compile(r"\s+of\s+the\s+(?:[A-Z][\w'’-]*\s*)+")
_RE_FIND_TITLE_17 = re.compile(r"\d|[a-z]+-year$")


def _find_title(text: str, sent_start: int, m_start: int, m_end: int, noun: str,
                places: list[Place]) -> tuple[str | None, tuple[int, int] | None]:
    """Proper name of the document around the noun, if it has one (offsets in sentence)."""
    before = text[:m_start]
    after = text[m_end:]
    noun_cap = noun[:1].isupper()
    org_spans = [(p.start - sent_start, p.end - sent_start) for p in places if p.kind in ("org", "group", "country", "demonym", "city")]
    # "(DECA)" right after a lower-case noun marks a named document
    acr = _RE_FIND_TITLE_1.match(after)
    tail = ""
    tail_end = m_end
    of = _RE_FIND_TITLE_2.match(after)
    # both patterns are anchored at the end and span at most the last two tokens / the last one
    starts_title = not _CAPITAL_LAST.search(before, tail_start(before, 2)) or bool(
        _RE_FIND_TITLE_8.search(before, tail_start(before, 1)))
    if of and not starts_title and not _RE_FIND_TITLE_9.match(after):
        of = None
    if noun_cap and of and not _RE_FIND_TITLE_10.match(after):
        tail = of.group(0)
        cut = _RE_FIND_TITLE_5.search(tail)
        if cut:
            tail = tail[:cut.start()]
        quote = _RE_FIND_TITLE_6.match(after[len(tail):])
        if quote:
            tail += " " + quote.group(1)
        tail_end = m_end + len(tail)
    elif not noun_cap and _RE_FIND_TITLE_11.match(after) and not _RE_FIND_TITLE_13.match(after):
        ofl = _RE_FIND_TITLE_12.match(after)
        if ofl and noun.lower() in ("treaty", "declaration", "charter", "convention", "pact"):
            words = ofl.group(0)
            cut = _RE_FIND_TITLE_14.search(words)
            if cut:
                words = words[:cut.start()]
            return _title_case(noun + words), (m_start, m_end + len(words))
    elif not noun_cap and _RE_FIND_TITLE_15.match(after):
        ofc = _RE_FIND_TITLE_16.match(after)
        assert ofc is not None
        return (_title_case(noun) + ofc.group(0).rstrip()), (m_start, m_end + len(ofc.group(0).rstrip()))
    quoted = _RE_FIND_TITLE_3.search(before, max(0, len(before) - 60))  # ends the text: 42 characters and spaces
    if quoted and not noun.lower().endswith("s"):
        return _title_case(quoted.group(1)) + " " + _title_case(text[m_start:m_end]), (quoted.start(), m_end)
    proper = _PROPER_BEFORE.search(before, tail_start(before, 25)) if _proper_tail(before) else None
    if proper:
        words = proper.group(1)
        lead = m_start - len(words)
        # drop a leading determiner-like capitalised sentence start and organisation subjects
        tokens = words.split()
        while tokens and tokens[0].rstrip(",") in _LEADING_NON_NAMES:
            lead += len(tokens[0]) + (len(words[len(tokens[0]):]) - len(words[len(tokens[0]):].lstrip()))
            words = words[len(tokens[0]):].lstrip()
            tokens = tokens[1:]
        while tokens and tokens[0].lower() in _SMALL_WORDS:
            words = words[len(tokens[0]):].lstrip()
            tokens = tokens[1:]
        if tokens:
            only_places = all(any(a <= m_start - len(words) + words.find(t) < b for a, b in org_spans) or
                              t.rstrip(",") in ("and", "of") for t in tokens)
            if noun_cap or (acr is None and not only_places and _looks_named(tokens)):
                if only_places and not noun_cap:
                    return None, None
                start = m_start - len(words)
                title = (words + text[m_start:m_end] + tail).strip()
                if not noun_cap:
                    title = title[: len(title) - len(text[m_start:m_end])] + _title_case(text[m_start:m_end])
                if acr:
                    title += f" ({acr.group(1) or acr.group(2)})"
                if only_places and noun_cap and not tail and len(tokens) <= 3 and noun.lower() in (
                        "agreement", "agreements", "pact", "deal", "accord", "treaty"):
                    return None, None  # "the Saudi-Iran Agreement" style compounds stay descriptive
                return title, (start, tail_end)
    if noun_cap and tail:
        return (text[m_start:m_end] + tail).strip(), (m_start, tail_end)
    on_acr = _RE_FIND_TITLE_4.match(after)
    if on_acr and not noun_cap:
        return f"{on_acr.group(1)} {_title_case(text[m_start:m_end])}", (m_start, m_end + on_acr.end())
    if acr:
        mods = _RE_FIND_TITLE_7.search(before)
        words = ""
        if mods:
            words = " ".join(w for w in mods.group(1).split() if not _RE_FIND_TITLE_17.match(w)
                             and w not in ("a", "an", "the", "new"))
        title = _title_case((words + " " + text[m_start:m_end]).strip()) + f" ({acr.group(1) or acr.group(2)})"
        return title, (m_start - (len(mods.group(1)) if mods else 0), m_end)
    return None, None


# Capitalised only because they start a sentence or clause: never the first word of a title.
_LEADING_NON_NAMES = frozenset(
    ["The", "A", "An", "This", "That", "These", "Those", "Under", "In", "On", "By", "With", "And", "Both", "Its", "Their", "His", "Her", "Our", "As", "Of", "For", "Following", "After", "Before", "Among", "At", "Besides", "Beside", "Beyond", "Despite", "During", "Since", "Through", "Until", "Unlike", "Like", "Alongside", "Apart", "Including", "Also", "But", "Yet", "So", "Then", "Now", "Meanwhile", "However", "Still", "Earlier", "Later", "Today", "Yesterday", "Last", "Next", "When", "While", "Where", "If", "Although", "Though", "Once", "Under", "Over", "From", "Into", "Within", "Without", "Against", "Amid", "Amidst", "Via", "Per", "Instead"]
)


_RE_LOOKS_NAMED_1 = re.compile(r"[A-Z]{2,6}|[A-Z][a-z]+")


def _looks_named(tokens: list[str]) -> bool:
    """Capitalised words before a lower-case noun name it ("INF treaty", "Louvre agreement")."""
    first = tokens[-1].rstrip(",")
    return bool(_RE_LOOKS_NAMED_1.fullmatch(first))


_COUNT = lowered(
    r"(?i)(?:\b(?:total|package|set|series)\s+of\s+)?(?:more than |over |nearly |almost |some |about |around |at least )?"
    r"\b(\d{1,3}|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    r"twenty|thirty|dozen)\s+(?:(?!the\b|their\b|its\b|a\b|an\b|his\b|her\b)[a-z][\w-]*\s+){0,3}$")
# Words every _COUNT / _UNCOUNTED match contains: an unanchored search for them is far cheaper.
_DIGIT = re.compile(r"\d")
_COUNT_WORDS = ("two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
                "fifteen", "twenty", "thirty", "dozen")  # "ten" covers thirteen, fourteen
_UNCOUNTED_WORDS = ("number of", "variety of", "several", "various", "series of", "range of", "package of",
                    "set of", "raft of", "slew of", "host of")
_COUNTED_SPAN = lowered(r"(?i)\b(?:years?|months?|days?|weeks?|pct|percent)\s*$")
_UNCOUNTED = lowered(
    r"(?i)\b(?:a number of|a variety of|several|various|a series of|a range of|a package of|a set of|a raft of|"
    r"a slew of|a host of)\s+(?:[a-z][\w-]*\s+){0,2}$")


def _count_before(before: str) -> tuple[int | None, bool]:
    """Number directly before the noun phrase: (count, counted) -- "12 cooperation", "a number of".

    ``before`` is folded (:func:`extractors.fold.fold_text`).
    """
    gate = _DIGIT.search(before) is not None or any(w in before for w in _COUNT_WORDS)
    m = _COUNT.search(before, tail_start(before, 9)) if gate else None  # 8 tokens at most
    if m and not _COUNTED_SPAN.search(m.group(0)):
        word = m.group(1)
        return (int(word) if word.isdigit() else _NUMBER_WORDS[word]), True
    if any(w in before for w in _UNCOUNTED_WORDS) and _UNCOUNTED.search(before, tail_start(before, 7)):
        return None, True
    return None, False


# Words that never make a sector on their own: verbs, auxiliaries, time words, vague nouns.
_NOT_SECTOR = frozenset(
    ["help", "helps", "agreement", "agreements", "accord", "deal", "pact", "treaty", "document", "documents",
     "year", "years", "month", "months", "week", "weeks", "day", "days", "time", "it", "them", "all", "both",
     "cooperation", "co-operation", "mutual interest", "the region", "most", "more", "other", "others",
     "details", "terms", "text", "work", "issues", "matters", "things", "way", "ways", "part", "end",
     "implementation", "principle", "talks", "negotiations", "signing", "basis", "framework", "includes",
     "relations", "ties", "partnership", "development", "progress", "future", "level", "levels",
     # the signatories, not an area: "Under the pact, ..., the two countries will share ..."
     "two countries", "both countries", "two sides", "both sides", "two governments", "both governments", "parties"]
)
_VERBISH = frozenset(
    ["have", "has", "had", "be", "been", "being", "is", "are", "was", "were", "will", "would", "could",
     "should", "may", "might", "must", "can", "also", "not", "now", "then", "still", "already", "just",
     "reportedly", "finally", "officially", "formally", "jointly", "recently", "agree", "agreed", "sign",
     "signed", "reach", "reached", "seal", "sealed", "strike", "struck", "ink", "inked", "new", "do", "did"]
)
# A bare verb left from a coordinated series ("to prevent, fight and recover from fires") is no sector.
_BARE_VERBS = frozenset(
    ["prevent", "fight", "combat", "counter", "tackle", "recover", "respond", "address", "reduce", "protect",
     "mitigate", "manage", "resolve", "end", "stop", "curb", "detect", "deter", "eliminate", "eradicate",
     # purpose verbs left alone at the end of a list ("to strengthen, secure and avoid")
     "strengthen", "avoid", "boost", "promote", "enhance", "improve", "develop", "deepen", "expand", "increase",
     "support", "facilitate", "ensure", "foster", "advance", "intensify", "encourage", "broaden", "widen",
     "reinforce", "consolidate", "stimulate", "accelerate", "upgrade", "secure", "maintain", "limit", "restrict",
     "ban", "allow", "permit", "provide", "establish", "create", "cut", "raise", "lower", "stabilise", "stabilize"]
)
# Generic purpose verbs: "to boost trade" names the sector "trade".
_GENERIC_VERBS = (
    r"boost|promot|strengthen|enhanc|improv|develop|deepen|expand|increas|support|facilitat|ensur|foster|"
    r"advanc|intensif|encourag|step(?:ping)? up|broaden|widen|reinforc|consolidat|stimulat|accelerat|upgrad"
)


_QUOTES = re.compile(r"[\"“”]")
_MODIFIERS = re.compile(r"(?<![\w'’-])((?:[a-z][\w-]*\s+){1,3})$")


_RE_MODIFIER_SECTOR_1 = re.compile(r"[a-z]+ed|[a-z]+ly")
_RE_MODIFIER_SECTOR_2 = re.compile(r"(?i)\b(?:a|an|the|this|that|its|their|his|her|our|[A-Z][\w'’.-]*|\d+)\s+$")
_RE_MODIFIER_SECTOR_3 = re.compile(r"\d+-\w+")


def _modifier_sector(before: str) -> str | None:
    """"barter trade agreement" -> "barter trade": lower-case modifiers that are not generic."""
    before = _QUOTES.sub(" ", before)  # a quoted epithet: a "historic" peace agreement
    m = _MODIFIERS.search(before, tail_start(before, 4))
    if not m:
        return None
    words = [w for w in m.group(1).split()]
    for k in range(len(words) - 1, -1, -1):
        if words[k] in ("a", "an", "the", "this", "that", "its", "their", "his", "her", "our", "to", "of", "and") \
                or words[k] in _VERBISH or _RE_MODIFIER_SECTOR_1.fullmatch(words[k]):
            words = words[k + 1:]
            break
    else:
        if not _RE_MODIFIER_SECTOR_2.search(before[: len(before) - len(m.group(1))] or " "):
            return None
    while words and (words[0] in _GENERIC_MODIFIERS or words[0] in _SMALL_WORDS or words[0].isdigit()
                     or words[0] in _NUMBER_WORDS or _RE_MODIFIER_SECTOR_3.fullmatch(words[0])):
        words = words[1:]
    words = [w for w in words if w not in _GENERIC_MODIFIERS]
    if not words or any(w in _SMALL_WORDS for w in words) or words[-1] in _NOT_SECTOR or words[0] in _NOT_SECTOR:
        return None
    phrase = " ".join(words)
    if phrase in ("summit", "venice summit", "peace-keeping"):
        return None
    return phrase


_SECTOR_STRIP = re.compile(
    r"(?i)^(?:various sectors including|various sectors|sectors including|(?:key |other |several |various )?areas (?:such as|like|including|of cooperation(?: in| such as| including)?)|"
    r"such as|issues ranging from|ranging from|issues such as|matters such as|"
    r"(?:the )?importance of|(?:the )?need (?:for|to)|(?:the )?development of cooperation in the fields? of|"
    r"(?:[a-z]+ )?cooperation in the (?:fields?|spheres?|areas?) of|cooperation in|cooperation on|"
    r"(?:the )?occasion of|in connection with|cooperat(?:e|ing) (?:in|on)|(?:joint )?(?:co-?operation|efforts?|measures|steps|work) (?:to|for)|"
    r"(?:the )?(?:fields?|spheres?|areas?) of|the development of|development of|measures to|(?:the )?issues? of|"
    r"other industries including|(?:" + _GENERIC_VERBS + r")\w*|the|a|an|their|its|all|on|of|for|at)\s+"
)
_SECTOR_STRIP_LOWER = lowered(_SECTOR_STRIP.pattern)
_SECTOR_STOP = re.compile(
    # words grouped by first letter (in their old order within a group), so a space is followed by
    # one letter test instead of the whole list: "which", "that", "is", "after", "said", "by", ...
    r"(?i)\s(?:w(?:hich|ho|hose|as|ere|ill|ould|hile|hereas|ith the aim|ith (?=(?-i:[A-Z])))|"
    r"t(?:hat|omorrow|oday|his (?:week|month|year))|i(?:s|n order|n response|n reaction|n (?=(?-i:[A-Z])))|"
    r"a(?:re|fter|lthough|s well as|head of|t (?:talks|a|an|the|its)|s part of|mid|t (?=(?-i:[A-Z])))|"
    r"h(?:ad|as|ave)|s(?:aid|ays|igned|howed|hows|o that)|b(?:efore|etween (?:the|their|our|both)|y|ut|ecause)|"
    r"d(?:espite|emonstrated|uring)|proved|marked|r(?:emains|emained)|f(?:rom(?! \w+ to\b)(?<!ranging from)|ollowing)|"
    r"under|on (?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)|yesterday|last|next)\b|"
    r"[;:()“”\"]|\.(?<!\b(?-i:[A-Z])\.)(?!\w)|"
    r",\s*(?:which|and the|a|an|as|but|said|according|officials?|he|she|they|it|[a-z]+ing\s+(?:the|a|an|its|their|to)|"
    r"the\s+(?=(?-i:[A-Z])))\b"
)
_SECTOR_SPLIT = re.compile(
    r",\s*(?:and\s+|as well as\s+)?|\s+and\s+(?=[a-z][\w-]*(?:\s+[a-z][\w-]*)?\s*(?:,|$))|;\s*|"
    r"\s+and\s+(?=[a-z]+ing\s)|\s+to\s+(?=[a-z][\w-]*(?:\s+[a-z][\w-]*)?\s+and\s)"
)


_RE_SECTORS_FROM_1 = re.compile(r"(?i)(?:on\s+)?(?:issues|topics|subjects|areas|matters)?\s*ranging from\s+")
_RE_SECTORS_FROM_2 = re.compile(r"(?i)^(?:and|or)\s+")
_RE_SECTORS_FROM_3 = re.compile(r"(?:\s+(?:in|the|of|on|for|and|to|a|an|with|at))+$")
_TRAILING_SMALL = frozenset(["in", "the", "of", "on", "for", "and", "to", "a", "an", "with", "at"])
_RE_SECTORS_FROM_4 = re.compile(r"\s+(?:initiatives?|issues?|matters|sectors?|areas?|spheres?|"
                        r"(?:for|in|by|until|through|from|to) (?:the )?(?:end of )?(?:\d{4}s?|\d{4}-\d{2,4})\b.*|"
                        r"for (?:the )?(?:period|years?|next|coming) .*|"
                        r"(?:with)?in (?:the next |the coming )?(?:\w+ )?(?:days?|weeks?|months?|years?)\b.*)$")
_RE_SECTORS_FROM_5 = re.compile(r"\s(?:said|says)")
_RE_SECTORS_FROM_6 = re.compile(r"\s+to\s+|,\s*")
_RE_SECTORS_FROM_7 = re.compile(r"\s+and\s+")
_RE_SECTORS_FROM_8 = re.compile(r"(?<=[A-Za-z])\s+and\s+(?=[a-z])")
_RE_SECTORS_FROM_9 = re.compile(r"\s+(?:on|at|along|across|within|inside)\s+the\s+")
_RE_SECTORS_FROM_10 = re.compile(r"[a-z]|[A-Z]{2}")
_RE_SECTORS_FROM_11 = re.compile(r"[a-z]+(?:ed|ly)")
_RE_SECTORS_FROM_12 = re.compile(r"[A-Z][a-z]+ and [A-Z]")
_RE_SECTORS_FROM_13 = re.compile(r"[A-Z]{2,}\w*")


_LEAD_VERB = re.compile(r"(?:[a-z]+ly\s+)?([a-z]+)\s+")
_LEAD_ARTICLE = re.compile(r"^(?:the|a|an|their|its)\s+")
_INSTITUTIONAL_FRAME = re.compile(
    r"^(?:(?:the|a|an)\s+)?(?:(?:establishment|creation|formation|setting up|work|activities|meetings?|mechanism|"
    r"heads|ministers|council|commission|committee|platform)\s+(?:of|for)\s+(?:(?:the|a|an)\s+)?)+(?=[a-z])")
# "the restructuring and modernisation of the armed forces": two nouns sharing one object are one area
_NOMINALS_OF = re.compile(r"\b[a-z]+(?:tion|sion|ment|ing|ity|ance|ence)\s+and\s+[a-z]+(?:tion|sion|ment|ing|ity|ance|ence)\s+of\s")
_TWO_WORDS = re.compile(r"[a-z][\w-]*\s+[a-z][\w-]*")
_ONE_WORD = re.compile(r"[a-z][\w-]*")


def _strip_lead(phrase: str) -> str:
    """``phrase`` without a leading purpose verb or framing words ("strengthening trade" -> "trade")."""
    phrase = phrase.strip()
    lead = _SECTOR_STRIP_LOWER.match(fold_text(phrase))
    return phrase[lead.end():].strip() if lead else phrase


def _shared_heads(pieces: list[str], body: str) -> list[str]:
    """Join "A and B C" split apart when A and B modify one head: "trade and economic cooperation",
    "industrial and investment cooperation" name one area, not "trade" and "economic cooperation".
    Not at the end of a longer list ("energy, logistics and food security")."""
    out: list[str] = []
    for piece in pieces:
        if len(out) == 1 and _TWO_WORDS.fullmatch(piece.strip()) and _ONE_WORD.fullmatch(_strip_lead(out[-1])):
            joined = f"{out[-1]} and {piece}"
            if joined in body and _strip_lead(out[-1]) not in _NOT_SECTOR and _strip_lead(out[-1]) not in _VERBISH \
                    and piece.split()[0] not in _SMALL_WORDS | _VERBISH:
                out[-1] = joined
                continue
        out.append(piece)
    return out


def _long_item(piece: str) -> bool:
    """More than six words without its trailing small words, and not "X and Y of ..." (one area)."""
    # stripping trailing small words only removes words: a piece of six words or fewer stays short
    return len(piece.split()) > 6 and len(_RE_SECTORS_FROM_3.sub("", piece.rstrip()).split()) > 6 \
        and not _NOMINALS_OF.search(piece)


def _sectors_from(text: str, offset: int) -> list[tuple[str, int, int]]:
    """Split a list phrase ("trade facilitation, green minerals, and customs") into sectors."""
    stop = _SECTOR_STOP.search(text, 0, 220)
    body = text[: stop.start()] if stop else text[:220]
    body = body[:180]
    # "..., the French Defence Ministry said": the last item is the speaker
    speaker = stop is not None and _RE_SECTORS_FROM_5.match(stop.group(0)) is not None and "," in body
    ranging = _RE_SECTORS_FROM_1.match(body)
    out: list[tuple[str, int, int]] = []
    pos = 0
    pieces = _shared_heads(_SECTOR_SPLIT.split(body), body)
    if ranging:
        # "ranging from A and B to C and D": every item is its own topic
        pieces = [x for p in _RE_SECTORS_FROM_6.split(body[ranging.end():]) for x in _RE_SECTORS_FROM_7.split(p)]
        pos = ranging.end()
    # a long item joined by "and" is two items: "exchange tax information and provide mutual assistance"
    pieces = [x for p in pieces for x in (_RE_SECTORS_FROM_8.split(p, maxsplit=1) if _long_item(p) else [p])]
    for piece in pieces:
        start = body.find(piece, pos)
        if start < 0:
            continue
        pos = start + len(piece)
        phrase = piece.strip()
        for _ in range(3):
            lead = _SECTOR_STRIP_LOWER.match(fold_text(phrase))  # as _SECTOR_STRIP.sub("", phrase)
            if lead is None:
                phrase = phrase.strip()
                break  # the next rounds would see the same phrase
            phrase = phrase[lead.end():].strip()
        phrase = _RE_SECTORS_FROM_2.sub("", phrase)
        verb = _LEAD_VERB.match(phrase)
        if verb and verb.group(1).lower() in _BARE_VERBS:
            rest = _LEAD_ARTICLE.sub("", phrase[verb.end():])
            if _TWO_WORDS.match(rest):
                phrase = rest  # "to sharply reduce the import duties": the area is import duties
        # the body a document sets up is not its area: "the creation of a council of ministers
        # of fisheries" covers fisheries
        phrase = _INSTITUTIONAL_FRAME.sub("", phrase)
        last = phrase.rsplit(None, 1)
        if last and last[-1] in _TRAILING_SMALL:  # the sub below only strips these
            phrase = _RE_SECTORS_FROM_3.sub("", phrase)
        phrase = _RE_SECTORS_FROM_4.sub("", phrase)
        if len(phrase.split()) > 6:
            # a long item ends where a place phrase starts: "border security on the external borders of ..."
            phrase = _RE_SECTORS_FROM_9.split(phrase, maxsplit=1)[0]
        words = phrase.split()
        if len(phrase) < 2 or len(phrase) > 70 or len(words) > 8 or not _RE_SECTORS_FROM_10.search(phrase):
            continue
        low = phrase.lower()
        if _DOC_WORD.search(low) or (speaker and piece is pieces[-1]) or low in _SMALL_WORDS:
            continue
        if low in _NOT_SECTOR or low in _BARE_VERBS or words[0].lower() in _VERBISH or (
                len(words) == 1 and _RE_SECTORS_FROM_11.fullmatch(low)):
            continue
        keep_case = phrase if _RE_SECTORS_FROM_12.match(phrase) or phrase.isupper() or _RE_SECTORS_FROM_13.fullmatch(phrase) else phrase.lower()
        out.append((keep_case, offset + start, offset + start + len(piece)))
    return out


_DOC_WORD = re.compile(r"\b(?:agreements?|accords?|treat(?:y|ies)|declarations?|communiqu\w*|memorand\w*|protocols?|"
                       r"statements?|documents?|pacts?|deals?|conventions?|charters?|programs?|programmes?|concepts?|roadmaps?|"
                       r"action plans?)\b")
# Verbs after the noun that introduce what a document covers ("The pact, signed in May, covers X").
_CONTENT_LEAD = re.compile(
    # the lookahead lists the alternatives' first letters: most word starts fail there, before the alternation
    r"(?:[^.;]{0,80}?)\b(?=[acdefhikmops])"
    r"(cover(?:s|ing|ed)?|includ(?:es|ing|ed)|in the (?:fields?|areas?|spheres?) of|"
    r"focus(?:es|ed|ing)? on|aim(?:s|ed|ing)? at|aims? to|deal(?:s|t|ing)? with|address(?:es|ed|ing)?|"
    r"highlight(?:s|ed|ing)?|concern(?:s|ed|ing)|call(?:s|ed|ing)? for|provid(?:es|ed|ing) for|"
    r"pledg(?:es|ed|ing)|envisag(?:es|ed|ing)|outlin(?:es|ed|ing)|sets? out|stipulat(?:es|ed|ing)|"
    r"emphasi[sz](?:es|ed|ing) the importance of|key areas[^,]{0,30}?including|areas for cooperation, including|"
    r"(?:designed|intended|meant) to|in order to)\s+"
)
_IMMEDIATE_LEAD = re.compile(
    r"\s*(?:(?:with|between) [^,.]{1,40}?\s+|(?:in|at) [A-Z][\w.-]*(?:\s[A-Z][\w.-]*)?\s+)?(?:(?:were|was|have been|has been|had been)\s+(?:signed|adopted|approved|issued|concluded)\s+)?"
    r"(on|to|for|in the (?:fields?|areas?|spheres?) of|in)\s+"
    r"(?!the two|both|each|be\b|it\b|them\b|date\b|(?:\w+\s+)?(?:years?|months?|weeks?|days?)\b|[A-Z]|\d)"
)


_RE_SENTENCE_SECTORS_1 = re.compile(r"([a-z]+)\s")
_RE_SENTENCE_SECTORS_2 = re.compile(r"\s*in\s+(?:the\s+)?(?:fields?|areas?|spheres?|sectors?)\b")
_RE_SENTENCE_SECTORS_3 = re.compile(r"(?:[a-z]+(?:ment|tion|ness|ity|ance|ence|ship)|[a-z]+s)\s")


def _sentence_sectors(text: str, m_end: int, s_start: int) -> list[tuple[str, int, int]]:
    """Sectors named after a document noun: "covering X, Y", "on X", "to restore X"."""
    after = text[m_end:m_end + 300]
    lead = _IMMEDIATE_LEAD.match(after)
    if lead is not None and lead.group(1) == "in" and not _RE_SENTENCE_SECTORS_2.match(after):
        lead = None
    if lead is None:
        lead = _CONTENT_LEAD.match(after)
    if lead is None:
        return []
    body_start = m_end + lead.end()
    body = text[body_start:body_start + 300]
    if lead.group(1) in ("to", "aims to", "designed to", "intended to", "meant to", "in order to"):
        # infinitive purpose: "to restore diplomatic ties and reopen embassies"
        vm = _RE_SENTENCE_SECTORS_1.match(body)
        if not vm or vm.group(1) in ("the", "a", "an", "be", "its", "their", "date", "sign", "which", "work"):
            return []
        if _RE_SENTENCE_SECTORS_3.match(body) and vm.group(1) not in (
                "ends", "its"):
            return []  # a noun, not a verb: "a pact to agreement on ..."
    return _sectors_from(body, s_start + body_start)


_FURTHER_TOPIC = re.compile(r",?\s+as well as\s+(?:on|about|in the fields? of)\s+")
_FURTHER_TOPIC_LATER = re.compile(r"[^,.;]{0,40}?" + _FURTHER_TOPIC.pattern)  # a few words after the list


def _further_topic(text: str, sectors: list[tuple[str, int, int]], s_start: int) -> list[tuple[str, int, int]]:
    """Sectors of a second topic after the first list: "statements on X, as well as on Y and Z"."""
    if not sectors:
        return []
    end = sectors[-1][2] - s_start
    more = _FURTHER_TOPIC.match(text, end, min(len(text), end + 40)) or _FURTHER_TOPIC_LATER.match(text, end)
    if more is None:
        return []
    return _sectors_from(text[more.end():], s_start + more.end())


_RE_TITLE_SECTORS_1 = re.compile(r"\s(?:on|in the fields? of)\s")
_RE_TITLE_SECTORS_2 = re.compile(r"\s\S+(?:\s+(?:the|of|in|field))*\s+(?!(?:the|of|in|field)\b)[a-z]")
_RE_TITLE_SECTORS_3 = re.compile(r"\s+(?:on|in the fields? of|to|for)\s")
_RE_TITLE_SECTORS_4 = re.compile(r",\s*|\s+and\s+")
_RE_TITLE_SECTORS_5 = re.compile(r"\s+(?:in the\s+(?=[“\"A-Z\s])|between\b|in the format\b|for the [A-Z]|in the context\b|"
                        r"in connection\b|[“\"])")
_RE_TITLE_SECTORS_6 = re.compile(r"\(.*?\)|\b(?:19|20)\d\d\b")
_RE_TITLE_SECTORS_7 = re.compile(r"\s(?=[A-Z“\"])")
_RE_TITLE_SECTORS_8 = re.compile(r"\d+(?:st|nd|rd|th)")


def _title_sectors(title: str, noun: str, offset: int) -> list[tuple[str, int, int]]:
    """What a proper name says a document covers: "... on Digital Trade", "Security Cooperation Agreement",
    "International Tin Agreement"."""
    low_noun = noun.lower()
    idx = title.lower().find(low_noun)
    if idx < 0:
        return []
    head, tail = title[:idx].strip(), title[idx + len(noun):]
    out: list[tuple[str, int, int]] = []
    subject = _RE_TITLE_SECTORS_1.search(tail)
    if subject is not None:
        tail = tail[subject.start():]
        if _RE_TITLE_SECTORS_2.match(tail):
            tail = _RE_TITLE_SECTORS_7.split(tail, maxsplit=1)[0]  # a lower-case subject ends at a name
    if _RE_TITLE_SECTORS_3.match(tail) and len(tail) > 6:
        # the place or format a title ends with is not a subject: "... in the Central Asia - China format"
        tail = _RE_TITLE_SECTORS_5.split(tail)[0]
        out += [(s, offset, offset) for s, _, _ in _sentence_sectors(" " + tail.lower(), 0, 0)]
    words = _RE_TITLE_SECTORS_6.sub(" ", head).split()
    words = [w for w in words if w.lower() not in ORDINAL_WORDS and not _RE_TITLE_SECTORS_8.fullmatch(w.lower())]
    if words and words[-1].lower() in ("cooperation", "co-operation") and len(words) > 1:
        items = _RE_TITLE_SECTORS_4.split(" ".join(words[:-1]))
        out += [(_sector_noun(x), offset, offset) for x in items if x and x[:1].isupper() and x.lower() not in _SMALL_WORDS]
    elif words and words[0].lower() == "international" and 1 < len(words) <= 3:
        out.append((" ".join(words[1:]).lower(), offset, offset))
    else:
        # "Defence and Economic Agreement", "Trade and Investment Framework Agreement"
        items = [w.strip(",").lower() for w in words if w.lower() not in ("and", "framework", "partnership",
                                                                           "comprehensive", "free")]
        if items and all(w in _SECTOR_WORDS for w in items):
            out += [(_sector_noun(w), offset, offset) for w in items]
    return [x for x in out if x[0]]


ORDINAL_WORDS = frozenset(
    ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "new",
     "joint", "bilateral", "the"]
)
# Capitalised words that, in a document's name, say what it covers rather than who signed it.
_SECTOR_WORDS = frozenset(
    ["trade", "economic", "economy", "defence", "defense", "security", "investment", "technology", "technological",
     "science", "scientific", "culture", "cultural", "sports", "sport", "youth", "energy", "tax", "aid", "military",
     "transport", "tourism", "health", "education", "agriculture", "agricultural", "fisheries", "fishing", "customs",
     "aviation", "maritime", "nuclear", "arms", "visa", "migration", "water", "environment", "environmental", "climate",
     "space", "digital", "industrial", "financial", "finance", "commercial", "humanitarian", "textile", "textiles",
     "oil", "gas", "grain", "wheat", "coffee", "cocoa", "sugar", "tin", "rubber", "steel", "extradition", "navigation"]
)
_ADJ_TO_NOUN = {"economic": "economy", "scientific": "science", "cultural": "culture", "technological": "technology",
                "military": "military", "financial": "finance", "commercial": "commerce", "industrial": "industry"}


# Title-case headline words that name what a document covers ("Turkey Sign Aid Agreement"); any other
# capitalised word before the noun may be a verb or a name, so headlines only yield these.
_HEADLINE_SECTOR_WORDS = _SECTOR_WORDS | frozenset(
    ["debt", "chip", "chips", "microchip", "semiconductor", "missile", "missiles", "farm", "food", "fish",
     "iron", "ore", "uranium", "coal", "copper", "timber", "coffee", "rice", "beef", "meat", "shipping", "rail",
     "border", "peace", "ceasefire", "cease-fire", "gas", "power", "pipeline", "loan", "credit", "currency",
     "tariff", "export", "import", "fishery", "air", "satellite", "ozone", "emissions"]
)
_RE_HEADLINE_VERB = re.compile(r"[a-z]+(?:ing|ed)")
_HEADLINE_WORD_BEFORE = re.compile(r"(?<![\w'’-])([A-Za-z][\w-]*)\s+$")


def _headline_sector(before: str) -> str | None:
    """The modifier of a headline's document noun: lower-case as in the body ("sign oil deal"), or one
    capitalised word from :data:`_HEADLINE_SECTOR_WORDS` ("Tied-Aid Pact")."""
    m = _HEADLINE_WORD_BEFORE.search(before, max(0, len(before) - 40))
    if m is None:
        return None
    word = m.group(1)
    if word.islower():
        sector = _modifier_sector(before)
        if sector is None:
            return None
        # a headline drops its articles, so verbs run into the modifier ("leaders approve security
        # programmes"): keep the last word, and words before it only if they name areas ("debt relief plan")
        words = sector.split()
        k = len(words) - 1
        while k > 0 and words[k - 1] in _HEADLINE_SECTOR_WORDS:
            k -= 1
        words = words[k:]
        # "seeking deal", "agreed deal"
        return None if _RE_HEADLINE_VERB.fullmatch(words[0]) and words[0] not in _HEADLINE_SECTOR_WORDS \
            else " ".join(words)
    low = word.lower()
    if word.isupper() and len(word) > 1 and "-" not in word:
        return None  # an acronym: an organisation or a country
    return low if low.split("-")[-1] in _HEADLINE_SECTOR_WORDS else None


def _named_already(sector: str, sectors: list[tuple[str, int, int]]) -> bool:
    """A word of ``sector`` begins a word of one already in ``sectors`` ("missile", "missile reductions")."""
    have = {w for x in sectors for w in _RE_SECTOR_WORD.findall(x[0].lower())}
    return any(h.startswith(w) for w in _RE_SECTOR_WORD.findall(sector.lower()) for h in have)


_RE_SECTOR_WORD = re.compile(r"[a-z]{3,}")


def _sector_noun(word: str) -> str:
    low = word.strip().lower()
    return _ADJ_TO_NOUN.get(low, low)


# --- main ----------------------------------------------------------------------------

# Context checks of find_doc_mentions. Lower-case twins (lowered) run on folded text.
_JOINT_END = lowered(r"(?i)\bjoint\s*$")
_JOINT_TAIL = lowered(r"(?i)joint\s*$")
_ISSUED_BEFORE = lowered(r"(?i)\b(?:adopted|signed|release[sd]?|issued)\b[^.]{0,40}$")
_ISSUED_AFTER = lowered(r"(?i)\s+(?:were|was)\s+(?:signed|adopted)")
_PRESS_STATEMENT = lowered(r"(?i)\b(?:in a|press|said in a|a joint)\s*$")
_APPROVED = lowered(r"(?i)\b(?:approv\w+|adopt\w+)\b")
_OF_NEXT = re.compile(r"\s+of\s")
_ON_NEXT = re.compile(r"\s+on\s")
_GOOD_DEAL = lowered(r"(?i)\b(?:great|good|big|a great)\s*$")
_CONSENT = lowered(r"(?i)\b(?:to|on|of|for|towards?|without|any)\s*$")
_VENUE = lowered(r"(?i)\s+(?:cent(?:er|re)|hall)")
_ETIQUETTE = lowered(r"(?i)\b(?:highest|diplomatic|state)\s*$")
_DOCUMENT_COUNT = lowered(r"(?i)\d|package|dozen|\bten\b|twenty")
_VERBAL = lowered(r"(?i)\bverbal\s*$|\bin\s*$")
_DEFINITE_PLURAL = lowered(r"(?i)\b(?:the|these|those|their|its|two|both)\s+(?:[a-z][\w-]*\s+){0,3}$")
_PLURAL_CONTEXT = re.compile(
    r"\s+(?:were|was|have been|had been)\s+(?:signed|adopted)|\s+(?:on|of|covering|for|in|to|aimed|between|with)\s")
_SIGNED_PLURAL = lowered(r"(?i)\b(?:signed|adopted|approved|concluded)\s+(?:[a-z][\w-]*\s+){0,3}$")
_EXISTING_LOWER = lowered(r"(?i)\b(?:existing|previous|earlier|past|prior|former)\s+(?:[a-z][\w-]*\s+)?$")
_ARTICLE_BEFORE = lowered(r"(?i)(?<!such\s)\b(?:a|an|another)\s+$")
_GENERIC_TITLE_WORD = re.compile(r"(?:summit|joint|final|latest|new|draft|Summit|Joint|Final|Latest|Draft)")
_JOINT_TITLE = re.compile(r"Joint (?:Statement|Declaration|Communiqu\w+) (?:on|of) [A-Z]")
_PARTY_TITLE = re.compile(r"\b(?:Conservative|Liberal|Labour|Labor|Tory|Democratic|Republican|Socialist|Coalition)\b")
_OF_SUBJECT = re.compile(r"\s+of\s+(?!the\b|a\b|an\b|[A-Z\d])")


def find_doc_mentions(ctx: ArticleContext) -> list[DocMention]:
    """Document mentions that survive the company/labour/domestic/historic filters."""
    pattern, table = _noun_pattern()
    nondip_re = _marker_patterns()[2]
    historic_re, historic_prefixes = _historic_pattern(), _historic_prefixes()
    domestic_words, historic_keys = _marker_sets()[2:]
    out: list[DocMention] = []
    lead: int | None = None
    starts = _noun_starts(ctx.lower)
    for i, s in enumerate(ctx.sentences):
        text = ctx.sentence_text(i)
        places: list[Place] = []
        prev = ctx.sentence_text(i - 1).rstrip() if i else ""
        if prev.endswith(":"):
            lead = i - 1
        elif not prev.endswith(";"):
            lead = None
        status_text = (ctx.sentence_text(lead) + " " + text) if lead is not None else text
        company: bool | None = None
        status_low: str | None = None
        sentence_checked = False
        historic_spans: list[tuple[int, int]] = []
        domestic = has_event = False
        for m in _noun_matches(pattern, text, s.start, starts):
            if not sentence_checked:
                # per-sentence facts, computed once and only for sentences naming a document
                sentence_checked = True
                places = list(ctx.places[i])
                raw = ctx.text[s.start:s.end]
                folded = ctx.sentence_lower(i)
                lower = text.lower()
                words = _TOKEN.findall(lower)
                company = _company_marker(text, lower, words) or (raw != text and _company_marker(raw))
                tokens = set(words)
                historic_spans = [(h.start(), h.end()) for h in historic_re.finditer(text)] if not tokens.isdisjoint(
                    historic_keys) else []
                domestic = "domestic" in tokens or (
                    not domestic_words.isdisjoint(tokens)  # removing "the parties" only removes words
                    and not domestic_words.isdisjoint(_TOKEN.findall(
                        _SIGNATORY_LOWER.sub(" ", folded) if lower == folded
                        else _SIGNATORY_PARTIES.sub(" ", text).lower()))
                    and not _has_two_states(ctx, i))
                status_folded = (ctx.sentence_lower(lead) + " " + folded) if lead is not None else folded
                has_event = bool(_EVENT_LOWER.search(status_folded))
            noun = m.group(0)
            low = noun.lower()
            a, b = s.start + m.start(), s.start + m.end()
            if any(p.start <= a < p.end or p.start < b <= p.end for p in places if p.kind in ("org", "group")):
                continue  # part of an organisation's name ("Collective Security Treaty Organization")
            if any(a0 <= m.start() < b0 for a0, b0 in historic_spans):
                continue
            after = text[m.end():]
            # end-anchored patterns only need the words just before the noun
            before = text[max(0, m.start() - 160): m.start()]
            near = before[-70:]
            fafter = folded[m.end():]
            fbefore = folded[max(0, m.start() - 160): m.start()]
            fnear = fbefore[-70:]
            kind: AgreementType
            if low in ("statement", "statements"):
                if not _JOINT_END.search(fbefore) and not _ISSUED_BEFORE.search(fbefore) and not _ISSUED_AFTER.match(fafter):
                    continue
                if _PRESS_STATEMENT.search(fbefore) and not _JOINT_TAIL.search(fbefore):
                    continue
                kind = "joint_statement"
            elif low in ("programs", "programmes", "concept"):
                if not _APPROVED.search(folded):
                    continue
                if low == "concept" and not _OF_NEXT.match(after):
                    continue
                kind = "plan"
            elif noun == "Plan":
                if not _OF_NEXT.match(after):
                    continue
                kind = "plan"
            elif noun == "Regulations":
                if not _ON_NEXT.match(after):
                    continue
                kind = "other"
            else:
                kind = table.get(low, "other")  # type: ignore[assignment]
            if low in ("deal", "deals") and _GOOD_DEAL.search(fbefore):
                continue
            if low == "agreement" and _CONSENT.search(fbefore):
                continue  # "a barrier to agreement on ...": agreement as consent, not a document
            if low.startswith("convention") and _VENUE.match(fafter):
                continue
            if low.startswith("declaration") and nondip_re.match(after):
                continue
            if low.startswith("protocol") and _ETIQUETTE.search(fbefore):
                continue
            if low in ("document", "documents") and not _DOCUMENT_COUNT.search(fbefore[-40:]):
                if low == "document":
                    mention = DocMention(sentence=i, start=a, end=b, type="other", noun=noun, plural=False,
                                         anaphoric=_anaphoric(near, fnear))
                    if mention.anaphoric:
                        mention.sectors = _sentence_sectors(text, m.end(), s.start)
                        out.append(mention)
                continue
            if company and (not _has_two_states(ctx, i) or _COMPANY_SUBJECT.search(text)):
                continue
            if _VERBAL.search(fnear) or _NEGATED_LOWER.search(fnear) or _UNLIKELY_LOWER.search(fafter[:80]):
                continue
            if company and places and all(p.kind == "demonym" for p in places if p.kind in ("country", "demonym")):
                continue
            if domestic:
                continue
            count, counted = _count_before(fbefore)
            if noun.endswith("s") and not counted and not _DEFINITE_PLURAL.search(fbefore) \
                    and not _has_two_states(ctx, i) and not _PLURAL_CONTEXT.match(after) \
                    and not _SIGNED_PLURAL.search(fbefore):
                continue  # "new declarations and commitments": a generic plural, not documents
            if noun.endswith("s") and not counted and _EXISTING_LOWER.search(fnear):
                continue  # "strengthen existing agreements": whatever is in force, no one document
            plural = low.endswith("s") and low not in ("mous",) or low in ("memoranda",) or noun.endswith("s")
            if noun.lower() in ("regulations",):
                plural = False
            mention = DocMention(sentence=i, start=a, end=b, type=kind, noun=noun, plural=plural,
                                 count=count if counted else None)
            if counted and count is None:
                mention.count = None
            mention.indefinite = bool(_INDEFINITE_LOWER.search(fnear))
            # "the US terminated an agreement": the article next to the noun decides, not an earlier "the"
            mention.anaphoric = _anaphoric(near, fnear) and not counted and not _ARTICLE_BEFORE.search(fnear)
            weak = i in ctx.headlines
            title, tspan = (None, None) if weak else _find_title(text, s.start, m.start(), m.end(), noun, places)
            if title and tspan and _MONTHS_IN_TITLE.search(title):
                # "the February Louvre agreement": the date before a name is not part of it
                lead_date = _LEADING_DATE.match(title)
                rest = title[lead_date.end():] if lead_date else title
                if lead_date and _RE_CAPITAL_WORD.match(rest) and not _MONTHS_IN_TITLE.search(rest) \
                        and rest.split()[0] not in noun.split() \
                        and not _only_places(ctx.shadow, s.start + tspan[0] + lead_date.end(), a, places):
                    title, tspan = rest, (tspan[0] + lead_date.end(), tspan[1])
                else:
                    title, tspan = None, None
            if title and _GENERIC_TITLE_WORD.fullmatch(title.split()[0]) and not _JOINT_TITLE.match(title):
                title = None
            if title and title.lower().startswith(historic_prefixes):
                continue
            if title and _PARTY_TITLE.search(title):
                continue
            if title and counted and count:
                title = None
            mention.title = title
            mention.weak = weak
            if tspan:
                mention.title_span = (s.start + tspan[0], s.start + tspan[1])
            if not (has_event or title or counted):
                sector = _headline_sector(before) if weak else None
                if sector:
                    # "Treasury Announces Tied-Aid Pact": no document of its own, but it says what the body's covers
                    mention.sector_only = True
                    mention.sectors = [(sector, a - len(sector) - 1, a - 1)]
                    out.append(mention)
                continue
            sector = None
            if not title:  # a modifier is an area only of an untitled document (see below)
                sector = _headline_sector(before) if weak else _modifier_sector(before)
            if title and mention.title_span:
                mention.sectors += _title_sectors(title, noun, mention.title_span[0])
            if not title or not mention.title_span or mention.title_span[1] <= b:
                mention.sectors += _sentence_sectors(text, m.end(), s.start)
                further = _further_topic(text, mention.sectors, s.start)
                if further:
                    mention.topic_break = len(mention.sectors)
                    mention.sectors += further
            elif mention.title_span[1] < s.end:
                mention.sectors += _sentence_sectors(text, mention.title_span[1] - s.start, s.start)
            if sector and not title and not set(sector.split()) <= {w for x in mention.sectors for w in x[0].split()}:
                # "a forest pact on illegal logging": the modifier is an area of its own, unless the
                # content names it anyway ("a tax treaty to exchange tax information")
                mention.sectors.insert(0, (sector, a - len(sector) - 1, a - 1))
            if mention.sectors and places:
                # "Under the agreement ..., Japan and West Germany would ...": the parties are no area
                mention.sectors = [x for x in mention.sectors
                                   if not (x[1] < x[2] and _only_places(ctx.shadow, x[1], x[2], places))]
            of = _OF_SUBJECT.match(after) if kind == "plan" and not title else None
            if of and not mention.sectors:
                # "the concept of military cooperation", "a programme of joint exercises"
                mention.sectors = _sectors_from(after[of.end():], a + len(noun) + of.end())
            if status_low is None:
                status_low = status_text.lower()
            mention.status = _status(status_text, m.start() + len(status_text) - len(text), kind, status_low)
            mention.lead = lead
            out.append(mention)
    return _drop_appositions(out)


# "the parties approved ...": the signatories, not political parties.
_SIGNATORY_PARTIES = re.compile(r"(?i)\b(?:the|both|two|all|contracting|signatory)\s+(?:two\s+|three\s+|contracting\s+)?parties\b")
_SIGNATORY_LOWER = lowered(_SIGNATORY_PARTIES.pattern)
_NEGATED = re.compile(r"(?i)\b(?:did not|didn't|not|no|never|without|refused to|failed to|close to|"
                      r"(?:expressed|emphasi[sz]ed|confirmed|voiced|reiterated|stressed)\s+(?:their|its|his|her))\b[^,.;]{0,30}$")
_UNLIKELY = re.compile(r"(?i)^[^.;]{0,50}\b(?:unlikely|impossible|little prospect|no prospect)\b")
_NEGATED_LOWER = lowered(_NEGATED.pattern)
_UNLIKELY_LOWER = lowered(_UNLIKELY.pattern)
_COMPANY_SUBJECT = re.compile(
    r"(?i)\b(?:businessmen|business council|companies|company|firms|firm|corporation|giant|group|club|FC)\b[^.;]{0,40}?"
    r"\b(?:signed|agreed|reached|struck|entered|inked)\b"
)
def _only_places(text: str, start: int, end: int, places: list[Place]) -> bool:
    """Every word of ``text[start:end]`` but "and", "the" is in a country, organisation or city name."""
    inside = sorted((p for p in places if p.kind in ("country", "demonym", "org", "group", "city")
                     and p.start < end and p.end > start), key=lambda p: p.start)
    if not inside:
        return False
    pos = start
    for p in inside:
        if p.start > pos and not _PLACE_GLUE.fullmatch(text[pos:p.start]):
            return False
        pos = max(pos, p.end)
    return pos >= end or _PLACE_GLUE.fullmatch(text[pos:end]) is not None


_PLACE_GLUE = re.compile(r"(?:\s|,|'s|’s|\band\b|\bthe\b)*")
_LEADING_DATE = re.compile(
    r"(?:(?:January|February|March|April|May|June|July|August|September|October|November|December|Last)(?:'s|’s)?"
    r"(?:\s+\d{1,2},?)?(?:\s+(?:19|20)\d\d)?\s+)+")
_RE_CAPITAL_WORD = re.compile(r"[A-Z][\w'’.-]*\s")
_MONTHS_IN_TITLE = re.compile(
    r"\b(?:January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|Last|Today|Any|Such|Its|Their)\b"
)


def _has_two_states(ctx: ArticleContext, i: int) -> bool:
    codes = {p.key for p in ctx.places[i] if p.kind in ("country", "demonym")}
    return len(codes) >= 2


def _drop_appositions(mentions: list[DocMention]) -> list[DocMention]:
    """"This roadmap, known as the Tianjin Declaration" is one document: keep the named one."""
    out: list[DocMention] = []
    for m in mentions:
        nxt = next((n for n in mentions if n.sentence == m.sentence and n.start > m.end
                    and n.start - m.end < 30 and n.title), None)
        if m.anaphoric and nxt is not None and not m.title:
            continue
        out.append(m)
    return out


_RE_STATUS_1 = re.compile(r"(?i)\badopt\w*\b")
_RE_STATUS_2 = re.compile(r"(?i)\b(?:signed|inked|concluded|ratified|in force|in effect)\b")
_RE_STATUS_3 = re.compile(r"(?i)\bsigned\b")
_RE_STATUS_4 = re.compile(r"[,;]")


def _status(text: str, pos: int, kind: AgreementType, low: str | None = None) -> AgreementStatus | None:
    """The status cue nearest the noun at ``pos`` (within 70 characters), else the verb of a long
    clause it heads or ends with no comma between ("A protocol to limit ... could be signed"), else None.

    A declaration, communique or statement quoted as a source ("according to a joint
    statement") has been issued; talks that are over ("after negotiations") are no
    negotiating cue; "signed and issued" is signed. ``low`` is ``text.lower()``, when the caller
    has it (once per sentence).
    """
    if kind in _DECLARATIVE_TYPES and _QUOTED_SOURCE.search(text[max(0, pos - 40):pos]):
        return "adopted"
    best: tuple[int, AgreementStatus] | None = None
    fallback: tuple[int, AgreementStatus] | None = None
    signed_near = False
    # only cues that can win are scanned: near the noun, or before it with no comma in between
    comma = max(text.rfind(",", 0, pos), text.rfind(";", 0, pos))
    lo, hi = max(0, min(pos - 130, comma + 1)), min(len(text), pos + 130)
    if low is None:
        low = text.lower()
    rules = _STATUS_RULES_LOWER if len(low) == len(text) else _STATUS_RULES
    # A rule none of whose cue words is in the window cannot match there. (The window is a
    # slice of ``low``, so no separate test of the whole sentence is needed first.)
    window = low[lo:hi] if rules is _STATUS_RULES_LOWER else None
    for status, pattern in rules:
        if status == "agreed" and kind in _DECLARATIVE_TYPES:
            continue
        if window is not None and not any(w in window for w in _STATUS_WORDS[status]):
            continue
        for cue in pattern.finditer(low if rules is _STATUS_RULES_LOWER else text, lo, hi):
            if status == "negotiating" and _TALKS_OVER.search(text[max(0, cue.start() - 40):cue.start()]):
                continue
            dist = abs(cue.start() - pos) if cue.start() >= pos else pos - cue.end()
            if status == "signed" and dist <= 30 and cue.group(0).lower() == "signed":
                signed_near = True
            if status in ("terminated", "planned"):
                dist = max(0, dist - 20)
            if dist <= 70 and (best is None or dist < best[0]):
                best = (dist, status)
            elif cue.end() <= pos and status in ("signed", "adopted") and not _RE_STATUS_4.search(text[cue.end():pos]) and (
                    fallback is None or dist < fallback[0]):
                fallback = (dist, status)  # the verb that governs a long object: "signed a variety of ... and ... pacts"
    if best is None:
        best = fallback
    if best is None:
        best = _predicate_after(text, low, pos, rules is _STATUS_RULES_LOWER)
    if best is None:
        return None
    status = best[1]
    if status == "adopted" and signed_near:
        return "signed"
    if status == "signed" and (_FUTURE_SIGNING_LOWER.search(low) if len(low) == len(text) else _FUTURE_SIGNING.search(text)) \
            and not _RE_STATUS_2.search(text):
        return "planned"  # "will welcome them ... before signing the agreement": a gerund of a signing to come
    if status == "signed" and kind in _DECLARATIVE_TYPES and _RE_STATUS_1.search(text) and not _RE_STATUS_3.search(text):
        return "adopted"
    return status


def _predicate_after(text: str, low: str, pos: int, lowered_rules: bool) -> tuple[int, AgreementStatus] | None:
    """The planned or signed verb of a long clause the noun heads, before any comma ("A protocol to
    limit ... could be signed")."""
    comma = _RE_STATUS_4.search(text, pos, pos + 160)
    end = comma.start() if comma else min(len(text), pos + 160)
    window = low[pos:end]
    found: tuple[int, AgreementStatus] | None = None
    for status, pattern in (_STATUS_RULES_LOWER if lowered_rules else _STATUS_RULES):
        if status not in ("planned", "signed") or not any(w in window for w in _STATUS_WORDS[status]):
            continue
        cue = pattern.search(low if lowered_rules else text, pos, end)
        if cue is not None:
            dist = cue.start() - pos - (20 if status == "planned" else 0)
            if found is None or dist < found[0]:
                found = (dist, status)
    return found


_FUTURE_SIGNING = re.compile(r"(?i)\b(?:will|is to|are to|is set to|are set to|is expected to|are expected to)\s+(?:\w+\s+){0,2}"
                             r"(?:sign|meet|welcome|travel|host|hold|attend)\b")
_FUTURE_SIGNING_LOWER = lowered(_FUTURE_SIGNING.pattern)
_STATUS_PRIORITY: tuple[AgreementStatus, ...] = ("terminated", "planned", "signed", "negotiating", "adopted", "agreed")


_QUOTED_SOURCE = re.compile(r"(?i)\b(?:according to|in|said in|under|cited in|quoted in)\s+(?:a|the|their|its)\s+(?:[\w-]+\s+){0,2}$")
_TALKS_OVER = re.compile(r"(?i)\b(?:after|following|concluded|ended|completed|months of|weeks of|years of|days of)\b[^.,;]{0,25}$")


def _draft_status(draft: DocDraft, summit_status: str | None) -> AgreementStatus | None:
    """The first body mention's own cue decides; else the strongest cue of any mention."""
    body = [m for m in draft.mentions if not m.weak]
    found = {m.status for m in draft.mentions if m.status and not m.weak} or {
        m.status for m in draft.mentions if m.status}
    if body and body[0].status and "terminated" not in found:
        # a later "signed" outranks an earlier "adopted"/"agreed" for the same document
        signed_too = any(m.status == "signed" and _compatible_type(m.type, body[0].type) for m in body[1:])
        if body[0].status == "agreed" and not signed_too and any(m.status == "planned" for m in body[1:]):
            return "planned"  # "agreed on the text" ... "will sign it on Friday": the signing is still to come
        return "signed" if body[0].status in ("adopted", "agreed") and signed_too else body[0].status
    for status in _STATUS_PRIORITY:
        if status in found:
            return status
    if summit_status == "planned":
        return "planned"
    return "adopted" if draft.head.type in _DECLARATIVE_TYPES else "agreed"


_FAMILY = {"agreement": "agr", "accord": "agr", "treaty": "agr", "mou": "mou", "protocol": "agr",
           "declaration": "decl", "joint_statement": "decl", "communique": "decl", "plan": "plan",
           "other": "other"}


def _compatible_type(a: AgreementType, b: AgreementType) -> bool:
    return _FAMILY[a] == _FAMILY[b]


def _split_topics(mentions: list[DocMention]) -> list[DocMention]:
    """"joint statements on X, Y and Z" are one statement per topic; "..., as well as on W" splits there."""
    out: list[DocMention] = []
    for m in mentions:
        if not (m.plural and m.count is None and m.type in ("joint_statement", "declaration") and len(m.sectors) > 1):
            out.append(m)
            continue
        k = m.topic_break
        groups = [m.sectors[:k], m.sectors[k:]] if k else [[sector] for sector in m.sectors]
        for group in groups:
            out.append(DocMention(
                sentence=m.sentence, start=m.start, end=m.end, type=m.type, noun=m.noun, plural=False,
                sectors=group, status=m.status, weak=m.weak,
            ))
    return out


def _same_parties(ctx: ArticleContext, a: DocMention, b: DocMention) -> bool:
    pa = {p.key for p in ctx.places[a.sentence] if p.kind in ("country", "org")}
    pb = {p.key for p in ctx.places[b.sentence] if p.kind in ("country", "org")}
    return not pa or not pb or bool(pa & pb)


def cluster_docs(ctx: ArticleContext, mentions: list[DocMention]) -> list[DocDraft]:
    """Merge mentions of one document; counted bundles and distinct titles stay apart.

    Headline mentions are placed last: they join a body record of the same kind,
    and open a record only when the body never names the document again.
    """
    drafts: list[DocDraft] = []
    last_touched: DocDraft | None = None
    pending_docs: list[DocMention] = []
    body = [m for m in _split_topics(mentions) if not m.weak]
    weak = [m for m in mentions if m.weak and not m.sector_only]
    # sentence -> ids of the drafts holding a mention of it so far (by identity: drafts are
    # distinct), kept as mentions are placed rather than rebuilt from every draft per mention
    in_sentence: dict[int, set[int]] = {}
    for m in body:
        target: DocDraft | None = None
        same_sentence = in_sentence.get(m.sentence, set())
        if m.title:
            target = next((d for d in drafts if d.title and _same_title(d.title, m.title)), None)
            if target is None:
                untitled = [d for d in drafts if d.title is None and d.head.type == m.type and not d.head.count
                            and id(d) not in same_sentence]
                if len(untitled) == 1 and (untitled[0].head.sentence >= m.sentence - 2 or _anaphoric_only(untitled[0])
                                           or m.type in ("treaty", "protocol")):
                    target = untitled[0]
        elif m.count:
            target = next((d for d in drafts if d.head.count == m.count
                           and _compatible_type(d.head.type, m.type)), None)
        elif m.noun.lower() == "documents" and (m.anaphoric or m.count is None):
            target = next((d for d in drafts if d.head.count and d.head.noun.lower() == "documents"), None)
            if target is None:
                pending_docs.append(m)
                continue
        elif m.anaphoric and _listed_apart(drafts, m):
            pass  # "approved programmes on X, as well as the concept of Y": a further document
        elif m.anaphoric:
            if m.noun.lower() in ("documents",):
                target = next((d for d in reversed(drafts) if d.head.count), None)
            elif last_touched is not None and last_touched.head.sentence >= m.sentence - 1 and not last_touched.head.count and (
                    _compatible_type(last_touched.head.type, m.type) or m.noun.lower() in ("agreement", "document", "pact", "deal")):
                target = last_touched
            else:
                target = next((d for d in reversed(drafts) if _compatible_type(d.head.type, m.type)
                               and not d.head.count and (d.head.plural == m.plural or not m.plural)), None)
                if target is None and m.noun.lower() in ("document",):
                    target = next((d for d in reversed(drafts) if not d.head.count), None)
        else:
            target = next((d for d in reversed(drafts) if id(d) not in same_sentence
                           and _compatible_type(d.head.type, m.type) and not d.head.count
                           and not (m.indefinite and d.head.type != m.type)
                           and not d.title and d.head.plural == m.plural
                           and (d.head.status == m.status or "terminated" not in (d.head.status, m.status))
                           and _sectors_overlap(d, m) and _same_parties(ctx, d.head, m)), None)
        if target is None:
            if m.noun.lower() == "document":
                continue
            if m.anaphoric and not m.title and m.noun.lower() in ("documents",):
                continue
            target = DocDraft()
            drafts.append(target)
        target.mentions.append(m)
        in_sentence.setdefault(m.sentence, set()).add(id(target))
        last_touched = target
    for m in pending_docs:
        target = next((d for d in drafts if d.head.count and d.head.noun.lower() == "documents"), None)
        if target is None:
            target = DocDraft()
            drafts.append(target)
        target.mentions.append(m)
    for m in weak:
        target = next((d for d in drafts if _compatible_type(d.head.type, m.type)
                       and bool(d.head.count) == bool(m.count)), None)
        if target is None:
            target = next((d for d in drafts if m.count and d.head.count == m.count), None)
        if target is None:
            target = DocDraft()
            drafts.append(target)
        target.mentions.append(m)
    for m in mentions:
        if m.sector_only:
            target = next((d for d in drafts if _compatible_type(d.head.type, m.type) and not d.head.count), None)
            if target is not None:
                target.headline_sectors += m.sectors
    for d in drafts:
        d.mentions.sort(key=lambda x: (x.weak, x.start))
    return drafts


def _sectors_overlap(d: DocDraft, m: DocMention) -> bool:
    """Two indefinite mentions are one document unless they name different subjects."""
    mine = {w.lower() for sec in m.sectors for w in sec[0].split() if len(w) > 3 or w.isupper()}
    theirs = {w.lower() for x in d.mentions for sec in x.sectors for w in sec[0].split() if len(w) > 3 or w.isupper()}
    return not mine or not theirs or bool(mine & theirs)


def _listed_apart(drafts: list[DocDraft], m: DocMention) -> bool:
    """A definite item with its own subject, listed in the sentence of a document on another subject."""
    if not m.sectors:
        return False
    here = [d for d in drafts if d.mentions[-1].sentence == m.sentence and any(x.sectors for x in d.mentions)]
    return bool(here) and not any(_sectors_overlap(d, m) for d in here)


def _anaphoric_only(d: DocDraft) -> bool:
    return all(m.anaphoric or not m.indefinite for m in d.mentions) and d.head.anaphoric


_RE_TITLE_WORD = re.compile(r"[a-z0-9']+")
_TITLE_NOUNS = frozenset(["agreement", "treaty", "declaration", "protocol", "accord"])


@lru_cache(maxsize=1024)
def _title_keys(title: str) -> tuple[frozenset[str], str]:
    """The distinctive words of a title and its first word, lower-cased.

    Cached: clustering compares each titled mention with every titled draft, so the
    same few titles are taken apart over and over.
    """
    keys = frozenset(_RE_TITLE_WORD.findall(title.lower())) - _SMALL_WORDS - _TITLE_NOUNS
    words = title.split()
    return keys, words[0].lower() if words else ""


def _same_title(a: str, b: str) -> bool:
    (ka, first_a), (kb, first_b) = _title_keys(a), _title_keys(b)
    if not ka or not kb:
        return False
    small, big = (ka, kb) if len(ka) <= len(kb) else (kb, ka)
    return ka == kb or (small <= big and (len(small) >= 2 or first_a == first_b
                                          or any(w.isupper() or len(w) <= 4 for w in small)))


# --- record assembly -----------------------------------------------------------------


_RE_PARTIES_1 = re.compile(r"(?i)\b(?:against|over|despite|unlike|except)\s+(?:the\s+)?$")
_RE_PARTIES_2 = re.compile(r"\s+and\s+")
_RE_PARTIES_3 = re.compile(r"(?i)\b(?:the two|both)\s+(?:countries|sides|nations|governments|states)\b")
_RE_PARTIES_4 = re.compile(r"(?i)\b(?:in|at|to|from|into)\s+(?:the\s+)?$")
_RE_PARTIES_5 = re.compile(r"\s*(?:,|and)\s*$")
_RE_PARTIES_6 = re.compile(r"^\s*[-–]\s*")
_RE_PARTIES_7 = re.compile(r"[-–]\s*$")
_RE_PARTIES_8 = re.compile(r"(?i)\b(?:between|with|and)\s")


def _parties(ctx: ArticleContext, draft: DocDraft) -> list[str]:
    gaz = ctx.gaz
    codes: list[str] = []

    def add(code: str | None) -> None:
        if code and code not in codes:
            codes.append(code)

    def add_place(p: Place) -> None:
        if p.kind in ("country", "demonym"):
            add(p.key)
        elif p.kind in ("org", "group"):
            org = gaz.org(p.key)
            if org.expand:
                for c in org.members:
                    add(c)
            elif org.code:
                add(org.code)

    for m in draft.mentions[:3]:
        s = ctx.sentences[m.sentence]
        text = ctx.sentence_text(m.sentence)
        places = [p for p in ctx.places[m.sentence] if p.kind != "city"]
        # compound modifier: "U.S.-Japan pact", "EU-US", "Thailand-Cambodia peace deal"
        for p in places:
            if p.end <= m.start and m.start - p.end <= 40:
                gap = ctx.shadow[p.end:m.start]
                if _RE_PARTIES_6.match(gap) or _RE_PARTIES_7.search(ctx.shadow[max(s.start, p.start - 2):p.start]):
                    add_place(p)
        # subject pair before the verb, "between X and Y", "with X"
        for p in places:
            rel = p.start - s.start
            if p.kind == "demonym" and not re.match(r"\s+(?:President|Prime|Premier|Chancellor|leader|and)\b",
                                                    ctx.shadow[p.end:p.end + 20], re.IGNORECASE):
                continue
            if _RE_PARTIES_4.search(text[:rel]) and not _RE_PARTIES_8.search(text[max(0, rel - 8):rel]):
                continue
            if _RE_PARTIES_1.search(text[:rel]):
                continue
            add_place(p)
        if not codes:
            for person in ctx.people[m.sentence]:
                if person.country and person.leader:
                    add(person.country)
        # capitals as metonyms in a pair: "Riyadh and Tehran agreed"
        cities = [p for p in ctx.places[m.sentence] if p.kind == "city"]
        for x, y in pairwise(cities):
            if _RE_PARTIES_2.fullmatch(ctx.shadow[x.end:y.start]):
                add(x.key)
                add(y.key)
        for c in cities:
            if _RE_PARTIES_5.match(ctx.shadow[max(s.start, c.start - 6):c.start]) and any(
                    p.end <= c.start and c.start - p.end <= 6 for p in places if p.kind == "country"):
                add(c.key)
        if len(codes) < 2 and _RE_PARTIES_3.search(text):
            for code in _article_parties(ctx):
                if code in ctx.gaz.countries or len(code) == 2:
                    add(code)
                if len(codes) >= 2:
                    break
        if codes:
            break
    return codes


_DATED_BEFORE = lowered(
    r"(?i)\b(?:January|February|March|April|May|June|July|August|September|October|November|"
    r"December|last year's|previous|earlier|former|original|old)\s+(?:[A-Z][\w-]*\s+)?$")


_RE_SUMMIT_LINK_1 = re.compile(r"(?i)\b(?:in|at)\s+[A-Z]")


def _summit_link(ctx: ArticleContext, draft: DocDraft, summits: list[tuple[SummitDraft, Summit]],
                 status: AgreementStatus | None) -> tuple[SummitDraft, Summit] | None:
    if not summits:
        return None
    head_text = ctx.sentence_lower(draft.head.sentence)[: draft.head.start - ctx.sentences[draft.head.sentence].start]
    # the pattern is end-anchored and spans three tokens at most ("last year's" and a name)
    if _DATED_BEFORE.search(head_text, tail_start(head_text, 3)):
        return None  # a document with its own, earlier date ("the February Louvre agreement")
    best: tuple[int, tuple[SummitDraft, Summit]] | None = None
    # the sentences a summit mention must share with the document (its own, or its list's lead)
    near = {dm.sentence for dm in draft.mentions} | {dm.lead for dm in draft.mentions if dm.lead is not None}
    for sd, rec in summits:
        for sm in sd.mentions:
            if sm.sentence not in near:
                continue
            for dm in draft.mentions:
                if sm.sentence in (dm.sentence, dm.lead):
                    dist = abs(sm.start - dm.start)
                    if best is None or dist < best[0]:
                        best = (dist, (sd, rec))
    if best is not None:
        return best[1]
    primary = max(summits, key=lambda t: len(t[0].mentions))
    psum = primary[1]
    if draft.head.signed_on is not None or _has_other_year(ctx, draft, psum):
        return None
    own_place = _RE_SUMMIT_LINK_1.search(ctx.sentence_text(draft.head.sentence)[
        draft.head.end - ctx.sentences[draft.head.sentence].start:][:25])
    if psum.status in ("held", "ongoing") and (status in ("signed", "adopted") or (status == "agreed" and not own_place)):
        return primary
    if psum.status == "planned" and status == "planned":
        return primary
    return None


def _has_other_year(ctx: ArticleContext, draft: DocDraft, summit: Summit) -> bool:
    for m in draft.mentions[:1]:
        for d in ctx.dates[m.sentence]:
            if ctx.ref.year and d.year and d.year > ctx.ref.year:
                continue  # a term or target year ("for 2026-2028", "until 2030"), not when it was signed
            if d.year and summit.year and d.year != summit.year:
                return True
            if d.year and summit.year is None and d.month:
                return True
    return False


_LEADING_ON = re.compile(r"\s*On\s+")
_RE_SIGNED_ON_2 = re.compile(r"(?i)\b(?:signed|issued|adopted|of)\s+(?:\w+\s+){0,3}$")
_RE_SIGNED_ON_3 = re.compile(r"(?i)\bsign\w*|\bissu\w+|\badopt\w*")
_RE_SIGNED_ON_5 = re.compile(r"(?i)\b(?:sign\w*|issu\w+|adopt\w*)\b[^.]{0,30}$")
_RE_SIGNED_ON_6 = re.compile(r"(?i)^[^.]{0,12}\b(?:sign\w*|issu\w+)")
_RE_SIGNED_ON_7 = re.compile(r"(?i)\b(?:today|yesterday)(?:'s|’s)\s*$")
_RE_SIGNED_ON_8 = re.compile(r"(?i)\bon\s*$")


def _signed_on(ctx: ArticleContext, draft: DocDraft, status: AgreementStatus | None) -> tuple[date, int, int] | None:
    """Day the document was signed or issued: a date next to the noun or its signing verb."""
    if status not in ("signed", "adopted", "agreed"):
        return None
    for m in draft.mentions[:3]:
        s = ctx.sentences[m.sentence]
        text = ctx.sentence_text(m.sentence)
        anchor = (m.title_span[1] if m.title_span else m.end) - s.start
        best: tuple[int, date, int, int] | None = None
        for d in ctx.dates[m.sentence]:
            if d.day is None and d.relative is None:
                continue
            rel = d.start - s.start
            dist = rel - anchor if rel >= anchor else anchor - (d.end - s.start)
            lead_on = _LEADING_ON.match(text) is not None and rel <= 4
            sign_near = _RE_SIGNED_ON_2.search(text[:rel]) is not None
            if d.relative and not _RE_SIGNED_ON_5.search(text[:rel]) and not _RE_SIGNED_ON_6.search(text[d.end - s.start:]) and not _RE_SIGNED_ON_7.search(text[:anchor]):
                continue
            if not (lead_on or sign_near or d.relative or (dist <= 40 and _RE_SIGNED_ON_8.search(text[:rel]))):
                continue
            r = resolve(d, ctx.ref, past=True)
            if r is not None and (best is None or dist < best[0]):
                best = (dist, r[0], d.start, d.end)
        if best is None and m.sentence > 0:
            prev = ctx.sentence_text(m.sentence - 1)
            lead = _LEADING_ON.match(prev)
            if lead and _RE_SIGNED_ON_3.search(text):
                for d in ctx.dates[m.sentence - 1]:
                    if d.start - ctx.sentences[m.sentence - 1].start <= 4 and d.day:
                        r = resolve(d, ctx.ref, past=True)
                        if r is not None:
                            return r[0], d.start, d.end
        if best is not None:
            return best[1], best[2], best[3]
    for m in draft.mentions[3:]:
        # further on, only a sentence that dates the signing itself: "On June 15, A and B signed the X"
        s = ctx.sentences[m.sentence]
        text = ctx.sentence_text(m.sentence)
        if not _SIGNED_VERB.search(text):
            continue
        for d in ctx.dates[m.sentence]:
            rel = d.start - s.start
            if d.day is None or not ((rel <= 4 and _LEADING_ON.match(text)) or _SIGNED_BEFORE.search(text[:rel])):
                continue
            r = resolve(d, ctx.ref, past=True)
            if r is not None:
                return r[0], d.start, d.end
    return None


_SIGNED_VERB = re.compile(r"(?i)\b(?:signed|inked)\b")
_SIGNED_BEFORE = re.compile(r"(?i)\b(?:signed|inked)\s+(?:[\w-]+\s+){0,3}?(?:on\s+)?$")


_RE_BUILD_AGREEMENTS_1 = re.compile(r"(?i)\binternational\b")


def build_agreements(ctx: ArticleContext, summits: list[tuple[SummitDraft, Summit]]) -> list[Agreement]:
    """Agreement records for the article.

    Args:
        ctx: The analysed article.
        summits: The summit drafts and records already found, for linking.

    Returns:
        One record per distinct document or counted bundle, in order of first mention.
    """
    drafts = cluster_docs(ctx, find_doc_mentions(ctx))
    out: list[Agreement] = []
    previous_parties: list[str] = []
    primary = max(summits, key=lambda t: len(t[0].mentions))[1] if summits else None
    for draft in drafts:
        head = draft.head
        title = draft.title
        dtype: AgreementType = next((m.type for m in draft.mentions if m.title), _usual_type(draft))
        status = _draft_status(draft, primary.status if primary else None)
        signed = _signed_on(ctx, draft, status)
        head.signed_on = signed
        if signed is not None and status == "agreed" and (ctx.ref.year is None or signed[0].year < ctx.ref.year):
            status = "signed"  # a document dated in an earlier year was signed then
        link = _summit_link(ctx, draft, summits, status)
        if head.anaphoric and not title and head.count is None and not link and not _anaphor_allowed(ctx, draft, status):
            continue
        parties = list(link[1].participants) if link else _parties(ctx, draft)
        if link:
            parties += [c for c in _joiners(ctx, head) if c not in parties]
        if not parties and not title:
            parties = previous_parties or _article_parties(ctx)
        elif not parties and head.lead is not None:
            parties = _article_parties(ctx)
        if not parties and not title and not link and not _RE_BUILD_AGREEMENTS_1.search(ctx.sentence_text(head.sentence)):
            continue
        if len(parties) == 1 and not title and not link and parties[0] in ctx.gaz.countries and (
                head.weak or _DOMESTIC_HINT.search(ctx.sentence_text(head.sentence))):
            continue  # one state alone: a domestic measure or a unilateral pledge
        if len(parties) >= 2:
            previous_parties = parties
        sectors: list[tuple[str, int, int]] = []
        for m in draft.mentions:
            for sec in m.sectors:
                if m.weak and _named_already(sec[0], sectors):
                    continue  # the headline's shorthand for an area the body names ("textile" and "textile exports")
                if sec[0].lower() not in {x[0].lower() for x in sectors}:
                    sectors.append(sec)
        sectors += [sec for sec in draft.headline_sectors if not _named_already(sec[0], sectors)]
        if signed is None and link is not None:
            srec = link[1]
            if srec.start_date and srec.start_date == srec.end_date and status in ("signed", "adopted"):
                signed = (srec.start_date, -1, -1)
        values: list[ValueSpan] = []
        if title and head.title_span:
            tm = draft.named
            assert tm is not None and tm.title_span is not None
            a, b = tm.title_span
            values.append(ValueSpan(field="title", value=title, span=Span(start=a, end=b, text=ctx.text[a:b])))
        values.append(ValueSpan(field="type", value=dtype, span=Span(start=head.start, end=head.end,
                                                                      text=ctx.text[head.start:head.end])))
        for sector, a, b in sectors:
            if 0 <= a < b:
                values.append(ValueSpan(field="sectors", value=sector, span=Span(start=a, end=b, text=ctx.text[a:b])))
        if signed is not None and signed[1] >= 0:
            values.append(ValueSpan(field="signed_on", value=signed[0].isoformat(),
                                    span=Span(start=signed[1], end=signed[2], text=ctx.text[signed[1]:signed[2]])))
        evidence = tuple(ctx.sentences[i].span() for i in sorted({m.sentence for m in draft.mentions}))
        out.append(Agreement(
            title=title, type=dtype if not (head.count and head.noun.lower() == "documents") else "other",
            count=draft.count or 1, parties=tuple(parties), sectors=tuple(s[0] for s in sectors), status=status,
            summit=link[0].ref if link else None, signed_on=signed[0] if signed else None,
            evidence=evidence, values=tuple(values), confidence=_confidence(draft, title, link is not None),
        ))
    return out


_JOINED_LOWER = lowered(
    r"(?i)\b(?:also|too)\s+(?:\w+\s+)?(?:signed|joined|endorsed|signed on)\b|\b(?:joined|signed on)\s+(?:with|to)\b")


def _joiners(ctx: ArticleContext, m: DocMention) -> list[str]:
    """Countries that join a summit's document beyond its members: "India and Mexico also signed on"."""
    s = ctx.sentences[m.sentence]
    cue = _JOINED_LOWER.search(ctx.sentence_lower(m.sentence))
    if cue is None:
        return []
    return [p.key for p in ctx.places[m.sentence] if p.kind == "country" and p.end - s.start <= cue.start()]


def _usual_type(draft: DocDraft) -> AgreementType:
    """The noun the body uses most for an untitled document ("a peace treaty" once, "the agreement" thrice)."""
    body = [m.type for m in draft.mentions if not m.weak] or [draft.head.type]
    return max(dict.fromkeys(body), key=body.count)


def _anaphor_allowed(ctx: ArticleContext, draft: DocDraft, status: AgreementStatus | None) -> bool:
    """A record first met as "the agreement" is kept when the text says what it is about or what befell it."""
    head = draft.head
    if head.sectors or len(draft.mentions) >= 3 or status in ("terminated", "negotiating", "signed"):
        return True
    return status == "adopted" and head.type in ("communique", "declaration", "joint_statement")


_DOMESTIC_HINT = re.compile(r"(?i)\b(?:cabinet|budget\w*|coalition|parliament|party|domestic|pledg\w+|unilateral)\b")


def _article_parties(ctx: ArticleContext) -> list[str]:
    """States or blocs the article opens with, for documents whose own sentence names none."""
    codes: list[str] = []
    for i in range(min(3, len(ctx.sentences))):
        for p in ctx.places[i]:
            if p.kind in ("country", "demonym"):
                key: str | None = p.key
            elif p.kind == "org":
                org = ctx.gaz.org(p.key)
                if org.expand:
                    for c in org.members:
                        if c not in codes:
                            codes.append(c)
                    continue
                key = org.code
            else:
                continue
            if key and key not in codes:
                codes.append(key)
        for person in ctx.people[i]:
            if person.country and person.country not in codes:
                codes.append(person.country)
    return codes


def _confidence(draft: DocDraft, title: str | None, linked: bool) -> float:
    score = 0.55 + (0.2 if title else 0.0) + (0.1 if linked else 0.0) + 0.05 * min(2, len(draft.mentions) - 1)
    return round(min(score, 0.99), 2)


__all__ = ["DocMention", "build_agreements", "cluster_docs", "find_doc_mentions"]
