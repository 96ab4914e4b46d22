"""The extractor's prefilter: an article without a cue word is skipped, never one with a record."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extractors import extract
from extractors.agreements import find_doc_mentions
from extractors.context import build_context
from extractors.entities import DATA_DIR
from extractors.records import ArticleInput
from extractors.rules import has_cue
from extractors.summits import find_summit_mentions

NOUNS = sorted({surface for surface, _ in json.loads((DATA_DIR / "documents.json").read_text())["types"]})
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "articles"


@pytest.mark.parametrize("noun", NOUNS)
def test_every_document_noun_is_a_cue_in_any_case(noun: str) -> None:
    for form in (noun, noun.upper(), noun.title(), noun.lower()):
        assert has_cue(f"Officials said the {form} was ready."), form
        assert has_cue(f"{form}: what it says"), form


@pytest.mark.parametrize("text", [
    "Leaders met at the summit in Baku.",
    "THE SUMMIT OPENS",
    "a third session of the CIS Council of Heads of State",
    "a session of the council of the heads of state",
    "The Plan of Action was approved.",
    "ſummit",  # long s: a case-insensitive match of "s"
    "The ſtatement was issued.",
    "Turkish TREATY",
])
def test_cues(text: str) -> None:
    assert has_cue(text)


@pytest.mark.parametrize("text", [
    "The weather was fine and the harvest good.",
    "Shares rose on the impact of the idea, according to analysts.",  # words that contain a noun
    "He treated the dealer well; the planned compact stadium opens.",
    "",
])
def test_no_cues(text: str) -> None:
    assert not has_cue(text)


def test_text_without_cue_yields_nothing_quickly() -> None:
    result = extract(ArticleInput(text="The central bank left rates unchanged on Tuesday. " * 50))
    assert result.summits == () and result.agreements == ()
    assert result.extractor and result.version


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.txt")), ids=lambda p: p.stem)
def test_fixtures_with_records_have_cues(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    result = extract(ArticleInput(text=text))
    if result.summits or result.agreements:
        assert has_cue(text)


WORDS = ["the", "summit", "Summit", "deal", "ideal", "pact", "impact", "accord", "according", "plan",
         "Plan", "planned", "MoU", "amount", "treaty", "treatment", "joint", "statement", "China",
         "Kazakhstan", "signed", "a", "on", "trade", "road", "map", "Council", "of", "Heads", "State",
         "-", ",", ".", "\n", "’s", "ſ", "ı", "İ", "K"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(WORDS), max_size=40))
def test_no_cue_means_no_records(words: list[str]) -> None:
    text = " ".join(words)
    if not has_cue(text):
        # past the prefilter, the rules themselves find no mention to start from
        ctx = build_context(ArticleInput(text=text))
        assert find_summit_mentions(ctx) == [] and find_doc_mentions(ctx) == []
