"""Merging mentions across articles into one row per summit and agreement."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db import load, merge
from db.models import (
    Agreement,
    AgreementParty,
    Article,
    Claim,
    Mention,
    Summit,
    SummitParticipant,
    SummitPerson,
)
from extractors.records import Agreement as AgreementRecord
from extractors.records import Extraction, Person, Span
from extractors.records import Summit as SummitRecord

pytestmark = pytest.mark.integration

EVIDENCE = (Span(start=0, end=10, text="0123456789"),)
CA5 = ("CN", "KZ", "KG", "TJ", "TM", "UZ")


def article(session: Session, n: int, day: int = 17) -> int:
    ids = load.sync_feeds(session, [{"name": "f", "url": "https://f.example/rss", "region": None,
                                     "language": "en", "tags": [], "enabled": True}])
    load.insert_entries(session, ids["f"], [{
        "url": f"https://n.example/{n}", "canonical_url": f"https://n.example/{n}", "guid": None,
        "title": "t", "feed_title": "t", "authors": [],
        "feed_published_at": datetime(2025, 6, day, tzinfo=UTC)}])
    return session.scalars(select(Article.id).where(Article.url == f"https://n.example/{n}")).one()


def summit(**fields: object) -> SummitRecord:
    base: dict[str, object] = {"name": "China-Central Asia Summit", "evidence": EVIDENCE,
                               "status": "held"}
    return SummitRecord(**{**base, **fields})  # type: ignore[arg-type]


def extraction(*summits: SummitRecord, agreements: tuple[AgreementRecord, ...] = (),
               version: str = "1") -> Extraction:
    return Extraction(summits=summits, agreements=agreements, extractor="test", version=version)


def test_three_articles_about_one_summit_make_one_row_with_three_mentions(session: Session) -> None:
    a, b, c = (article(session, n) for n in (1, 2, 3))
    merge.replace_mentions(session, a, extraction(summit(edition=2, city="Astana", country="KZ",
                                                         participants=CA5)))
    merge.replace_mentions(session, b, extraction(summit(edition=2, year=2025, city="Astana",
                                                         participants=("CN", "KZ"))))
    # no edition: matched by series + year (the year of the report)
    merge.replace_mentions(session, c, extraction(summit(city="Astana", leaders=(
        Person(name="Xi Jinping", role="President", country="CN"),))))
    (row,) = session.scalars(select(Summit)).all()
    assert (row.edition, row.year, row.city, row.country, row.articles) == (2, 2025, "Astana",
                                                                             "KZ", 3)
    assert session.scalar(select(func.count()).select_from(Mention)) == 3
    participants = dict(session.execute(
        select(SummitParticipant.code, SummitParticipant.articles)).all())
    assert participants == {"CN": 2, "KZ": 2, "KG": 1, "TJ": 1, "TM": 1, "UZ": 1}
    assert session.scalars(select(SummitPerson.name)).all() == ["Xi Jinping"]


def test_disagreeing_values_are_kept_as_claims_and_the_best_supported_wins(
    session: Session,
) -> None:
    ids = [article(session, n) for n in range(3)]
    for article_id, city in zip(ids, ["Astana", "Astana", "Almaty"], strict=True):
        merge.replace_mentions(session, article_id, extraction(summit(edition=2, city=city)))
    assert session.scalar(select(Summit.city)) == "Astana"
    claims = {(c.value, c.articles, c.chosen)
              for c in session.scalars(select(Claim).where(Claim.field == "city"))}
    assert claims == {("Astana", 2, True), ("Almaty", 1, False)}


def test_different_editions_stay_apart(session: Session) -> None:
    a = article(session, 1)
    merge.replace_mentions(session, a, extraction(summit(edition=2), summit(edition=1, year=2023)))
    assert sorted(session.scalars(select(Summit.edition))) == [1, 2]


def test_agreements_merge_by_title_and_by_type_summit_parties(session: Session) -> None:
    declaration = AgreementRecord(title="Astana Declaration", type="declaration", parties=CA5,
                                  summit="China-Central Asia Summit #2", evidence=EVIDENCE)
    bundle = AgreementRecord(type="agreement", count=12, parties=CA5, sectors=("customs",),
                             summit="China-Central Asia Summit #2", evidence=EVIDENCE)
    a, b = article(session, 1), article(session, 2)
    merge.replace_mentions(session, a, extraction(summit(edition=2),
                                                  agreements=(declaration, bundle)))
    merge.replace_mentions(session, b, extraction(summit(edition=2), agreements=(
        AgreementRecord(title="the Astana declaration", type="declaration", parties=("CN",),
                        evidence=EVIDENCE),
        AgreementRecord(type="agreement", count=12, parties=CA5, sectors=("Green minerals",),
                        summit="China-Central Asia Summit #2", evidence=EVIDENCE))))
    rows = session.scalars(select(Agreement).order_by(Agreement.id)).all()
    assert [(r.title, r.count, r.articles) for r in rows] == [
        ("Astana Declaration", 1, 2), (None, 12, 2)]
    summit_id = session.scalar(select(Summit.id))
    assert all(r.summit_id == summit_id for r in rows)
    assert session.scalar(select(func.count()).select_from(AgreementParty)) == 12


def test_reextraction_replaces_mentions_and_drops_orphans_atomically(session: Session) -> None:
    a, b = article(session, 1), article(session, 2)
    merge.replace_mentions(session, a, extraction(summit(edition=2), summit(name="SCO Summit",
                                                                           year=2025)))
    merge.replace_mentions(session, b, extraction(summit(edition=2, city="Astana")))
    merge.replace_mentions(session, a, extraction(summit(edition=2, city="Astana"), version="2"))
    assert session.scalars(select(Summit.name)).all() == ["China-Central Asia Summit"]
    assert session.scalar(select(Summit.articles)) == 2
    assert set(session.scalars(select(Mention.extractor_version).where(
        Mention.article_id == a))) == {"2"}
    before = session.scalar(select(func.count()).select_from(Mention))
    merge.replace_mentions(session, a, extraction(summit(edition=2, city="Astana"), version="2"))
    assert session.scalar(select(func.count()).select_from(Mention)) == before


def test_a_failed_reextraction_changes_nothing(fresh_database_url: str) -> None:
    engine = create_engine(fresh_database_url)  # commits: not the rolled-back session
    with Session(engine) as session, session.begin():
        a = article(session, 900)
        merge.replace_mentions(session, a, extraction(summit(edition=7, city="Astana")))
    broken = extraction(summit(edition=7, city="Almaty"),
                        agreements=(AgreementRecord(type="agreement", evidence=EVIDENCE,
                                                    count=None),))  # type: ignore[arg-type]
    with pytest.raises(IntegrityError), Session(engine) as session, session.begin():
        merge.replace_mentions(session, a, broken)
    with Session(engine) as session:
        row = session.scalars(select(Summit).where(Summit.edition == 7)).one()
        assert row.city == "Astana"
        assert session.scalar(select(func.count()).select_from(Mention).where(
            Mention.article_id == a)) == 1
    engine.dispose()


def test_a_back_reference_to_an_earlier_edition_stays_its_own_summit(session: Session) -> None:
    # The first report names the summit without its ordinal, and the first edition in passing;
    # the second report gives the ordinal. Two summits, each with both articles.
    a, b = article(session, 1, day=18), article(session, 2, day=17)
    merge.replace_mentions(session, a, extraction(
        summit(city="Astana"), summit(edition=1, city="Xi'an")))
    merge.replace_mentions(session, b, extraction(
        summit(edition=2, city="Astana"), summit(edition=1, city="Xi'an")))
    rows = {(s.edition, s.city): s.articles for s in session.scalars(select(Summit))}
    assert rows == {(2, "Astana"): 2, (1, "Xi'an"): 2}


def test_two_summits_of_a_series_in_one_year_get_two_rows(session: Session) -> None:
    a = article(session, 1)
    merge.replace_mentions(session, a, extraction(
        summit(name="SCO Summit", city="Tianjin"), summit(name="SCO Summit", city="Bishkek"),
        summit(name="SCO Summit")))
    assert session.scalar(select(func.count()).select_from(Summit)) == 3
