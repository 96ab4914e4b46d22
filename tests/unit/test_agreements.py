"""Agreement rules, one phenomenon per row."""

from __future__ import annotations

import pytest

from extractors import extract
from extractors.records import Agreement, ArticleInput


def _agreements(text: str) -> tuple[Agreement, ...]:
    return extract(ArticleInput(text=text)).agreements


@pytest.mark.parametrize(
    ("text", "type_", "count"),
    [
        ("Jordan and Sudan signed a barter trade agreement.", "agreement", 1),
        ("France and Germany signed two cooperation treaties today.", "treaty", 2),
        ("Kazakhstan and China signed more than 20 documents on trade and energy.", "other", 20),
        ("Egypt and Israel signed a trade protocol with the US.", "protocol", 1),
        ("Japan and the US signed a memorandum of understanding on chips.", "mou", 1),
        # "pact" is typed agreement
        ("The US and Japan sealed a pact on microchip trade.", "agreement", 1),
        ("The presidents of Peru and Mexico issued a joint declaration on debt.", "declaration", 1),
    ],
)
def test_type_and_count(text: str, type_: str, count: int) -> None:
    assert [(a.type, a.count) for a in _agreements(text)] == [(type_, count)]


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("The leaders reaffirmed their ties through the Astana Declaration.", "Astana Declaration"),
        # a lower-case "treaty of ..." is a proper name, title-cased
        ("Kazakhstan and China signed a treaty of permanent good-neighborliness and friendly cooperation.",
         "Treaty of Permanent Good-Neighborliness and Friendly Cooperation"),
        ("The US will table its draft INF treaty text in Geneva tomorrow, Soviet officials said.", "INF Treaty"),
    ],
)
def test_titles(text: str, title: str) -> None:
    assert title in [a.title for a in _agreements(text)]


@pytest.mark.parametrize(
    "text",
    [
        "Sealed Power Corp said it signed a memorandum of understanding with General Motors.",
        "Workers at the plant reached a wage deal with management after a strike.",
        "Two senators reached a verbal agreement on the farm bill.",
        "Walgreens agreed to pay Florida $683 million to settle a lawsuit.",
        "Euratom timed the bond to the 30th anniversary of the Treaty of Rome.",
        "A minister praised the China-Central Asia Spirit of mutual respect.",
        "No declaration of force majeure has been made on the copper contracts.",
        "Austrian cabinet ministers reached an agreement on budget savings.",
    ],
)
def test_hard_negatives(text: str) -> None:
    assert _agreements(text) == ()


def test_later_reference_merges_and_adds_sectors() -> None:
    text = ("The summit leaders adopted the Astana Declaration. Trade grew after the talks. "
            "The latest joint declaration identifies key areas for cooperation, including trade "
            "facilitation and agricultural modernization.")
    (decl,) = _agreements(text)
    assert decl.title == "Astana Declaration"
    assert {"trade facilitation", "agricultural modernization"} <= set(decl.sectors)


def test_counted_bundle_links_to_summit() -> None:
    text = ("Xi Jinping attended the second China-Central Asia Summit in Astana. The summit resulted in "
            "the signing of 12 cooperation agreements covering trade facilitation, green minerals and customs.")
    (bundle,) = _agreements(text)
    assert (bundle.count, bundle.status, bundle.summit) == (12, "signed", "China-Central Asia Summit #2")
    assert set(bundle.sectors) == {"trade facilitation", "green minerals", "customs"}


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("Armenia and Azerbaijan will sign a peace agreement in Washington on Friday.", "planned"),
        ("The US terminated its 1948 tax treaty with the Netherlands.", "terminated"),
        ("The US and the Soviet Union continued negotiations on a missile treaty.", "negotiating"),
        ("France and West Germany agreed in principle on a helicopter accord.", "agreed"),
    ],
)
def test_status(text: str, status: str) -> None:
    assert [a.status for a in _agreements(text)] == [status]


def test_signed_on_from_dateline() -> None:
    text = " date 2022-02-14 Turkey and Azerbaijan signed the Shusha Declaration on June 15."
    (decl,) = _agreements(text)
    assert str(decl.signed_on) == "2021-06-15"  # June 15 before a February dateline is last year


@pytest.mark.parametrize(
    ("text", "sectors"),
    [
        # modifiers sharing one head are one area
        ("Peru and Chile signed a memorandum on trade and economic cooperation.", ["trade and economic cooperation"]),
        # ... but the last pair of a longer list stays two areas
        ("Peru and Chile signed a memorandum on energy, logistics and food security.",
         ["energy", "logistics", "food security"]),
        # a modifier the content repeats adds nothing; one it does not is an area of its own
        ("Peru and Chile signed a tax treaty to exchange tax information.", ["exchange tax information"]),
        ("Peru and Chile signed a forest pact on illegal logging.", ["forest", "illegal logging"]),
    ],
)
def test_sector_phrases(text: str, sectors: list[str]) -> None:
    assert [list(a.sectors) for a in _agreements(text)] == [sectors]


def test_purpose_verbs_left_alone_are_no_sector() -> None:
    from extractors.agreements import _sectors_from

    assert [s for s, _, _ in _sectors_from("fisheries, strengthen and avoid", 0)] == ["fisheries"]
