"""Summit records: find "summit" mentions, name their series, merge, fill the fields.

A mention is named by what sits in its noun phrase ("the second China-Central Asia
Summit", "next month's OAU summit"), by an of-phrase after it ("a summit of the heads
of state of the CSTO"), or, for a bare "the summit", by the summit already
under discussion. Mentions of one series with compatible edition/year merge into
one record; earlier editions referred back to stay separate records.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

from extractors.context import ArticleContext
from extractors.dates import resolve
from extractors.entities import PersonMention, Place
from extractors.fold import lowered
from extractors.records import Person, Span, Summit, SummitStatus, ValueSpan, summit_ref

ORDINALS: dict[str, int] = {
    "first": 1, "inaugural": 1, "first-ever": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5,
    "sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12,
    "thirteenth": 13, "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17,
    "eighteenth": 18, "nineteenth": 19, "twentieth": 20,
}
_ORDINAL = re.compile(
    r"(?i)\b(?:(?P<num>\d{1,3})(?:st|nd|rd|th)|(?P<word>" + "|".join(ORDINALS) + r"))\b(?![-\s]anniversary)"
)
_TRIGGER = re.compile(
    r"(?i)\bsummit(?:s|ry)?\b|\b(?:meeting|session)\s+of\s+the\s+Council\s+of\s+(?:the\s+)?Heads\s+of\s+State\b"
)
_TRIGGER_LOWER = lowered(_TRIGGER.pattern)
# Lower-case patterns that match wherever _TRIGGER does (and more), each starting with a
# literal so the regex engine can skip ahead: the extractor's prefilter.
TRIGGER_CUES = (r"summit", r"council\s+of\s+(?:the\s+)?heads\s+of\s+state")
_MOUNTAIN = re.compile(
    r"(?i)(?:\b(?:reach\w*|climb\w*|ascen\w*|scal\w+|top|atop|descen\w*)\s+(?:to\s+)?the\s+summit\b|"
    r"\bsummit\s+of\s+(?:Mount|Mt\.?|Peak|the\s+(?:mountain|peak|hill|chart|charts))\b|"
    r"\d[\d,.]*\s*-?(?:metre|meter|m|ft|foot|feet)\s+summit|summit\s+(?:clash|clashes|showdown|push|attempt|ridge|day)|"
    r"\b(?:album|chart|singles?)\s+summit)"
)
_COMPANY = re.compile(
    r"\bSummit\s+(?:Petroleum|Corp|Inc|Co\b|Capital|Group|Partners|Bank|Energy|Materials|Hotel|"
    r"Entertainment|Media|Health|Financial|Properties|Midstream|Therapeutics|Wireless|Holdings)|<Summit"
)
# Words that, directly before "summit", make it a non-governmental event.
_INDUSTRY = re.compile(
    r"(?i)\b(?:business|investor|investors|investment|industry|tech|technology|HDTV|TV|mobile|web|"
    r"games?|gaming|marketing|media|CEO|company|startup|crypto|retail|music|sports?|fashion|"
    r"innovation|beauty|education|youth|women's|health|security\s+industry)\s*$"
)
_DETERMINER = frozenset(["the", "a", "an", "this", "that", "these", "those", "its", "their", "his", "her", "our", "your", "my"])
_NP_WORDS = frozenset(
    ["annual", "historic", "historical", "two-day", "three-day", "one-day", "presidential", "inaugural", "first-ever", "leaders", "leaders'", "leaders’", "heads-of-state", "virtual", "extraordinary", "emergency", "informal", "special", "trilateral", "bilateral", "regional", "joint", "upcoming", "recent", "next", "last", "previous", "latest", "planned", "proposed", "forthcoming", "landmark", "high-level", "key", "major", "important", "twice-yearly", "full-fledged", "summit-level", "much-anticipated", "expanded", "big", "regular", "official", "annual-level", "peace", "state"]
)
_NP_PHRASES = re.compile(
    r"(?i)(?:heads\s+of\s+state(?:\s+and\s+(?:of\s+)?government)?|leaders[’']?)\s*$"
)
_STOP_CAPS = frozenset(
    ["Following", "After", "Before", "Ahead", "At", "In", "On", "Of", "For", "To", "With", "From", "By", "As", "And", "Or", "But", "Signed", "Sign", "Signs", "Adopted", "Adopt", "Adopts", "Attends", "Attend", "Attended", "Host", "Hosts", "Hosted", "Begin", "Begins", "Began", "Open", "Opens", "Opened", "Hold", "Holds", "Held", "Leaders", "Heads", "End", "Ends", "Ended", "Says", "Said", "Told", "Will", "Would", "Meet", "Meets", "Met", "Set", "During", "Amid", "Over", "Under", "Into", "Documents", "Declaration", "Agreement", "Agreements", "Treaty", "Deal", "Statement", "Wins", "Backs", "Calls", "Returns", "Is", "Are", "Was", "Were", "Be", "Been", "Being", "It", "Its", "Their", "His", "Her", "This", "That", "The", "A", "An", "New"]
)
_PLANNED = re.compile(
    r"(?i)\b(?:will|shall|to be held|is to|are to|to host|to attend|set to|due to|expected to|"
    r"plans? to|planned|scheduled|upcoming|next (?:week|month|year)|next month's|ahead of|"
    r"prepar\w* for|propose[sd]?|to take place|in preparation for|forthcoming|would take place|"
    r"invited to|yet to be|in time for)\b"
)
_ONGOING = re.compile(
    r"(?i)\b(?:opens|opened in|opening|begins|began|is meeting|are meeting|under ?way|wrapping up|"
    r"gathered|gather|is being held|are being held|are attending|is attending|gets under way|kicks off|"
    r"kicked off|meeting this week)\b"
)
_HELD = re.compile(
    r"(?i)\b(?:was held|were held|took place|held|concluded|ended|adopted|signed|attended|returned|"
    r"following the|after the|post-summit|resulted|took part|took|last (?:week|month|year)|"
    r"recent(?:ly)?|previous|earlier|was|were|had|met|agreed|issued|approved)\b"
)
_RECENCY = re.compile(
    r"(?i)\b(?:today|yesterday|this week|last week|on (?:Monday|Tuesday|Wednesday|Thursday|Friday|"
    r"Saturday|Sunday)|recently|this month|last month)\b"
)
_BACKREF = re.compile(r"(?i)\b(?:last year's|previous|last|earlier|prior|past|recent)\s*$")
_TWO_DAY = re.compile(r"(?i)\b(two|three|four)-day\b")
_PARTICIPATION = re.compile(
    r"(?i)\b(?:leaders?|presidents?|heads?|attend\w*|take part|took part|taking part|participa\w+|"
    r"represented|joined|meet|met|with the|together|gather\w*|signatories|signed|members?)\b"
)

MentionKind = Literal["named", "host", "bare", "proper"]


@dataclass(slots=True)
class Part:
    """One side of a summit name: a country, organisation or group, with its label."""

    kind: str
    key: str
    label: str
    pos: int


@dataclass(slots=True)
class SummitMention:
    sentence: int
    start: int
    end: int
    kind: MentionKind
    parts: list[Part]
    name: str | None = None
    edition: int | None = None
    year: int | None = None
    city: str | None = None
    city_span: tuple[int, int] | None = None
    country: str | None = None
    dates: tuple[date, date] | None = None
    month_day: tuple[tuple[int, int], tuple[int, int]] | None = None
    """Day-level date without needing a year, for planned/held against the dateline."""
    date_role: str = "both"
    backref: bool = False


@dataclass(slots=True)
class SummitDraft:
    """A summit record being assembled from its mentions."""

    name: str
    parts: list[Part]
    mentions: list[SummitMention] = field(default_factory=list)
    edition: int | None = None
    year: int | None = None

    @property
    def sentences(self) -> list[int]:
        return sorted({m.sentence for m in self.mentions})

    @property
    def ref(self) -> str:
        return summit_ref(self.name, self.edition, self.year)


# --- mention parsing -----------------------------------------------------------------


def _masked(text: str, start: int, places: tuple[Place, ...] | list[Place]) -> str:
    """Sentence text with gazetteer mentions blanked to NUL, so token scans skip them whole."""
    chars = list(text)
    for p in places:
        for i in range(p.start - start, p.end - start):
            if 0 <= i < len(chars):
                chars[i] = "\0"
    return "".join(chars)


_RE_NP_START_1 = re.compile(r"\S+")
_RE_NP_START_2 = re.compile(r"\d+(?:st|nd|rd|th)?-anniversary|\d+%?|[A-Z0-9]+\+\d")
_RE_NP_START_3 = re.compile(r"(?:19|20)\d\d")


def _np_start(masked: str, trig: int) -> int:
    """Start of the noun phrase that ends at ``trig`` (exclusive) in the masked sentence."""
    pos = trig
    lo = max(0, trig - _NP_WINDOW)
    tokens = list(_RE_NP_START_1.finditer(masked[lo:trig]))
    for tok in reversed(tokens):
        word = tok.group(0)
        bare = word.strip("“”\"‘’'(),:;")
        lower = bare.lower()
        if word.endswith((",", ";", ":")) and lo + tok.end() != trig:
            break
        if "\0" in word and set(word.strip("()’'s-–—")) <= {"\0", "-", "–", "—", "+", "/"}:
            pos = lo + tok.start()
            continue
        if bare in ("-", "–", "—", "/", "&") or lower in ("and",) and pos < trig:
            pos = lo + tok.start()
            continue
        if _ORDINAL.fullmatch(lower) or _RE_NP_START_3.fullmatch(bare) or lower in ORDINALS:
            pos = lo + tok.start()
            continue
        if lower in _NP_WORDS or lower.rstrip("’'") in ("leaders", "heads-of-state"):
            pos = lo + tok.start()
            continue
        if _RE_NP_START_2.fullmatch(bare):
            pos = lo + tok.start()
            continue
        if bare[:1].isupper() and bare not in _STOP_CAPS and not word.endswith(("'s", "’s")):
            pos = lo + tok.start()
            continue
        if "\0" in word and word.endswith(("'s", "’s")) and not _DETERMINER & {lower}:
            pos = lo + tok.start()  # "China’s summit" keeps the host in the phrase
            continue
        break
    # "heads of state and government summit"
    m = _NP_PHRASES.search(masked[:pos])
    if m and pos - m.end() <= 1:
        pos = m.start()
        return _np_start(masked, pos) if pos < trig else pos
    return pos


def _place_parts(ctx: ArticleContext, places: list[Place]) -> list[Part]:
    parts: list[Part] = []
    for p in places:
        if p.kind in ("country", "demonym"):
            parts.append(Part("country", p.key, ctx.gaz.short_name(p.key), p.start))
        elif p.kind in ("org", "group"):
            org = ctx.gaz.org(p.key)
            label = org.code or p.surface
            if org.code is None and org.series:
                label = org.series.removesuffix(" Summit")
            elif org.code is None:
                label = p.surface.removeprefix("the ").removeprefix("five ")
            parts.append(Part("org" if org.code else "group", p.key, label, p.start))
        elif p.kind == "city":
            parts.append(Part("city", p.key, p.surface, p.start))
    return parts


def _people_parts(ctx: ArticleContext, sent: int, lo: int, hi: int) -> list[Part]:
    out = []
    for p in ctx.people[sent]:
        if lo <= p.start < hi and p.country and p.leader:
            out.append(Part("country", p.country, ctx.gaz.short_name(p.country), p.start))
    return out


_RE_KNOWN_NAME_PARTS_1 = re.compile(r"[A-Z][\w'’]+")


def _known_name_parts(ctx: ArticleContext, text: str, offset: int) -> list[Part]:
    """Leaders named in a compound ("Reagan-Gorbachev summit") stand for their countries."""
    out = []
    for m in _RE_KNOWN_NAME_PARTS_1.finditer(text):
        code = ctx.gaz.known_people.get(m.group(0))
        if code and code not in ("EU",):
            out.append(Part("country", code, ctx.gaz.short_name(code), offset + m.start()))
    return out


def _dedupe_parts(parts: list[Part]) -> list[Part]:
    seen: set[str] = set()
    out = []
    for p in sorted(parts, key=lambda x: x.pos):
        if p.key in seen:
            continue
        seen.add(p.key)
        out.append(p)
    return out


_RE_PARSE_MENTION_1 = re.compile(r"\s*(?:meetings?\s+)?(?:of|between)\s+(?:the\s+)?(?:(?:Council|council|[Hh]eads?|[Ll]eaders|[Pp]residents|"
        r"[Ss]tates?|[Gg]overnments?|and|of|the)\s+)*(?P<body>[^,.;]{0,90})")
_RE_PARSE_MENTION_2 = re.compile(r"\s*(?:meeting\s+)?with\s+(?P<body>[^,.;]{0,60})")
_RE_PARSE_MENTION_3 = re.compile(r"(?i)\b(?:inaugural|first-ever)\b")
_RE_PARSE_MENTION_4 = re.compile(r"\s+(?:on|for|of)\s+(?:the\s+)?(?:[A-Z][\w'’-]*\s*)+")
_RE_PARSE_MENTION_5 = re.compile(r"\s(?:in|on|at|was|were|will|which|held|took|to|is|are|has|had)\s")
_RE_PARSE_MENTION_6 = re.compile(r"\s*between\b")
_RE_PARSE_MENTION_7 = re.compile(r"\b((?:19|20)\d\d)\b")
_RE_PARSE_MENTION_8 = re.compile(r"\s*(?:meeting\s+)?(?:held\s+)?in\s+((?:19|20)\d\d)\b")
_RE_PARSE_MENTION_9 = re.compile(r"\b(?:take place|took place|be held|was held|held|hosted|convene)\s+in\s+(?P<c>[A-Z][\w'’-]+(?:\s[A-Z][\w'’-]+)?)")
_RE_PARSE_MENTION_10 = re.compile(r"\s*(?:meeting\s+)?(?:was\s+|will\s+be\s+)?(?:held\s+)?in\s+(?:the\s+)?(?P<c>[A-Z][\w'’-]+(?:\s[A-Z][\w'’-]+)?)")
_RE_PARSE_MENTION_11 = re.compile(r"(?:\b[A-Z][a-z][\w'’-]*\s+){1,4}$")
_RE_PARSE_MENTION_12 = re.compile(r"\s*\(([A-Z]{2,})\)")
_RE_PARSE_MENTION_13 = re.compile(r"(?i)\s*(?:the\s+)?(?:last|previous|earlier|recent)\b")
_RE_PARSE_MENTION_14 = re.compile(r"(?i)\b(?:the|a|an|this|that|its|their)\s*$")
_RE_PARSE_MENTION_15 = re.compile(r"\b(?:in|at|of)\s+(?:the\s+)?(?:(?:city|capital|town|resort)\s+(?:of\s+)?|[A-Z][\w’']+\s+(?:capital|city)\s+|"
                    r"[A-Z][\w’']+(?:'s|’s)\s+)?$")
_RE_PARSE_MENTION_16 = re.compile(r"[.;]|\b(?:returned|flew|travel\w*)\b")
# "..., officials in Bonn said": where a source speaks from is not where the summit meets
_REPORTER_IN = re.compile(r"\b(?:officials?|sources?|diplomats?|analysts?|observers|experts|economists|bankers|"
                          r"dealers|traders|correspondents?|reporters|spokes(?:man|woman|person)|newspapers?|"
                          r"agency|radio|television|ministry|embassy)\s+(?:\w+\s+)?(?:in|at)\s+(?:the\s+)?$")
_REPORTED_AFTER = re.compile(r"(?:\s+\w+)?\s+(?:said|say|says|told|reported|reports|quoted)\b")
_RE_PARSE_MENTION_17 = re.compile(r",\s*[A-Z]")


def _parse_mention(ctx: ArticleContext, sent: int, match: re.Match[str]) -> SummitMention | None:
    s = ctx.sentences[sent]
    text = ctx.sentence_text(sent)
    t_start, t_end = match.start(), match.end()
    a_start, a_end = s.start + t_start, s.start + t_end
    places = list(ctx.places[sent])
    masked = _masked(text, s.start, places)
    is_council = not match.group(0).lower().startswith("summit")
    np_from = t_start if is_council else _np_start(masked, t_start)
    np_text = text[np_from:t_start]
    if not is_council:
        if _INDUSTRY.search(np_text) or _COMPANY.search(text[t_start:t_start + 40]) or _COMPANY.search(
                text[max(0, t_start - 1):t_end + 1]):
            return None
        if _MOUNTAIN.search(text[max(0, t_start - 40):t_end + 40]):
            return None
        if match.group(0)[0] == "S" and not np_text.strip() and t_start > 0 and not _RE_PARSE_MENTION_14.search(text[:t_start]):
            return None  # bare capitalised "Summit" as a subject: a company or a name
    np_places = [p for p in places if s.start + np_from <= p.start and p.end <= a_start]
    parts = _place_parts(ctx, [p for p in np_places if p.kind != "city"])
    parts += _known_name_parts(ctx, masked[np_from:t_start], s.start + np_from)
    np_cities = [p for p in np_places if p.kind == "city"]
    # of-phrase after the trigger: "a summit of the heads of state of the CSTO"
    right = text[t_end:]
    of = _RE_PARSE_MENTION_1.match(right)
    if of:
        body_lo = t_end + of.start("body")
        body_hi = t_end + of.end("body")
        cut = _RE_PARSE_MENTION_5.search(text[body_lo:body_hi])
        if cut:
            body_hi = body_lo + cut.start()
        of_places = [p for p in places if s.start + body_lo <= p.start and p.end <= s.start + body_hi
                     and p.kind != "city"]
        parts += _place_parts(ctx, of_places)
        if _RE_PARSE_MENTION_6.match(right):
            parts += _people_parts(ctx, sent, s.start + body_lo, s.start + body_hi)
    with_m = _RE_PARSE_MENTION_2.match(right)
    if with_m:
        lo, hi = s.start + t_end + with_m.start("body"), s.start + t_end + with_m.end("body")
        parts += _people_parts(ctx, sent, lo, hi)
        parts += _place_parts(ctx, [p for p in places if lo <= p.start and p.end <= hi and p.kind in ("country",)])
    parts = _dedupe_parts(parts)
    mention = SummitMention(sentence=sent, start=a_start, end=a_end, kind="bare", parts=parts)
    # edition and year in the noun phrase
    for om in _ORDINAL.finditer(np_text):
        val = int(om["num"]) if om["num"] else ORDINALS[om["word"].lower()]
        mention.edition = val
    if _RE_PARSE_MENTION_3.search(np_text):
        mention.edition = 1
    if is_council:
        ords = list(_ORDINAL.finditer(text[max(0, t_start - 20):t_start]))
        if ords:
            last = ords[-1]
            mention.edition = int(last["num"]) if last["num"] else ORDINALS[last["word"].lower()]
    ym = _RE_PARSE_MENTION_7.search(np_text) or _RE_PARSE_MENTION_8.match(right)
    if ym:
        mention.year = int(ym.group(1))
    mention.backref = bool(_BACKREF.search(text[:np_from].rstrip() + " " + np_text.split(" ")[0])) or bool(
        _RE_PARSE_MENTION_13.match(np_text))
    # city: in the noun phrase ("the Venice summit") or right after ("in Astana")
    city_place = np_cities[-1] if np_cities else None
    if city_place is None:
        for p in places:
            if p.kind == "city" and p.start >= a_end and p.start - a_end <= 120 and _RE_PARSE_MENTION_15.search(ctx.shadow[max(s.start, p.start - 40):p.start]) and not _RE_PARSE_MENTION_16.search(ctx.shadow[a_end:p.start]):
                if _REPORTER_IN.search(ctx.shadow, max(s.start, p.start - 40), p.start) \
                        or _REPORTED_AFTER.match(ctx.shadow, p.end, min(s.end, p.end + 30)):
                    continue
                city_place = p
                break
    if city_place is not None:
        mention.city = _canonical_city(city_place.surface)
        mention.city_span = (city_place.start, city_place.end)
        mention.country = city_place.key
    else:
        tp = _RE_PARSE_MENTION_9.search(right[:160])
        if tp:
            hit = [p for p in places if p.start == a_end + tp.start("c") and p.kind == "country"]
            if hit:
                mention.country = hit[0].key
        cm = _RE_PARSE_MENTION_10.match(right)
        if cm:
            hit = [p for p in places if p.start == a_end + cm.start("c")]
            if hit and hit[0].kind == "country":
                mention.country = hit[0].key
            elif not hit and _RE_PARSE_MENTION_17.match(right[cm.end("c"):cm.end("c") + 3]):
                mention.city = cm.group("c")
                mention.city_span = (a_end + cm.start("c"), a_end + cm.end("c"))
                after = [p for p in places if p.start > a_end + cm.end("c") and p.kind == "country"]
                if after and after[0].start - (a_end + cm.end("c")) < 4:
                    mention.country = after[0].key
    # naming
    country_parts = [p for p in parts if p.kind == "country"]
    org_parts = [p for p in parts if p.kind in ("org", "group")]
    proper_words = _RE_PARSE_MENTION_11.search(text[:t_start]) if match.group(0)[0] == "S" else None
    proper_tail = _RE_PARSE_MENTION_4.match(right)
    if proper_words and proper_tail and not any(
            p.start < s.start + t_start and p.end > s.start + proper_words.start() for p in places):
        mention.kind = "proper"
        mention.name = (proper_words.group(0) + match.group(0) + proper_tail.group(0)).strip()
        acr = _RE_PARSE_MENTION_12.match(right[proper_tail.end():])
        if acr:
            mention.name += f" ({acr.group(1)})"
        mention.parts = [p for p in parts if p.kind in ("org", "group")]
    elif org_parts or len(country_parts) >= 2:
        mention.kind = "named"
        mention.name = _compose_name(ctx, parts)
    elif len(country_parts) == 1:
        mention.kind = "host"
        if mention.country is None:
            mention.country = country_parts[0].key
        mention.parts = []
    elif mention.city:
        mention.kind = "host"
    _attach_dates(ctx, sent, mention, text, t_start, t_end)
    return mention


_CITY_ALIASES = {"KL": "Kuala Lumpur", "Peking": "Beijing", "Xian": "Xi'an", "Xi’an": "Xi'an",
                 "St Petersburg": "St. Petersburg", "Saint Petersburg": "St. Petersburg"}


def _canonical_city(surface: str) -> str:
    return _CITY_ALIASES.get(surface, surface)


def _compose_name(ctx: ArticleContext, parts: list[Part]) -> str:
    """Series name from the parts: an organisation's series, or "<A>-<B> Summit" in text order."""
    named = [p for p in parts if p.kind in ("org", "group", "country")]
    if len(named) == 1 and named[0].kind in ("org", "group"):
        org = ctx.gaz.org(named[0].key)
        if org.series:
            return org.series
        return f"{named[0].label} Summit"
    labels: list[str] = []
    for p in named:
        if p.label not in labels:
            labels.append(p.label)
    return "-".join(labels) + " Summit"


_RE_ATTACH_DATES_1 = re.compile(r"\s*On\s+")
_RE_ATTACH_DATES_2 = re.compile(r"(?i)\b(?:wrapping up|wraps up|concluded|ended|closing)\b")
_RE_ATTACH_DATES_3 = re.compile(r"(?i)\b(?:began|begins|opens|opened|kicked off)\b")


def _attach_dates(ctx: ArticleContext, sent: int, mention: SummitMention, text: str,
                  t_start: int, t_end: int) -> None:
    s = ctx.sentences[sent]
    lead = _RE_ATTACH_DATES_1.match(text)
    best = None
    for d in ctx.dates[sent]:
        if d.day is None and d.relative is None:
            continue
        rel_start = d.start - s.start
        near_after = 0 <= rel_start - t_end <= 120 or 0 <= t_start - (d.end - s.start) <= 3
        at_lead = lead is not None and rel_start <= lead.end() + 1
        if d.relative and abs(rel_start - t_end) > 60:
            continue
        if near_after or at_lead or (d.relative and 0 <= rel_start - t_end <= 60):
            best = d
            break
    if best is None:
        return
    if best.month and best.day:
        mention.month_day = ((best.month, best.day), (best.month2 or best.month, best.day2 or best.day))
    past = bool(_HELD.search(text)) and not _PLANNED.search(text)
    resolved = resolve(best, ctx.ref, past=past)
    if resolved is None:
        return
    mention.dates = resolved
    if _RE_ATTACH_DATES_2.search(text):
        mention.date_role = "end"
    elif _RE_ATTACH_DATES_3.search(text):
        mention.date_role = "start"


# --- clustering ----------------------------------------------------------------------


# A real sentence names a few summits; one naming hundreds is noise or hostile, and each
# trigger costs a pass over its sentence.
_MAX_TRIGGERS_PER_SENTENCE = 12
# How far back a noun phrase before "summit" may start ("the 25th China-EU ...").
_NP_WINDOW = 300


def find_summit_mentions(ctx: ArticleContext) -> list[SummitMention]:
    """Every summit mention in the article that is not a mountain, company or industry event."""
    out: list[SummitMention] = []
    for i in range(len(ctx.sentences)):
        text = ctx.sentence_text(i)
        folded = ctx.sentence_lower(i)
        found = _TRIGGER_LOWER.finditer(folded) if "summit" in folded or "heads" in folded else ()
        for k, fm in enumerate(found):
            if k >= _MAX_TRIGGERS_PER_SENTENCE:
                break
            m = _TRIGGER.match(text, fm.start())  # the same match, in the sentence's own letters
            assert m is not None and m.end() == fm.end()
            if m.group(0).lower() == "summitry":
                continue
            mention = _parse_mention(ctx, i, m)
            if mention is not None:
                out.append(mention)
        # "The meeting will take place in New York" right after a summit mention
        if out and i - out[-1].sentence <= 2 and i != out[-1].sentence:
            mm = _MEETING_ANAPHOR.search(text) if "meeting" in text else None
            if mm:
                mention = _parse_mention(ctx, i, mm)
                if mention is not None and mention.kind in ("bare", "host"):
                    out.append(mention)
    return out


_MEETING_ANAPHOR = re.compile(r"(?<=\b[Tt]he )meeting(?=\s+(?:will|would|is to|was)\s+(?:take place|be held|held|took place))")


_KEY_STOP = frozenset(["the", "of", "on", "for", "and", "summit", "meeting"])


_RE_KEY_1 = re.compile(r"[^a-z0-9+]+")
_RE_KEY_2 = re.compile(r"\([^)]*\)")


def _key(name: str) -> str:
    """Comparable form of a series name: "World Summit for the Information Society" ~ "... on the ..."."""
    words = _RE_KEY_1.sub(" ", _RE_KEY_2.sub(" ", name.lower())).split()
    return " ".join(w for w in words if w not in _KEY_STOP)


def _compatible(draft: SummitDraft, m: SummitMention) -> bool:
    if m.edition is not None and draft.edition is not None and m.edition != draft.edition:
        return False
    # One edition has one host: "the first summit in Xi'an" is not the one in Astana.
    cities = {x.city for x in draft.mentions if x.city}
    if m.city and cities and m.city not in cities:
        return False
    return not (m.year is not None and draft.year is not None and m.year != draft.year)


def _absorb(draft: SummitDraft, m: SummitMention) -> None:
    draft.mentions.append(m)
    if draft.edition is None and m.edition is not None:
        draft.edition = m.edition
    if draft.year is None and m.year is not None:
        draft.year = m.year


def _context_series(ctx: ArticleContext, mentions: list[SummitMention]) -> list[Part] | None:
    """Name unnamed mentions: a club whose members their sentences list, an organisation their
    sentences name, the leaders they name, else an organisation the article keeps naming."""
    for m in mentions:
        codes = {p.key for p in ctx.places[m.sentence] if p.kind == "country"}
        for org in ctx.gaz.organisations.values():
            if org.expand and org.series and org.members and set(org.members) <= codes and len(org.members) >= 5:
                return [Part("org", org.key, org.key, 0)]
    for m in mentions:
        orgs = [p for p in ctx.places[m.sentence] if p.kind in ("org", "group") and ctx.gaz.org(p.key).series]
        if orgs:
            return _place_parts(ctx, orgs[:1])
    for m in mentions:
        s = ctx.sentences[m.sentence]
        parts = _dedupe_parts(_people_parts(ctx, m.sentence, s.start, s.end))
        if len(parts) >= 2:
            return parts
    if any(m.kind != "bare" for m in mentions):
        return None
    near = {j for m in mentions for j in range(m.sentence - 2, m.sentence + 3)}
    counts: Counter[str] = Counter()
    first: dict[str, Place] = {}
    for j, plist in enumerate(ctx.places):
        if j not in near:
            continue
        for p in plist:
            if p.kind in ("org", "group") and ctx.gaz.org(p.key).series:
                counts[p.key] += 1
                first.setdefault(p.key, p)
    if counts:
        key = max(counts, key=lambda k: (counts[k], -first[k].start))
        if counts[key] >= 2:
            return _place_parts(ctx, [first[key]])
    return None


def _sentence_series(ctx: ArticleContext, m: SummitMention) -> list[Part] | None:
    """An organisation with a summit series named in the mention's own sentence."""
    orgs = [p for p in ctx.places[m.sentence] if p.kind in ("org", "group") and ctx.gaz.org(p.key).series
            and p.end <= m.start and m.start - p.end <= 90]
    return _place_parts(ctx, orgs[-1:]) if orgs else None


def cluster_mentions(ctx: ArticleContext, mentions: list[SummitMention]) -> list[SummitDraft]:
    """Merge mentions into summit drafts (one per series and edition/year)."""
    drafts: list[SummitDraft] = []
    pending: list[SummitMention] = []
    body = [m for m in mentions if m.sentence not in ctx.headlines]
    heads = [m for m in mentions if m.sentence in ctx.headlines]
    for m in body + heads:
        if m.kind in ("named", "proper") and m.name:
            target = next((d for d in drafts if _key(d.name) == _key(m.name) and _compatible(d, m)), None)
            if target is None and m.sentence in ctx.headlines:
                # a headline's shorthand ("Gulf-Central Asia summit") names a summit the body names fully
                keys = {p.key for p in m.parts}
                target = next((d for d in drafts if _compatible(d, m) and (keys & {p.key for p in d.parts})), None)
            if target is None:
                target = SummitDraft(name=m.name, parts=list(m.parts), edition=m.edition, year=m.year)
                drafts.append(target)
            _absorb(target, m)
        else:
            pending.append(m)
    if pending and not drafts:
        if not _government_context(ctx):
            return []
        parts = _context_series(ctx, pending)
        if parts is None:
            return []
        drafts.append(SummitDraft(name=_compose_name(ctx, parts), parts=parts))
    for m in pending:
        own = _sentence_series(ctx, m)
        if own is not None and m.kind == "bare":
            name = _compose_name(ctx, own)
            if not any(_key(d.name) == _key(name) for d in drafts) and not any(
                    {p.key for p in own} <= {p.key for p in d.parts} for d in drafts):
                drafts.append(SummitDraft(name=name, parts=own))
            current = next((d for d in drafts if _key(d.name) == _key(name)), None) or _current_draft(drafts, m)
        else:
            current = _current_draft(drafts, m)
        if current is None:
            continue
        other_year = (m.year is not None and current.year is None and ctx.ref.year is not None
                      and m.year < ctx.ref.year and m.sentence not in current.sentences)
        if _compatible(current, m) and not other_year:
            _absorb(current, m)
        else:
            twin = next((d for d in drafts if _key(d.name) == _key(current.name) and _compatible(d, m)
                         and d is not current), None)
            if twin is None:
                twin = SummitDraft(name=current.name, parts=list(current.parts), edition=m.edition, year=m.year)
                drafts.append(twin)
            _absorb(twin, m)
    return [d for d in drafts if d.mentions]


def _current_draft(drafts: list[SummitDraft], m: SummitMention) -> SummitDraft | None:
    """The summit a bare mention refers to: same city, else the one last mentioned, else the main one."""
    if not drafts:
        return None
    if m.city:
        same = [d for d in drafts if any(x.city == m.city for x in d.mentions)]
        if same:
            return same[0]
    if m.backref and len(drafts) > 1:
        editions = [d for d in drafts if d.edition is not None]
        if editions:
            return min(editions, key=lambda d: d.edition or 0)
    before = [(max((x.sentence for x in d.mentions if x.sentence <= m.sentence), default=-1), d) for d in drafts]
    recent = max(before, key=lambda t: t[0])
    if recent[0] >= 0 and m.sentence - recent[0] <= 1:
        return recent[1]
    return max(drafts, key=lambda d: len(d.mentions))


def _government_context(ctx: ArticleContext) -> bool:
    leaders = sum(1 for plist in ctx.people for p in plist if p.leader or p.role)
    orgs = sum(1 for pl in ctx.places for p in pl if p.kind in ("org", "group"))
    countries = {p.key for pl in ctx.places for p in pl if p.kind in ("country", "demonym")}
    return leaders >= 1 or orgs >= 1 or len(countries) >= 2


# --- record assembly -----------------------------------------------------------------


_HELD_STRONG = re.compile(
    r"(?i)\b(?:was held|were held|took place|concluded|ended|adopted|signed|attended|returned|"
    r"following the|after the|post-summit|resulted|took part|taking part|last (?:week|month|year)|"
    r"recently|recent|previous|earlier|held (?:in|on|at|last)|had|met|issued|approved|was|were)\b"
)


def _mention_status(ctx: ArticleContext, m: SummitMention) -> str | None:
    """The tense cue nearest the mention: planned, ongoing or held (None when there is none)."""
    s = ctx.sentences[m.sentence]
    text = ctx.sentence_text(m.sentence)
    t0, t1 = m.start - s.start, m.end - s.start
    best: tuple[int, str] | None = None
    for label, pattern in (("ongoing", _ONGOING), ("planned", _PLANNED), ("held", _HELD_STRONG)):
        for cue in pattern.finditer(text):
            dist = t0 - cue.end() if cue.end() <= t0 else cue.start() - t1
            dist = max(dist, 0)
            if label == "held" and cue.group(0).lower() in ("was", "were", "had"):
                dist += 40  # bare past auxiliaries are weaker than a named event verb
            if label == "ongoing":
                dist = max(dist - 40, 0)  # "as leaders gathered for ... set to feature": the event is on
            if best is None or dist < best[0]:
                best = (dist, label)
    return best[1] if best else None


def _status(ctx: ArticleContext, draft: SummitDraft) -> SummitStatus | None:
    ref = ctx.ref
    for m in draft.mentions:
        if m.month_day and ref.month and ref.day:
            (m1, d1), (m2, d2) = m.month_day
            if (m2, d2) < (ref.month, ref.day):
                return "held"
            if (m1, d1) > (ref.month, ref.day):
                return "planned"
            cue = _mention_status(ctx, m)
            return "held" if cue == "held" and (m1, d1) == (m2, d2) else "ongoing"
    votes: Counter[str] = Counter()
    for rank, m in enumerate(draft.mentions[:5]):
        cue = _mention_status(ctx, m)
        if cue:
            votes[cue] += 3 if rank == 0 else 1
    if not votes:
        return "held"
    best = votes.most_common(1)[0][0]
    return best  # type: ignore[return-value]


def _people_for(ctx: ArticleContext, draft: SummitDraft, primary: bool,
                claimed: set[int]) -> list[PersonMention]:
    sents = set(draft.sentences)
    people: list[PersonMention] = []
    for i, plist in enumerate(ctx.people):
        if i in sents or (primary and i not in claimed):
            people.extend(p for p in plist if p.role)
    return people


def build_summits(ctx: ArticleContext) -> list[tuple[SummitDraft, Summit]]:
    """Summit records for the article, each paired with the draft it came from.

    Args:
        ctx: The analysed article.

    Returns:
        ``(draft, record)`` pairs in order of first mention; the agreement
        extractor uses the drafts to link documents to summits.
    """
    drafts = cluster_mentions(ctx, find_summit_mentions(ctx))
    if not drafts:
        return []
    primary = max(drafts, key=lambda d: (len(d.mentions), -d.mentions[0].sentence))
    claimed = {i for d in drafts if d is not primary for i in d.sentences}
    out: list[tuple[SummitDraft, Summit]] = []
    for draft in sorted(drafts, key=lambda d: d.mentions[0].start):
        out.append((draft, _assemble(ctx, draft, draft is primary, claimed)))
    return out


def _assemble(ctx: ArticleContext, draft: SummitDraft, primary: bool, claimed: set[int]) -> Summit:
    values: list[ValueSpan] = []
    evidence = [ctx.sentences[i].span() for i in draft.sentences]
    first = draft.mentions[0]

    def trig_span(m: SummitMention) -> Span:
        return Span(start=m.start, end=m.end, text=ctx.text[m.start:m.end])

    values.append(ValueSpan(field="name", value=draft.name, span=trig_span(first)))
    # city / country: most frequent among mentions
    cities = Counter(m.city for m in draft.mentions if m.city)
    city = max(cities, key=lambda c: cities[c]) if cities else None
    country = None
    for m in draft.mentions:
        if m.city == city and city is not None and m.country:
            country = m.country
            break
    if country is None:
        countries = [m.country for m in draft.mentions if m.country]
        country = countries[0] if countries else None
    if city is None and country is None:
        country = _host_country(ctx, draft)
    for m in draft.mentions:
        if city and m.city == city and m.city_span:
            a, b = m.city_span
            values.append(ValueSpan(field="city", value=city, span=Span(start=a, end=b, text=ctx.text[a:b])))
            break
    status = _status(ctx, draft)
    if city is None and status == "ongoing" and ctx.dateline_city and primary:
        city = ctx.dateline_city
        country = country or ctx.gaz.city_names.get(city)
    # dates
    start_date: date | None = None
    end_date: date | None = None
    for m in draft.mentions:
        if m.dates:
            first_day, last_day = m.dates
            if m.date_role == "end":
                end_date = last_day
            elif m.date_role == "start":
                start_date = first_day
                span = _TWO_DAY.search(ctx.sentence_text(m.sentence))
                if span:
                    extra = {"two": 1, "three": 2, "four": 3}[span.group(1).lower()]
                    end_date = first_day + timedelta(days=extra)
            else:
                start_date, end_date = first_day, last_day
            break
    year = draft.year
    known_day = start_date or end_date
    if year is None and known_day is not None:
        year = known_day.year
    if year is None and ctx.ref.year and status in ("held", "ongoing") and primary and not draft.mentions[0].backref:
        year = ctx.ref.year  # the article's main summit, just held or under way: the dateline's year
    if year is None and ctx.ref.year and status == "planned" and not draft.mentions[0].backref and any(
            _near_future(ctx, m) for m in draft.mentions):
        year = ctx.ref.year  # to be held within days of the dated article ("this week", "during his visit")
    # participants
    people = [p for p in _people_for(ctx, draft, primary, claimed) if not p.negated]
    leaders: dict[str, Person] = {}
    officials: dict[str, Person] = {}
    for p in people:
        target = leaders if p.leader else officials
        if p.name not in leaders and p.name not in officials:
            target[p.name] = Person(name=p.name, role=p.role, country=p.country)
            values.append(ValueSpan(field="leaders" if p.leader else "officials", value=p.name,
                                    span=Span(start=p.start, end=p.end, text=ctx.text[p.start:p.end])))
    participants = _participants(ctx, draft, country, city, list(leaders.values()) + list(officials.values()))
    return Summit(
        name=draft.name, edition=draft.edition, year=year, start_date=start_date, end_date=end_date,
        city=city, country=country, participants=tuple(participants),
        leaders=tuple(leaders.values()), officials=tuple(officials.values()), status=status,
        evidence=tuple(evidence), values=tuple(values),
        confidence=_confidence(draft, primary),
    )


_RE_HOST_COUNTRY_1 = re.compile(r"(?P<c>[A-Z][\w'’]+(?:\s[A-Z][\w'’]+)?)\s+(?:to host|will host|hosts|hosted)\b")


# A planned summit these words place within days or weeks of the article's own date.
_SOON = re.compile(
    r"(?i)\b(?:today|tonight|tomorrow|this (?:week|weekend|month)|later this (?:week|month|year)|this year's|"
    r"on (?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)|"
    r"during (?:his|her|their|the) (?:[\w-]+ ){0,3}(?:visit|trip|tour|stay))\b")
_YEAR_TURN = re.compile(r"(?i)\bnext year\b")


def _near_future(ctx: ArticleContext, m: SummitMention) -> bool:
    """The mention's sentence places the summit within days or weeks of the dateline, in its year."""
    ref = ctx.ref
    if ref.month is None or (ref.month == 12 and (ref.day or 0) > 24):
        return False  # late December: "next week" may already be next year
    text = ctx.sentence_text(m.sentence)
    return bool(_SOON.search(text)) and not _YEAR_TURN.search(text)


def _host_country(ctx: ArticleContext, draft: SummitDraft) -> str | None:
    for m in draft.mentions:
        text = ctx.sentence_text(m.sentence)
        hm = _RE_HOST_COUNTRY_1.search(text)
        if hm:
            hit = [p for p in ctx.places[m.sentence] if p.surface == hm.group("c") and p.kind == "country"]
            if hit:
                return hit[0].key
    return None


def _participants(ctx: ArticleContext, draft: SummitDraft, country: str | None, city: str | None,
                  people: list[Person]) -> list[str]:
    gaz = ctx.gaz
    codes: list[str] = []
    orgs: list[str] = []

    def add(code: str | None) -> None:
        if code and code not in codes:
            codes.append(code)

    for part in draft.parts:
        if part.kind == "country":
            add(part.key)
        else:
            org = gaz.org(part.key)
            if org.expand:
                for c in org.members:
                    add(c)
                if draft.name == org.series and org.summit_guests and not _enumerated_or_ministerial(ctx, draft, org.members):
                    for c in org.summit_guests:
                        add(c)
            else:
                orgs.append(part.key)
    hq = {c for o in orgs for c in gaz.org(o).hq_cities}
    if country and city not in hq:
        add(country)
    for p in people:
        if p.country and p.country in gaz.countries or (p.country and len(p.country) == 2):
            add(p.country)
    for i in draft.sentences:
        text = ctx.sentence_text(i)
        if not _PARTICIPATION.search(text):
            continue
        listed = [pl for pl in ctx.places[i] if pl.kind == "country"]
        if len(listed) >= 3:
            for pl in listed:
                add(pl.key)
    for key in orgs:
        org = gaz.org(key)
        present = [c for c in org.members if c in codes]
        if org.code and not (org.members and len(present) >= max(5, 0.6 * len(org.members))):
            add(org.code)
    return codes


_RE_ENUMERATED_OR_MINISTERIAL_1 = re.compile(r"(?i)\bministers?\b")
_RE_ENUMERATED_OR_MINISTERIAL_2 = re.compile(r"(?i)\s+(?:[a-z]+\s+)?ministers\b")


def _enumerated_or_ministerial(ctx: ArticleContext, draft: SummitDraft, members: tuple[str, ...]) -> bool:
    """The text lists the club's members itself, or the meeting is of ministers: no standing guests."""
    key = next((p.key for p in draft.parts if p.kind != "country"), None)
    for plist in ctx.places[:4]:
        for p in plist:
            if p.key == key and _RE_ENUMERATED_OR_MINISTERIAL_2.match(ctx.shadow[p.end:p.end + 30]):
                return True  # "G7 finance ministers" lead the article: a ministers' meeting
    for i in draft.sentences:
        if _RE_ENUMERATED_OR_MINISTERIAL_1.search(ctx.sentence_text(i)):
            return True
        listed = {p.key for p in ctx.places[i] if p.kind == "country"}
        if len(listed & set(members)) >= 5:
            return True
    return False


def _confidence(draft: SummitDraft, primary: bool) -> float:
    score = 0.6 + (0.2 if draft.mentions[0].kind == "named" else 0.0) + (0.1 if primary else 0.0)
    score += 0.05 * min(2, len(draft.mentions) - 1)
    return round(min(score, 0.99), 2)


__all__ = ["SummitDraft", "SummitMention", "build_summits", "cluster_mentions", "find_summit_mentions"]
