"""Merging a batch of articles at once gives the rows merging them one at a time gives."""

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from db import load, merge
from db.models import (
    Agreement,
    AgreementParty,
    AgreementSector,
    Article,
    Claim,
    Mention,
    Summit,
    SummitParticipant,
    SummitPerson,
)
from extractors import extract
from extractors.records import Agreement as AgreementRecord
from extractors.records import ArticleInput, Extraction, Span
from flows import stages

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).parents[1] / "fixtures" / "articles"


def reports() -> list[tuple[str, datetime, Extraction]]:
    """Every golden fixture, twice (a second report a month later), extracted for real."""
    texts = sorted(FIXTURES.glob("*.txt"))
    out = []
    for copy in range(2):
        for n, path in enumerate(texts):
            published = datetime(2025, 6, 1, tzinfo=UTC) + timedelta(days=n + 30 * copy)
            extraction = extract(ArticleInput(text=path.read_text(encoding="utf-8"),
                                              published=published))
            out.append((f"{path.stem}/{copy}", published, extraction))
    return out


def stored(session: Session, reports: list[tuple[str, datetime, Extraction]]) -> list[int]:
    ids = load.sync_feeds(session, [{"name": "f", "url": "https://f.example/rss", "region": None,
                                     "language": "en", "tags": [], "enabled": True}])
    load.insert_entries(session, ids["f"], [
        {"url": f"https://n.example/{name}", "canonical_url": f"https://n.example/{name}",
         "guid": None, "title": "t", "feed_title": "t", "authors": [],
         "feed_published_at": published} for name, published, _ in reports])
    by_url = dict(session.execute(select(Article.url, Article.id)).all())
    return [by_url[f"https://n.example/{name}"] for name, _, _ in reports]


def snapshot(session: Session) -> dict[str, Any]:
    """Every merged row, with ids replaced by the keys and URLs they stand for."""
    summit = dict(session.execute(select(Summit.id, Summit.key)).all())
    agreement = dict(session.execute(select(Agreement.id, Agreement.key)).all())
    url = dict(session.execute(select(Article.id, Article.url)).all())

    def rows(model: Any, *columns: str, **ids: dict[int, str]) -> list[tuple[Any, ...]]:
        out = []
        for row in session.scalars(select(model)):
            out.append(tuple(ids[c].get(getattr(row, c)) if c in ids else getattr(row, c)
                             for c in columns))
        return sorted(out, key=repr)

    def source(ranks: list[int] | None) -> tuple[Any, ...] | None:
        """(article, group, rank) a person's role or country came from, the article by URL."""
        return (url[ranks[0]], *ranks[1:]) if ranks else None

    return {
        "summits": rows(Summit, "key", "name", "edition", "year", "start_date", "end_date",
                        "city", "country", "status", "articles", "first_reported",
                        "last_reported"),
        "agreements": rows(Agreement, "key", "title", "type", "count", "status", "summit_id",
                           "summit_ref", "signed_on", "articles", summit_id=summit),
        "claims": rows(Claim, "summit_id", "agreement_id", "field", "value", "articles",
                       "chosen", "first_reported", "last_reported", "first_article",
                       summit_id=summit, agreement_id=agreement, first_article=url),
        "participants": rows(SummitParticipant, "summit_id", "code", "articles",
                             summit_id=summit),
        "people": sorted(((summit[p.summit_id], p.name, p.kind, p.role, source(p.role_from),
                           p.country, source(p.country_from), p.articles)
                          for p in session.scalars(select(SummitPerson))), key=repr),
        "parties": rows(AgreementParty, "agreement_id", "code", "articles",
                        agreement_id=agreement),
        "sectors": rows(AgreementSector, "agreement_id", "sector", "articles",
                        agreement_id=agreement),
        "mentions": rows(Mention, "article_id", "kind", "ordinal", "summit_id", "agreement_id",
                         article_id=url, summit_id=summit, agreement_id=agreement),
    }


def merged(engine: Engine, merge_all: Callable[[Session, list[tuple[int, Extraction]]], Any],
           ) -> tuple[dict[str, Any], Any]:
    with engine.connect() as conn:
        outer = conn.begin()
        with Session(bind=conn, join_transaction_mode="create_savepoint") as session:
            found = reports()
            ids = stored(session, found)
            counts = merge_all(session, [(i, e) for i, (_, _, e) in zip(ids, found, strict=True)])
            state = snapshot(session)
        outer.rollback()
    return state, counts


def test_a_batch_merges_as_its_articles_would_one_at_a_time(engine: Engine) -> None:
    one_by_one, single_counts = merged(
        engine, lambda s, items: [merge.replace_mentions(s, i, e) for i, e in items])
    batched, batch_counts = merged(engine, merge.replace_many)
    assert one_by_one["summits"], "the fixtures give summits"
    assert one_by_one["agreements"], "the fixtures give agreements"
    for table in one_by_one:
        assert batched[table] == one_by_one[table], table
    assert batch_counts == single_counts


def test_merging_a_batch_again_changes_nothing(engine: Engine) -> None:
    def twice(session: Session, items: list[tuple[int, Extraction]]) -> dict[str, Any]:
        merge.replace_many(session, items)
        first = snapshot(session)
        counts = merge.replace_many(session, items)
        assert all(c.get("new_summits", 0) == c.get("new_agreements", 0) == 0 for c in counts)
        return first

    state, first = merged(engine, twice)
    assert state == first


def test_a_record_the_database_refuses_costs_only_its_article(session: Session) -> None:
    found = reports()[:3]
    good, bad, other = stored(session, found)
    refused = AgreementRecord(type="agreement", count=None,  # type: ignore[arg-type]
                              evidence=(Span(start=0, end=1, text="x"),))
    counts: stages.Counts = Counter()
    stages.store_extractions(session, [
        (good, 1, found[0][2]),
        (bad, 1, Extraction(agreements=(refused,), extractor="test", version="1")),
        (other, 1, found[2][2])], counts)
    assert counts[1, "failed_store_error"] == 1
    assert found[0][2].agreements and found[2][2].agreements
    assert set(session.scalars(select(Mention.article_id))) == {good, other}
    states = dict(session.execute(select(Article.id, Article.extractor_version)).all())
    assert states[good] and states[other] and states[bad] is None


def test_rows_merged_before_tallies_were_kept_are_recounted_when_next_touched(
        engine: Engine) -> None:
    """Rows from before migration 0010 (``tallied`` false, claims without their tie-breaks)
    come out as if every article had been merged with tallies kept."""
    def in_two_halves(session: Session, items: list[tuple[int, Extraction]]) -> None:
        half = len(items) // 2  # the fixtures' first reports, then their second ones
        merge.replace_many(session, items[:half])
        session.execute(text("UPDATE summits SET tallied = false"))
        session.execute(text("UPDATE agreements SET tallied = false"))
        session.execute(text("UPDATE claims SET first_reported = NULL, last_reported = NULL, "
                             "first_article = NULL, articles = 99"))
        session.execute(text("UPDATE summit_people SET role_from = NULL, country_from = NULL"))
        merge.replace_many(session, items[half:])

    whole, _ = merged(engine, merge.replace_many)
    halves, _ = merged(engine, in_two_halves)
    assert whole["claims"], "the fixtures give claims"
    for table in whole:
        assert halves[table] == whole[table], table


def test_votes_of_an_article_deleted_in_sql_leave_the_rows_at_the_next_merge(
        engine: Engine) -> None:
    """Deleting an article takes its mentions with it (the foreign key cascades); the
    rows they voted for are recounted the next time a merge touches them."""
    def delete_one_then_merge(session: Session, items: list[tuple[int, Extraction]]) -> None:
        half = len(items) // 2
        merge.replace_many(session, items[:half])
        session.execute(text("DELETE FROM articles WHERE id = :id"), {"id": items[0][0]})
        merge.replace_many(session, items[half:])

    def without_it(session: Session, items: list[tuple[int, Extraction]]) -> None:
        session.execute(text("DELETE FROM articles WHERE id = :id"), {"id": items[0][0]})
        merge.replace_many(session, items[1:])

    deleted, _ = merged(engine, delete_one_then_merge)
    never, _ = merged(engine, without_it)
    for table in never:
        assert deleted[table] == never[table], table
