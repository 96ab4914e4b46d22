"""Summit rules, one phenomenon per row."""

from __future__ import annotations

import pytest

from extractors import extract
from extractors.records import ArticleInput, Summit


def _summits(text: str) -> tuple[Summit, ...]:
    return extract(ArticleInput(text=text)).summits


@pytest.mark.parametrize(
    ("text", "name", "edition"),
    [
        ("Leaders met at the second China-Central Asia Summit in Astana.", "China-Central Asia Summit", 2),
        ("The 15th BRICS summit opened in Johannesburg.", "BRICS Summit", 15),
        ("Biden will attend the inaugural C5+1 summit in New York.", "C5+1 Summit", 1),
        # an anniversary is not an edition
        ("Aliyev hosted the 15th-anniversary Organization of Turkic States (OTS) Summit on Friday.", "OTS Summit", None),
        # leaders' names in a compound stand for their countries
        ("Reagan recalled the Reagan-Gorbachev summit in Geneva.", "US-Soviet Summit", None),
        # the of-phrase names the series
        ("A summit of the heads of state of the CIS is planned in Ashgabat.", "CIS Summit", None),
    ],
)
def test_series_name_and_edition(text: str, name: str, edition: int | None) -> None:
    summits = _summits(text)
    assert [(s.name, s.edition) for s in summits][:1] == [(name, edition)]


@pytest.mark.parametrize(
    "text",
    [
        "Four climbers stood on the summit of Mount Everest at dawn.",
        "The band went straight to the album summit this week.",
        "Thousands of founders flocked to the Web Summit in Lisbon.",
        "Summit Petroleum Corp said it sold 11 mln shares to an investment firm.",
        "The industry experts met at the European HDTV Summit in London.",
        "India face Pakistan in the summit clash on Sunday.",
    ],
)
def test_hard_negatives(text: str) -> None:
    assert _summits(text) == ()


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("The SCO summit will be held in Astana next month.", "planned"),
        ("The 30th African Union summit opens in Addis Ababa on Sunday.", "ongoing"),
        ("The G20 Summit was held in Johannesburg last week.", "held"),
    ],
)
def test_status(text: str, status: str) -> None:
    assert [s.status for s in _summits(text)] == [status]


def test_group_phrase_resolves_to_members() -> None:
    text = ("At the China-Central Asia Summit, Chinese President Xi Jinping met the leaders of the five "
            "Central Asian countries.")
    (summit,) = _summits(text)
    assert set(summit.participants) == {"CN", "KZ", "KG", "TJ", "TM", "UZ"}
    assert [p.name for p in summit.leaders] == ["Xi Jinping"]


def test_african_union_code_and_host() -> None:
    (summit,) = _summits("The 30th African Union (AU) summit of heads of state and government "
                         "opened in Addis Ababa, Ethiopia on Sunday.")
    assert (summit.name, summit.edition, summit.city, summit.country) == ("AU Summit", 30, "Addis Ababa", "ET")
    assert "AFU" in summit.participants and "AU" not in summit.participants


def test_dates_from_dateline() -> None:
    text = " date 2023-11-23 The CSTO summit took place in Minsk on November 23."
    (summit,) = _summits(text)
    assert (summit.year, str(summit.start_date), summit.city, summit.country) == (2023, "2023-11-23", "Minsk", "BY")


def test_back_reference_is_a_separate_edition() -> None:
    text = ("Leaders gathered for the second China-Central Asia Summit in Astana. "
            "Trade has grown since the first summit in 2023.")
    refs = sorted((s.edition, s.year) for s in _summits(text))
    assert refs == [(1, 2023), (2, None)]


def test_reader_comments_are_ignored() -> None:
    text = "Officials met in Brussels.\n3 Comments\nReader\nThe G7 summit was a waste of time."
    assert _summits(text) == ()
