"""Sentence splitting with character offsets, computed once per article.

Hand-written rather than pysbd/spaCy: news sentences are regular enough, and a
regex pass keeps a 4,000-character article well under a millisecond.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

from extractors.fold import matches_at
from extractors.records import Span

# Tokens that end in a period without ending the sentence ("Mr.", "Nov.", "U.S.").
_ABBREVIATIONS = frozenset(
    ["mr", "mrs", "ms", "dr", "st", "gen", "col", "lt", "sgt", "rep", "sen", "gov", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "no", "co", "corp", "inc", "ltd", "vs", "jr", "sr", "a.m", "p.m", "i.e", "e.g", "u.s", "u.k", "u.n", "e.u", "u.s.a", "messrs", "mt", "ft", "approx", "est", "dept", "prof", "rev"]
)
_BOUNDARY = re.compile(r"(?<=[.!?])[\"”’')\]]*\s+(?=[\"“‘(\[]?[A-Z0-9À-Þ])")
_STOP = re.compile(r"[.!?]")
_DATE_WORD = re.compile(r"date ")
_PARAGRAPH = re.compile(r"\n[ \t]*\n")
# A trailing reader-comment block ("5 Comments", "Leave a comment") is not article text.
_COMMENTS = re.compile(
    r"^[ \t]*(?:\d+[ \t]+Comments?|Comments?[ \t]*\(\d+\)|Leave a (?:comment|reply)|"
    r"Reader comments|Join the conversation)[ \t]*$",
    re.MULTILINE | re.IGNORECASE,
)
# Some sources glue a machine dateline ("date 2023-09-16") to the first body line.
_DATE_MARK = re.compile(r"(?:^|\s)date \d{4}-\d{2}-\d{2}\s")
_TERMINAL = ".!?:;\"”’)"


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of the article: ``text == article_text[start:end]``."""

    index: int
    start: int
    end: int
    text: str
    paragraph: int

    def span(self) -> Span:
        return Span(start=self.start, end=self.end, text=self.text)


def find_body_end(text: str) -> int:
    """Offset where article text ends (before a reader-comment block, if any)."""
    match = _COMMENTS.search(text)
    return match.start() if match else len(text)


def _is_hard_wrapped(lines: list[str]) -> bool:
    """True when the text is wrapped at a fixed width, so single newlines are spaces."""
    wrapped = sum(1 for ln in lines if 45 <= len(ln.rstrip()) <= 80 and ln.rstrip()[-1:] not in _TERMINAL)
    return wrapped >= 4 and wrapped >= len(lines) // 3


def _line_chunks(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split a paragraph into chunks at newlines that end a line (not soft wraps)."""
    block = text[start:end]
    lines = block.split("\n")
    if len(lines) == 1 or _is_hard_wrapped(lines):
        return [(start, end)]
    chunks: list[tuple[int, int]] = []
    pos = start
    for line in lines:
        chunks.append((pos, pos + len(line)))
        pos += len(line) + 1
    return chunks


def _ends_with_abbreviation(text: str, dot: int) -> bool:
    """Whether the period at ``dot`` belongs to an abbreviation or an initial."""
    word_start = dot
    while word_start > 0 and (text[word_start - 1].isalpha() or text[word_start - 1] == "."):
        word_start -= 1
    word = text[word_start:dot].lower()
    if not word:
        return False
    if len(word) == 1 and text[word_start].isupper():
        return True  # an initial: "George W. Bush"
    return word.rstrip(".") in _ABBREVIATIONS or word in _ABBREVIATIONS


def _split_chunk(text: str, start: int, end: int, after_stops: list[int]) -> list[tuple[int, int]]:
    """Sentences of one chunk; ``after_stops``: every offset just after a . ! or ? (ascending),
    the only places a boundary can start."""
    out: list[tuple[int, int]] = []
    pos = start
    lo = bisect_left(after_stops, start)
    for match in matches_at(_BOUNDARY, text, after_stops[lo:bisect_left(after_stops, end, lo)], start, end):
        dot = match.start() - 1
        while dot > pos and text[dot] not in ".!?":
            dot -= 1
        if text[dot] == "." and _ends_with_abbreviation(text, dot):
            continue
        out.append((pos, match.start() + len(match.group(0).rstrip())))
        pos = match.end()
    out.append((pos, end))
    return out


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def split_sentences(text: str, end: int | None = None) -> tuple[Sentence, ...]:
    """Split ``text[:end]`` into sentences with offsets into ``text``.

    Args:
        text: The cleaned article text (headline lines included if present).
        end: Where the article ends; defaults to :func:`find_body_end`.

    Returns:
        Sentences in order; exact repeats of an earlier sentence (a headline
        repeated as the first body line) are dropped.
    """
    stop = find_body_end(text) if end is None else end
    pieces: list[tuple[int, int, int]] = []
    pos = 0
    after_stops = [m.end() for m in _STOP.finditer(text, 0, stop)]
    # where a glued "date YYYY-MM-DD" marker may be: every "date " (a marker contains one)
    dates = [m.start() for m in _DATE_WORD.finditer(text, 0, stop)]
    bounds = [m.start() for m in _PARAGRAPH.finditer(text, 0, stop)] + [stop]
    for para, para_end in enumerate(bounds):
        for c_start, c_end in _line_chunks(text, pos, para_end):
            if c_start == c_end:
                continue  # an empty line (a paragraph's chunks begin with its blank separator): no sentence
            for s_start, s_end in _split_chunk(text, c_start, c_end, after_stops):
                marked = dates and bisect_left(dates, s_start - 1) < bisect_left(dates, s_end)
                for sub_start, sub_end in (_split_date_mark(text, s_start, s_end) if marked
                                           else ((s_start, s_end),)):
                    a, b = _trim(text, sub_start, sub_end)
                    if b > a:
                        pieces.append((a, b, para))
        pos = para_end
    seen: set[str] = set()
    out: list[Sentence] = []
    for a, b, p in pieces:
        body = text[a:b]
        key = _normalised(body)
        if key in seen:
            continue
        seen.add(key)
        out.append(Sentence(index=len(out), start=a, end=b, text=body, paragraph=p))
    return tuple(out)


def _normalised(body: str) -> str:
    """``" ".join(body.split())`` for a trimmed sentence: its words separated by single spaces.

    Most sentences already are: every whitespace character but the space is unprintable, so a
    printable body without a double space is its own normal form (and is not split and rejoined).
    """
    if body.isprintable() and "  " not in body:
        return body
    return " ".join(body.split())


def _split_date_mark(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Cut a glued ``date YYYY-MM-DD`` marker off the sentence it precedes."""
    match = _DATE_MARK.search(text, start, end)
    if not match:
        return [(start, end)]
    return [(start, match.start()), (match.end(), end)]


__all__ = ["Sentence", "find_body_end", "split_sentences"]
