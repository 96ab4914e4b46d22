"""Case-folded text and the case-sensitive twins of case-insensitive patterns.

Python's regex engine runs a case-insensitive alternation ("(?i)signed|adopted|...")
several times slower than the same alternation in lower case, because it cannot
skip alternatives by their first character. So an article is folded once
(:func:`fold_text`: same length, offsets unchanged) and the hot case-insensitive
patterns are searched in their lower-case form (:func:`lowered`) over the folded
text. Both give the same matches at the same offsets; ``tests/unit/test_fold.py``
checks every registered twin against its original.

A pattern that scans every position of a sentence can also be tried only where a
match can start (:func:`matches_at`), when something cheap finds those places.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

# Characters that a case-insensitive match equates with an ASCII letter but that
# str.lower() leaves alone ("ı", "ſ") or turns into two characters ("İ").
_TRAPS = str.maketrans({"ı": "i", "ſ": "s", "İ": "i"})

TWINS: list[tuple[re.Pattern[str], re.Pattern[str]]] = []
"""Every ``(original, lower-case twin)`` pair built by :func:`lowered`, for the tests."""


def fold_text(text: str) -> str:
    """``text`` lower-cased letter by letter: the same length, so offsets carry over."""
    if not text.isascii() and ("ı" in text or "ſ" in text or "İ" in text):
        text = text.translate(_TRAPS)
    return text.lower()


def lowered(pattern: str) -> re.Pattern[str]:
    """Compile the lower-case, case-sensitive twin of a ``(?i)`` pattern, for folded text.

    Args:
        pattern: A pattern that starts with ``(?i)`` and has no case-sensitive part.

    Returns:
        The twin: on :func:`fold_text` of a string it matches where ``pattern`` matches
        on the string itself, with the same spans.

    Raises:
        ValueError: If the pattern cannot be folded safely (a case-sensitive part, or a
            character range outside ASCII letters and digits).
    """
    if not pattern.startswith("(?i)") or "(?-i" in pattern:
        raise ValueError(f"not a wholly case-insensitive pattern: {pattern[:60]!r}")
    out: list[str] = []
    i, n, in_class = 4, len(pattern), False
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            if pattern[i + 1] in "xuUN0123456789":
                raise ValueError(f"escape {pattern[i:i + 2]} cannot be folded: {pattern[:60]!r}")
            out.append(pattern[i:i + 2])  # escapes (\s, \W, \b ...) keep their meaning
            i += 2
            continue
        if pattern.startswith(("(?P<", "(?P="), i):
            close = pattern.index(">" if pattern[i + 3] == "<" else ")", i)
            out.append(pattern[i:close + 1])  # group names keep their case
            i = close + 1
            continue
        if ch == "[" and not in_class:
            in_class = True
        elif ch == "]" and in_class and pattern[i - 1] != "[":
            in_class = False
        elif ch == "-" and in_class and pattern[i - 1] not in "[\\" and i + 1 < n and pattern[i + 1] != "]":
            low, high = pattern[i - 1], pattern[i + 1]
            if not (low.isascii() and high.isascii() and low.isalnum() and high.isalnum()):
                raise ValueError(f"range {low}-{high} cannot be folded: {pattern[:60]!r}")
        out.append(ch.lower())
        i += 1
    twin = re.compile("".join(out))
    TWINS.append((re.compile(pattern), twin))
    return twin


def matches_at(pattern: re.Pattern[str], text: str, starts: Iterable[int], pos: int = 0,
               endpos: int | None = None) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text, pos, endpos)``, trying the pattern only at ``starts``.

    ``starts`` must be ascending and hold every offset where a match can begin (more
    is harmless); ``pattern`` must not match the empty string. Lookbehinds and ``\\b``
    see the text before each start, as they do in ``finditer``.
    """
    end = len(text) if endpos is None else endpos
    for at in starts:
        if at < pos:
            continue
        if at >= end:
            break
        m = pattern.match(text, at, end)
        if m is not None:
            yield m
            pos = m.end()


def tail_start(text: str, tokens: int) -> int:
    """Offset from which ``text`` holds its last ``tokens`` whitespace-separated tokens (0 if fewer).

    A pattern anchored at the end whose match spans at most ``tokens`` tokens can be
    searched from there (``pattern.search(text, tail_start(text, n))``) and finds what a
    search of the whole text finds, without trying every earlier position.
    """
    parts = text.rsplit(None, tokens)
    return len(parts[0]) if len(parts) > tokens else 0


__all__ = ["TWINS", "fold_text", "lowered", "matches_at", "tail_start"]
