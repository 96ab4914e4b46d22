"""The report's timeline labels its markers only where the labels do not overlap."""

from datetime import date, timedelta
from typing import Any

from lxml import etree

from flows.report import timeline_svg


def summit(n: int, series: str, day: date, city: str) -> dict[str, Any]:
    return {"summit_id": n, "series": series, "report_date": day, "start_date": day,
            "status": "held", "edition": n, "year": None, "city": city}


def labels(svg: str) -> list[str]:
    root = etree.fromstring(svg.encode())
    return [" ".join("".join(t.itertext()).split()) for t in root.iter("{*}text")]


def test_a_crowded_row_keeps_the_labels_that_fit_and_a_sparse_row_keeps_all() -> None:
    start = date(2025, 1, 1)
    crowded = [summit(n, "Crowded Summit", start + timedelta(days=n), "Samarkand")
               for n in range(1, 121)]
    sparse = [summit(200, "Sparse Summit", start, "Astana"),
              summit(201, "Sparse Summit", start + timedelta(days=119), "Bishkek")]
    shown = labels(str(timeline_svg(crowded + sparse)))
    assert "#200 Astana" in shown and "#201 Bishkek" in shown
    placed = [t for t in shown if t.endswith("Samarkand")]
    # ~13 characters of label span ~10 days of this 4-month axis: one label in ten days
    # above the markers and one below, not 120 piled on each other.
    assert 8 <= len(placed) <= 40, placed
    assert "#1 Samarkand" in placed  # the first of a row always has room


def test_labels_of_summits_far_apart_all_show() -> None:
    start = date(2020, 1, 1)
    rows = [summit(n, "G20 Summit", start + timedelta(days=365 * n), "Osaka")
            for n in range(1, 6)]
    assert sorted(t for t in labels(str(timeline_svg(rows))) if "Osaka" in t) == [
        f"#{n} Osaka" for n in range(1, 6)]
