"""Reporting views, filters, full-text search and the read-only role, on a real PostgreSQL."""

import csv
import io
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from db import load, merge
from db.reports import (
    Filters,
    UnsupportedFilterError,
    export_report,
    run_report,
    search_articles,
)
from db.roles import grant_reader
from extractors.records import Agreement, Extraction, Span, Summit
from flows.output import to_csv, to_json
from tests.integration.test_report_lists import (
    add_records,
    assert_exports_as_views,
    assert_views_as_before,
)

pytestmark = pytest.mark.integration

EVIDENCE = (Span(start=0, end=5, text="Leade"),)


def add_article(session: Session, n: int, body: str, day: date) -> int:
    ids = load.sync_feeds(session, [{"name": "wire", "url": "https://w.example/rss",
                                     "region": "global", "language": "en", "tags": [],
                                     "enabled": True}])
    url = f"https://w.example/{n}"
    load.insert_entries(session, ids["wire"], [{
        "url": url, "canonical_url": url, "guid": None, "title": f"Story {n}",
        "feed_title": f"Story {n}", "authors": [], "feed_published_at": None}])
    (article_id,) = [i for i, u, _ in load.urls_for(session, load.articles_to_fetch(
        session, max_attempts=3)) if u == url]
    load.store_clean(session, article_id, {
        "text": body, "title": f"Story {n}",
        "published_at": datetime(day.year, day.month, day.day, tzinfo=UTC)})
    return article_id


@pytest.fixture
def filled(session: Session) -> Session:
    a = add_article(session, 1, "Leaders signed an agreement on green minerals and customs.",
                    date(2025, 6, 17))
    b = add_article(session, 2, "The SCO summit in Tianjin adopted a declaration on security.",
                    date(2025, 9, 1))
    merge.replace_mentions(session, a, Extraction(
        summits=(Summit(name="China-Central Asia Summit", edition=2, city="Astana",
                        country="KZ", participants=("CN", "KZ", "UZ"), evidence=EVIDENCE),),
        agreements=(Agreement(type="agreement", count=12, parties=("CN", "KZ", "UZ"),
                              sectors=("green minerals", "customs"),
                              summit="China-Central Asia Summit #2", status="signed",
                              evidence=EVIDENCE),),
        extractor="t", version="1"))
    merge.replace_mentions(session, b, Extraction(
        summits=(Summit(name="SCO Summit", year=2025, city="Tianjin", country="CN",
                        participants=("CN", "RU", "KZ"), evidence=EVIDENCE),),
        agreements=(Agreement(title="Tianjin Declaration", type="declaration", parties=("CN",),
                              summit="SCO Summit 2025", status="adopted", evidence=EVIDENCE),),
        extractor="t", version="1"))
    session.flush()
    return session


def test_summits_view_has_one_row_per_summit_with_counts(filled: Session) -> None:
    rows = run_report(filled, "summits", Filters())
    assert [r["series"] for r in rows] == ["SCO Summit", "China-Central Asia Summit"]
    astana = rows[1]
    assert (astana["edition"], astana["city"], astana["host_country"]) == (2, "Astana", "KZ")
    assert astana["participants"] == ["CN", "KZ", "UZ"]
    assert (astana["agreements"], astana["articles"]) == (1, 1)


@pytest.mark.parametrize(
    ("report", "filters", "expected"),
    [
        ("summits", Filters(country="uz"), 1),  # codes are matched upper-cased
        ("summits", Filters(country="KZ"), 2),
        ("summits", Filters(series="sco"), 1),
        ("summits", Filters(since=date(2025, 7, 1)), 1),
        ("summits", Filters(until=date(2025, 7, 1)), 1),
        ("agreements", Filters(type="declaration"), 1),
        ("agreements", Filters(country="UZ"), 1),
        ("agreements", Filters(series="Central Asia"), 1),
        ("countries", Filters(country="KZ"), 2),  # two months with activity
        ("feeds", Filters(), 1),
    ],
)
def test_filters(filled: Session, report: str, filters: Filters, expected: int) -> None:
    assert len(run_report(filled, report, filters)) == expected


def test_views_give_the_rows_their_former_definitions_gave(filled: Session) -> None:
    """The lists kept on the rows (migration 0007) equal the former per-row sub-queries
    on records that merging stored, and after a record is merged again."""
    assert_views_as_before(filled)
    c = add_article(filled, 3, "Kazakhstan and Russia signed the Tianjin Declaration.",
                    date(2025, 9, 2))
    merge.replace_mentions(filled, c, Extraction(
        agreements=(Agreement(title="Tianjin Declaration", type="declaration",
                              parties=("RU", "KZ"), sectors=("security", "transit"),
                              summit="SCO Summit 2025", status="adopted",
                              evidence=EVIDENCE),),
        extractor="t", version="1"))
    filled.flush()
    tianjin = run_report(filled, "agreements", Filters(type="declaration"))
    assert [(r["parties"], r["sectors"]) for r in tianjin] == [
        (["CN", "KZ", "RU"], ["security", "transit"])]
    assert_views_as_before(filled)
    assert_exports_as_views(filled)


def test_country_activity_counts_summits_and_documents(filled: Session) -> None:
    june = [r for r in run_report(filled, "countries", Filters(country="KZ"))
            if r["month"] == date(2025, 6, 1)]
    assert june == [{"country": "KZ", "month": date(2025, 6, 1), "summits_attended": 1,
                     "agreements_joined": 1, "documents_joined": 12}]


def test_a_filter_a_report_has_no_column_for_is_refused(filled: Session) -> None:
    with pytest.raises(UnsupportedFilterError):
        run_report(filled, "summits", Filters(type="treaty"))


def test_csv_and_json_round_trip(filled: Session) -> None:
    rows = run_report(filled, "agreements", Filters())
    parsed = list(csv.DictReader(io.StringIO(to_csv(rows))))
    assert len(parsed) == 2 and parsed[1]["parties"] == "CN;KZ;UZ"
    loaded = json.loads(to_json(rows))
    assert loaded[1]["sectors"] == ["customs", "green minerals"] or loaded[1]["sectors"] == [
        "green minerals", "customs"]


def test_full_text_search_ranks_and_snippets(filled: Session) -> None:
    hits = search_articles(filled, '"green minerals"')
    assert [h["title"] for h in hits] == ["Story 1"]
    assert "«green» «minerals»" in hits[0]["snippet"]
    assert search_articles(filled, "security declaration")[0]["title"] == "Story 2"
    assert search_articles(filled, "minerals", since=date(2025, 7, 1)) == []
    index = filled.scalar(text("SELECT indexdef FROM pg_indexes "
                               "WHERE indexname = 'ix_articles_search'"))
    assert index and "USING gin (search)" in index  # an index, not LIKE


@pytest.fixture
def reader(fresh_database_url: str) -> Iterator[tuple[str, str]]:
    name = f"reader_{uuid.uuid4().hex[:8]}"
    admin = create_engine(fresh_database_url)
    with Session(admin) as session, session.begin():
        assert grant_reader(session, name, "pw") is True
        assert grant_reader(session, name) is False  # idempotent
    reader_url = make_url(fresh_database_url).set(username=name, password="pw")
    yield name, reader_url.render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f"DROP OWNED BY {name}"))
        conn.execute(text(f"DROP ROLE {name}"))
        conn.commit()
    admin.dispose()


def test_the_reader_reads_views_and_cannot_write(reader: tuple[str, str]) -> None:
    _, url = reader
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM reporting.summits")).scalar() == 0
    for statement in (
        "SELECT count(*) FROM public.articles",
        "INSERT INTO public.feeds (name, url) VALUES ('x', 'https://x.example')",
        "UPDATE public.summits SET city = 'x'",
        "DELETE FROM public.articles",
        "CREATE TABLE public.mine (id int)",
        "CREATE TABLE reporting.mine (id int)",
    ):
        with engine.connect() as conn, pytest.raises(DBAPIError):
            conn.execute(text(statement))
    engine.dispose()


def test_role_names_are_validated(session: Session) -> None:
    with pytest.raises(ValueError):
        grant_reader(session, "x; DROP TABLE articles")


@pytest.mark.parametrize("report", ["summits", "agreements", "countries", "feeds"])
def test_exports_built_by_postgresql_match_the_rows(filled: Session, report: str) -> None:
    rows = run_report(filled, report, Filters())
    exported = json.loads(export_report(filled, report, Filters(), "json"))
    assert exported == json.loads(to_json(rows))
    parsed = list(csv.DictReader(io.StringIO(export_report(filled, report, Filters(), "csv"))))
    expected = list(csv.DictReader(io.StringIO(to_csv(rows))))
    assert [list(r) for r in parsed] == [list(r) for r in expected]
    if report == "agreements":
        assert parsed[1]["parties"] == "CN;KZ;UZ"


def test_exports_apply_filters(filled: Session) -> None:
    exported = json.loads(export_report(filled, "summits", Filters(country="uz"), "json"))
    assert [s["series"] for s in exported] == ["China-Central Asia Summit"]
    assert export_report(filled, "summits", Filters(country="ZZ"), "json") == "[]"


@pytest.mark.parametrize("filters", [
    Filters(type="declaration"),
    Filters(country="uz"),
    Filters(series="central asia"),  # ILIKE '%' || :series || '%', through the driver
    Filters(since=date(2025, 7, 1)),
    Filters(until=date(2025, 7, 1)),
    Filters(limit=1),
    Filters(type="treaty"),
])
def test_agreement_json_exports_apply_filters_and_limits(filled: Session,
                                                         filters: Filters) -> None:
    """Agreements are exported from their kept JSON (0008): the same rows as the report."""
    exported = json.loads(export_report(filled, "agreements", filters, "json"))
    assert exported == json.loads(to_json(run_report(filled, "agreements", filters)))


def test_country_activity_can_read_records_from_their_covering_indexes(
    fresh_database_url: str,
) -> None:
    """The indexes of 0009 hold every column the view reads from summits and agreements:
    once vacuumed, and without sequential or bitmap scans, it reads both index-only."""
    engine = create_engine(fresh_database_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            add_records(conn)
            conn.execute(text("VACUUM ANALYZE summits, agreements"))
            conn.execute(text("SET enable_seqscan = off"))
            conn.execute(text("SET enable_bitmapscan = off"))
            plan = "\n".join(conn.execute(text(
                "EXPLAIN SELECT * FROM reporting.country_activity")).scalars())
    finally:
        engine.dispose()
    assert "Index Only Scan using ix_summits_id_activity" in plan
    assert "Index Only Scan using ix_agreements_id_activity" in plan
