"""Every lower-case twin finds what its case-insensitive original finds, at the same offsets."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import extractors.agreements
import extractors.dates
import extractors.entities
import extractors.summits  # noqa: F401  (registers their twins)
from extractors.fold import TWINS, fold_text, lowered, matches_at

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "articles"
# Letters in both cases, the characters case-insensitive matching treats specially, and
# the punctuation the patterns care about.
ALPHABET = "aAeEiInNoOsStTdDrRlLpPmMgG ı ſ İ K é É × ÷ ’ ' - , . ; : \n 0 1 2"


def _spans(pattern: re.Pattern[str], text: str) -> list[tuple[tuple[int, int], ...]]:
    return [tuple(m.span(g) for g in range(pattern.groups + 1)) for m in pattern.finditer(text)]


def test_fold_keeps_length_and_offsets() -> None:
    for text in ("İstanbul ſummit", "KELVIN K", "Ünited ÉTAT ı", "plain"):
        folded = fold_text(text)
        assert len(folded) == len(text)
        assert folded == folded.lower()


@pytest.mark.parametrize("bad", [r"[A-Z]", r"(?i)(?-i:A)b", r"(?i)[À-Þ]", r"(?i)\x41"])
def test_unfoldable_patterns_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        lowered(bad)


def test_twins_are_registered() -> None:
    assert len(TWINS) >= 5


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.txt")), ids=lambda p: p.stem)
def test_twins_agree_on_fixtures(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for variant in (text, text.upper(), text.title()):
        folded = fold_text(variant)
        for original, twin in TWINS:
            assert _spans(original, variant) == _spans(twin, folded), original.pattern[:60]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(ALPHABET.split(" ") + [" ", "President", "SIGNED", "Agreement", "of",
                                                          "the", "Heads of State", "MoU", "ſigned"]),
                max_size=30))
def test_twins_agree_on_random_text(pieces: list[str]) -> None:
    text = " ".join(pieces)
    folded = fold_text(text)
    for original, twin in TWINS:
        assert _spans(original, text) == _spans(twin, folded), original.pattern[:60]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab1 .", max_size=30))
def test_matches_at_is_finditer(text: str) -> None:
    pattern = re.compile(r"(?<![\w.])(?:ab|a1|b)(?!\w)")
    starts = range(len(text))
    for pos in range(0, len(text) + 1, 3):
        assert [m.span() for m in matches_at(pattern, text, starts, pos)] == \
            [m.span() for m in pattern.finditer(text, pos)]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["the", "The", "China's", "Kazakhstan’s", "new", "trade", "last", "week's",
                                 "of", "its", "Today's", "said", "5-year", " ", "\n", ",", "ſuch"]), max_size=10))
def test_split_anaphor_is_the_original(words: list[str]) -> None:
    # _anaphoric runs _ANAPHOR's case-sensitive half as is and the rest as a folded twin
    from extractors.agreements import _ANAPHOR, _anaphoric

    near = " ".join(words) + " "
    assert _anaphoric(near, fold_text(near)) == bool(_ANAPHOR.search(near))
