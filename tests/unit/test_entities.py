"""The gazetteer's word-by-word matcher finds what its one big pattern finds."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extractors.entities import _AMBIGUOUS_NAMES, _TITLE_NAME, load_gazetteer, title_starts
from extractors.fold import fold_text, matches_at

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "articles"
GAZ = load_gazetteer()
SURFACES = sorted(GAZ.surfaces)[::7] + ["U.S.", "US", "China", "Central Asia", "Kazakh", "EU", "Astana"]


def _by_pattern(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group(0)) for m in GAZ.pattern.finditer(text, start, end)
            if m.group(0) not in _AMBIGUOUS_NAMES]


def _by_words(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    return [(p.start, p.end, p.surface) for p in GAZ.find_places(text, start, end)
            if p.surface not in _AMBIGUOUS_NAMES]


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.txt")), ids=lambda p: p.stem)
def test_same_places_on_fixtures(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for start, end in ((0, len(text)), (5, len(text) - 7), (1, 40)):
        assert _by_words(text, start, end) == _by_pattern(text, start, end)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from([*SURFACES, " ", "-", ".", ",", "x", "-based", "-owned", "-basedx", "’s", "a", "_",
                                          "the Philippines"]), max_size=12),
       st.integers(0, 5), st.integers(0, 5))
def test_same_places_on_random_text(pieces: list[str], cut_start: int, cut_end: int) -> None:
    text = "".join(pieces)
    start, end = min(cut_start, len(text)), max(len(text) - cut_end, 0)
    assert _by_words(text, start, end) == _by_pattern(text, start, max(start, end))


TITLE_PIECES = ["President", "PRIME MINISTER", "Foreign Minister", "vice president", "Kazakh", " ", ", ",
                "Kassym-Jomart Tokayev", "Xi Jinping", "of", "the", "Republic", "spokeswoman", "U.S.",
                "Under-Secretary", "Chairman", "Mr", "ſecretary", "KING", "armchair"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(TITLE_PIECES), max_size=14))
def test_title_matches_tried_only_at_title_words(pieces: list[str]) -> None:
    text = " ".join(pieces)
    lower = fold_text(text)
    starts = title_starts(lower)
    assert [m.span() for m in matches_at(_TITLE_NAME, text, starts, 0, len(text))] == \
        [m.span() for m in _TITLE_NAME.finditer(text)]


def test_title_hint_is_plain_words() -> None:
    # title_hint_spans finds the hint's words with str.find, so they must be plain words
    from extractors.entities import _TITLE_HINT

    assert all(word.isalpha() for word in _TITLE_HINT.pattern.split("|"))
