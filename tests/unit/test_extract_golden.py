"""Golden files: each tests/fixtures/articles/<case>.txt against <case>.expected.json.

Regenerate with ``python scripts/regen_golden.py`` and review the diff.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import extractors
from extractors import (
    EXTRACTOR_NAME,
    EXTRACTOR_VERSION,
    extract,
    get_extractor,
    register,
    registered,
)
from extractors.base import ExtractionError
from extractors.records import ArticleInput, Extraction

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "articles"
CASES = sorted(p.stem for p in FIXTURES.glob("*.txt"))
DROP = ("evidence", "values", "confidence")


def _strip(data: dict[str, Any]) -> dict[str, Any]:
    return {key: [{k: v for k, v in rec.items() if k not in DROP} for rec in data[key]]
            for key in ("summits", "agreements")}


@pytest.mark.parametrize("case", CASES)
def test_golden(case: str) -> None:
    text = (FIXTURES / f"{case}.txt").read_text(encoding="utf-8")
    expected = json.loads((FIXTURES / f"{case}.expected.json").read_text(encoding="utf-8"))
    assert _strip(extract(ArticleInput(text=text)).as_dict()) == expected


@pytest.mark.parametrize("case", CASES)
def test_evidence_and_values_point_into_text(case: str) -> None:
    text = (FIXTURES / f"{case}.txt").read_text(encoding="utf-8")
    result = extract(ArticleInput(text=text))
    for record in (*result.summits, *result.agreements):
        assert record.evidence, "a record without evidence is a defect"
        assert 0.0 <= record.confidence <= 1.0
        for span in (*record.evidence, *(v.span for v in record.values)):
            assert text[span.start:span.end] == span.text


def test_every_fixture_has_expectations() -> None:
    assert CASES
    for case in CASES:
        assert (FIXTURES / f"{case}.expected.json").is_file(), case


def test_extraction_is_stamped() -> None:
    result = extract(ArticleInput(text="Nothing happened today."))
    assert (result.extractor, result.version) == (EXTRACTOR_NAME, EXTRACTOR_VERSION)
    assert result.summits == () and result.agreements == ()


def test_registry_contract() -> None:
    assert EXTRACTOR_NAME in registered()
    for name in registered():
        extractor = get_extractor(name)
        assert extractor.name == name
        assert isinstance(extractor(ArticleInput(text="A short text.")), Extraction)


def test_registry_fails_loudly() -> None:
    with pytest.raises(KeyError, match="unknown extractor"):
        get_extractor("no-such-extractor")
    with pytest.raises(ValueError, match="already registered"):
        register(EXTRACTOR_NAME)(extractors._rules)


def test_bad_input_raises_extraction_error() -> None:
    with pytest.raises(ExtractionError):
        extract(ArticleInput(text=123))  # type: ignore[arg-type]
    with pytest.raises(ExtractionError):
        get_extractor()(ArticleInput(text="x" * 300_000))


def test_published_date_anchors_relative_days() -> None:
    from datetime import date

    text = "The presidents of Kazakhstan and Uzbekistan signed a border treaty today in Tashkent."
    result = extract(ArticleInput(text=text, published=date(2024, 3, 5)))
    assert [a.signed_on for a in result.agreements] == [date(2024, 3, 5)]
