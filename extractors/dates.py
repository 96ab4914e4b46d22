"""Dates: the article's reference date (dateline) and date expressions in sentences."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from extractors.fold import fold_text, lowered, matches_at

MONTHS: dict[str, int] = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}
_MONTH = r"(?P<mon>(?i:January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec))\.?"
_MONTH2 = _MONTH.replace("?P<mon>", "?P<mon2>")
_YEAR = r"(?P<year>(?:19[4-9]\d|20[0-4]\d))"

# Reference-date patterns, tried in order on the start of the article (and, for the
# "published" footer, anywhere).
_REF_ISO = re.compile(r"\bdate (\d{4})-(\d{2})-(\d{2})\b")
_REF_PUBLISHED = re.compile(
    r"(?i:published):?\s+(?:\w+day,?\s+)?" + _MONTH + r"\s+(?P<day>\d{1,2}),?\s+" + _YEAR
)
_REF_TIME_DATE = re.compile(r"\b\d{1,2}:\d{2},\s+" + _MONTH + r"\s+(?P<day>\d{1,2}),\s+" + _YEAR)
_REF_DAY_MONTH_YEAR = re.compile(r"(?m)^\s*(?P<day>\d{1,2})\s+" + _MONTH + r"\s+" + _YEAR + r"\b")
# Dateline with a year: "MINSK, Oct 9, 2026 -" / "WASHINGTON, October 9, 2026 (Reuters)".
_REF_DATELINE_YEAR = re.compile(
    r"(?m)^\s*(?:\(?[A-Z][A-Za-z.'’ ]+\)?,\s+)?(?:[A-Z][A-Za-z.]+,\s+)?" + _MONTH
    + r"\s+(?P<day>\d{1,2}),\s+" + _YEAR + r"\b"
)
# Newswire dateline without a year: "WASHINGTON, March 16 -" / "Baku, October 7, AZERTAC".
_REF_DATELINE = re.compile(
    r"(?m)^\s*(?:\(?[A-Z][A-Za-z.'’ ]+\)?,\s+)?(?:[A-Z][A-Za-z.]+,\s+)?" + _MONTH
    + r"\s+(?P<day>\d{1,2})\s*(?:-|–|—|,|\()"
)

_DAY_FIRST = re.compile(
    r"\b(?P<day>\d{1,2})(?:st|nd|rd|th)?(?:\s*[-–]\s*(?P<day2>\d{1,2})(?:st|nd|rd|th)?)?\s+"
    + _MONTH + r"(?:,?\s+" + _YEAR + r")?\b"
)
_MONTH_FIRST = re.compile(
    r"\b" + _MONTH + r"[\s-](?P<day>\d{1,2})(?:st|nd|rd|th)?\b(?![.,]\d)"
    r"(?:\s*[-–]\s*(?:" + _MONTH2 + r"\s+)?(?P<day2>\d{1,2})(?:st|nd|rd|th)?\b)?(?:,?\s+" + _YEAR + r")?"
)
_MONTH_YEAR = re.compile(r"\b" + _MONTH + r",?\s+" + _YEAR + r"\b")
_BARE_YEAR = re.compile(r"(?<![\d/-])" + _YEAR + r"(?![\d-]|\s*[-–]\s*\d)")
_REF_LAST_YEAR = re.compile(r"\b(?i:last year)\b[^.;]{0,60}?\b" + _YEAR + r"\b(?![^.;]{0,30}\b(?i:this year|next year))")
_RELATIVE = re.compile(r"\b(?i:today|yesterday|tomorrow|tonight|this morning)\b")
_RELATIVE_LOWER = lowered(r"(?i)\b(?:today|yesterday|tomorrow|tonight|this morning)\b")
_RELATIVE_WORDS = ("today", "yesterday", "tomorrow", "tonight", "this morning")
_DIGIT_RUN = re.compile(r"\d+")
_MONTH_CUE = lowered(r"(?i)jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec")
_YEAR_CUE = re.compile(r"19|20")


@dataclass(frozen=True, slots=True)
class RefDate:
    """What the article says about its own date; any part may be unknown."""

    year: int | None = None
    month: int | None = None
    day: int | None = None

    def as_date(self) -> date | None:
        if self.year and self.month and self.day:
            try:
                return date(self.year, self.month, self.day)
            except ValueError:
                return None
        return None


@dataclass(frozen=True, slots=True)
class DateMention:
    """A date expression in a sentence; ``year`` is None when the text omits it."""

    start: int
    end: int
    year: int | None
    month: int | None
    day: int | None
    day2: int | None = None
    month2: int | None = None
    relative: str | None = None


def find_reference_date(text: str, published: datetime | date | None = None) -> RefDate:
    """The article's date: ``published`` if given, else a dateline in the text.

    Args:
        text: The article text.
        published: The publication date the caller knows, if any.

    Returns:
        A :class:`RefDate`, possibly with only month and day (newswire datelines).
    """
    if published is not None:
        return RefDate(year=published.year, month=published.month, day=published.day)
    head = text[:1500]
    if m := _REF_ISO.search(head):
        return RefDate(year=int(m.group(1)), month=int(m.group(2)), day=int(m.group(3)))
    for pattern in (_REF_TIME_DATE, _REF_DAY_MONTH_YEAR, _REF_DATELINE_YEAR):
        if m := pattern.search(head):
            return RefDate(year=int(m["year"]), month=MONTHS[m["mon"].lower()], day=int(m["day"]))
    if m := _REF_PUBLISHED.search(text):
        return RefDate(year=int(m["year"]), month=MONTHS[m["mon"].lower()], day=int(m["day"]))
    if m := _REF_DATELINE.search(head):
        return RefDate(month=MONTHS[m["mon"].lower()], day=int(m["day"]))
    if m := _REF_LAST_YEAR.search(text):
        # "Last year's talks took place on March 4, 2024": the article is from the year after
        return RefDate(year=int(m["year"]) + 1)
    return RefDate()


def find_dates(text: str, start: int = 0, end: int | None = None, lower: str | None = None) -> list[DateMention]:
    """Date expressions in ``text[start:end]``, offsets into ``text``.

    ``lower`` is ``text`` folded by :func:`extractors.fold.fold_text`, when the caller has it.
    """
    stop = len(text) if end is None else end
    if lower is None:
        lower = fold_text(text)
    out: list[DateMention] = []
    taken: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= x or a >= y for x, y in taken)

    # Every pattern but the relative days needs a digit; each is tried only where it can
    # start: a run of digits, a month name, "19"/"20" (a start inside a three-letter
    # month cue would follow a letter, where the patterns' \b fails).
    digits = [m.start() for m in _DIGIT_RUN.finditer(text, start, stop)]
    months = [m.start() for m in _MONTH_CUE.finditer(lower, start, stop)] if digits else []
    for pattern, starts in ((_DAY_FIRST, digits), (_MONTH_FIRST, months)):
        for m in matches_at(pattern, text, starts, start, stop):
            day = int(m["day"])
            if not 1 <= day <= 31 or not free(m.start(), m.end()):
                continue
            groups = m.groupdict()
            mon2 = MONTHS[groups["mon2"].lower()] if groups.get("mon2") else None
            out.append(DateMention(
                start=m.start(), end=m.end(), year=int(m["year"]) if m["year"] else None,
                month=MONTHS[m["mon"].lower()], day=day,
                day2=int(m["day2"]) if m["day2"] else None, month2=mon2,
            ))
            taken.append((m.start(), m.end()))
    for m in matches_at(_MONTH_YEAR, text, months, start, stop):
        if free(m.start(), m.end()):
            out.append(DateMention(start=m.start(), end=m.end(), year=int(m["year"]),
                                   month=MONTHS[m["mon"].lower()], day=None))
            taken.append((m.start(), m.end()))
    years = [m.start() for m in _YEAR_CUE.finditer(text, start, stop)] if digits else []
    for m in matches_at(_BARE_YEAR, text, years, start, stop):
        if free(m.start(), m.end()):
            out.append(DateMention(start=m.start(), end=m.end(), year=int(m["year"]),
                                   month=None, day=None))
    relative = any(lower.find(word, start, stop) != -1 for word in _RELATIVE_WORDS)
    for m in (_RELATIVE_LOWER.finditer(lower, start, stop) if relative else ()):
        out.append(DateMention(start=m.start(), end=m.end(), year=None, month=None, day=None,
                               relative=m.group(0)))
    out.sort(key=lambda d: d.start)
    return out


def resolve(mention: DateMention, ref: RefDate, *, past: bool | None = None) -> tuple[date, date] | None:
    """Turn a day-level mention into ``(first_day, last_day)`` using the reference date.

    A mention without a year takes the reference year; ``past`` (the event already
    happened / is still to come) moves it a year when the month-day falls on the
    wrong side of the reference date, as "On June 15" in a February article means
    last June.
    """
    ref_date = ref.as_date()
    if mention.relative:
        if ref_date is None:
            return None
        shift = {"yesterday": -1, "tomorrow": 1}.get(mention.relative, 0)
        day = ref_date + timedelta(days=shift)
        return day, day
    if mention.month is None or mention.day is None:
        return None
    year = mention.year
    if year is None:
        if ref.year is None:
            return None
        year = ref.year
        if ref.month and ref.day and past is not None:
            later = (mention.month, mention.day) > (ref.month, ref.day)
            if past and later:
                year -= 1
            elif not past and not later and (mention.month, mention.day) != (ref.month, ref.day):
                year += 1
    try:
        first = date(year, mention.month, mention.day)
        last = first
        if mention.day2 is not None:
            last = date(year, mention.month2 or mention.month, mention.day2)
    except ValueError:
        return None
    return (first, last) if last >= first else (first, first)


__all__ = ["MONTHS", "DateMention", "RefDate", "find_dates", "find_reference_date", "resolve"]
