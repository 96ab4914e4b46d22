"""One row per real-world summit and agreement, derived from the articles' mentions.

An article's extraction is stored as mentions (the record as that article gives
it, with evidence). Merged rows are a function of their mentions: every scalar
field takes the value most articles give (all values are kept in ``claims``),
set fields are the union with article counts. Replacing an article's mentions
re-derives exactly the rows it touched, in the caller's transaction.

Matching follows EXTRACTION_SPEC.md "Across articles": a summit is its series
plus edition, else series plus year; an agreement is its normalised title, else
type + summit + parties.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

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
from extractors import records

_SERIES_STOP = {"the", "summit", "summits", "leaders", "leaders'", "meeting", "of", "heads", "state"}
_TITLE_STOP = {"the", "a", "an"}
_REF = re.compile(r"^(?P<name>.*?)(?:\s+#(?P<edition>\d+)|\s+(?P<year>\d{4}))?$")


def fold(value: str) -> str:
    """Lower-case ASCII words: the basis of every merge key."""
    value = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode().lower()
    return " ".join(re.sub(r"[^a-z0-9+']+", " ", value).split())


def series_key(name: str) -> str:
    return " ".join(w for w in fold(name).split() if w not in _SERIES_STOP) or fold(name)


def title_key(title: str) -> str:
    return " ".join(w for w in fold(title).split() if w not in _TITLE_STOP)


def replace_mentions(
    session: Session, article_id: int, extraction: records.Extraction
) -> dict[str, int]:
    """Make ``article_id``'s mentions those of ``extraction`` and re-derive what they touch.

    Returns:
        Counts: ``summits`` and ``agreements`` mentioned, and ``new_summits`` /
        ``new_agreements`` created by this article.
    """
    # Serialise work on one article (a re-extraction racing an ingest).
    published = session.execute(
        select(func.coalesce(Article.published_at, Article.feed_published_at, Article.created_at))
        .where(Article.id == article_id)
        .with_for_update()
    ).scalar_one()
    old = session.execute(
        delete(Mention).where(Mention.article_id == article_id)
        .returning(Mention.summit_id, Mention.agreement_id)
    ).all()
    touched_summits = {s for s, _ in old if s is not None}
    touched_agreements = {a for _, a in old if a is not None}
    counts = Counter[str]()

    summit_ids: dict[str, int] = {}
    taken: set[int] = set()  # an article's records are distinct summits (already merged)
    for ordinal, summit in enumerate(extraction.summits):
        summit_id, created = _resolve_summit(session, summit, published, taken)
        taken.add(summit_id)
        summit_ids.setdefault(summit.ref, summit_id)
        summit_ids.setdefault(summit.name, summit_id)
        touched_summits.add(summit_id)
        counts["new_summits"] += created
        _add_mention(session, article_id, "summit", ordinal, summit, extraction,
                     summit_id=summit_id)
    for ordinal, agreement in enumerate(extraction.agreements):
        linked = _linked_summit(session, agreement.summit, summit_ids)
        agreement_id, created = _resolve_agreement(session, agreement, linked, published)
        touched_agreements.add(agreement_id)
        counts["new_agreements"] += created
        _add_mention(session, article_id, "agreement", ordinal, agreement, extraction,
                     agreement_id=agreement_id, linked_summit=linked)
    session.flush()
    for summit_id in sorted(touched_summits):
        rederive_summit(session, summit_id)
    for agreement_id in sorted(touched_agreements):
        rederive_agreement(session, agreement_id)
    counts["summits"] = len(extraction.summits)
    counts["agreements"] = len(extraction.agreements)
    return dict(counts)


def _lock(session: Session, key: str) -> None:
    # Two runs creating the same summit at once would both miss, then both insert.
    session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": key})


def _effective_year(record: records.Summit, published: datetime | None) -> int | None:
    """The year that keys a summit without an edition: stated, else the report's year."""
    if record.year is not None:
        return record.year
    if record.edition is None and published is not None:
        return published.year
    return None


def _resolve_summit(
    session: Session, record: records.Summit, published: datetime | None, taken: set[int]
) -> tuple[int, bool]:
    series = series_key(record.name)
    _lock(session, f"summit:{series}")
    candidates = [s for s in session.scalars(select(Summit).where(Summit.series_key == series))
                  if s.id not in taken]
    for summit in candidates:
        if record.edition is not None and summit.edition == record.edition:
            return summit.id, False
    # Without a shared edition, the year decides: stated, else the year it was reported in
    # ("the second summit" in a June 2025 report and "the summit in 2025" are one).
    year = record.year or (published.year if published else None)
    # A shared edition wins over a disagreeing city (that becomes a claim); without one,
    # another host city means another summit.
    open_ = [s for s in candidates if (record.edition is None or s.edition is None)
             and not _other_host(record, s)]
    stated = [s for s in open_ if year is not None and s.year == year]
    # A row with only an edition is matched by the year it was reported in; an earlier
    # edition referred back to in passing has fewer articles than the one reported on.
    reported = [s for s in open_ if year is not None and s.year is None and s.first_reported
                and s.first_reported.year == year]
    for pool in (stated, reported):
        if pool:
            return max(pool, key=lambda s: (s.articles, -s.id)).id, False
    year = _effective_year(record, published)
    key = (f"{series}#{record.edition}" if record.edition is not None
           else f"{series}@{year if year is not None else '?'}")
    if record.city and record.edition is None:
        key += f"@{fold(record.city)}"  # two summits of a series in one year, two hosts
    known = {s.key for s in candidates}
    base, n = key, 1
    while key in known:  # same series and year, no edition or city to tell them apart
        n += 1
        key = f"{base}~{n}"
    summit = Summit(key=key, series_key=series, name=record.name, edition=record.edition,
                    year=year)
    session.add(summit)
    session.flush()
    return summit.id, True


def _other_host(record: records.Summit, summit: Summit) -> bool:
    """One edition has one host city: "the first summit, in Xi'an" is not the one in Astana."""
    return bool(record.city and summit.city and fold(record.city) != fold(summit.city))


def _linked_summit(session: Session, ref: str | None, in_article: dict[str, int]) -> int | None:
    """The summit an agreement's ``summit`` reference names: this article's, else a known one."""
    if not ref:
        return None
    if ref in in_article:
        return in_article[ref]
    match = _REF.match(ref.strip())
    if match is None:
        return None
    query = select(Summit.id).where(Summit.series_key == series_key(match["name"]))
    if match["edition"]:
        query = query.where(Summit.edition == int(match["edition"]))
    elif match["year"]:
        query = query.where(Summit.year == int(match["year"]))
    found = session.scalars(query.order_by(Summit.id)).all()
    return found[0] if len(found) == 1 else None


def agreement_key(record: records.Agreement, summit_key: str | None,
                  published: datetime | None) -> str:
    if record.title:
        return f"title:{title_key(record.title)}"
    parties = ",".join(sorted(record.parties))
    if summit_key:
        anchor = f"summit:{summit_key}"
    else:
        year = record.signed_on.year if record.signed_on else (published.year if published else "?")
        anchor = f"year:{year}"
    return f"{record.type}|{record.count}|{anchor}|{parties}"


def _resolve_agreement(
    session: Session, record: records.Agreement, summit_id: int | None,
    published: datetime | None,
) -> tuple[int, bool]:
    summit_key = session.scalar(select(Summit.key).where(Summit.id == summit_id)) if summit_id else None
    key = agreement_key(record, summit_key, published)
    stmt = insert(Agreement).values(key=key, title=record.title, type=record.type,
                                    count=record.count, summit_id=summit_id)
    created = session.execute(
        stmt.on_conflict_do_nothing(index_elements=[Agreement.key]).returning(Agreement.id)
    ).scalar()
    if created is not None:
        return created, True
    return session.execute(select(Agreement.id).where(Agreement.key == key)).scalar_one(), False


def _add_mention(
    session: Session, article_id: int, kind: str, ordinal: int,
    record: records.Summit | records.Agreement, extraction: records.Extraction, **links: Any,
) -> None:
    data = records.jsonable(asdict(record))
    evidence = data.pop("evidence")
    values = data.pop("values")
    confidence = data.pop("confidence")
    linked_summit = links.pop("linked_summit", None)
    if linked_summit is not None:
        data["summit_id"] = linked_summit
    session.add(Mention(
        article_id=article_id, kind=kind, ordinal=ordinal, record=data, evidence=evidence,
        values=values, confidence=confidence, extractor=extraction.extractor,
        extractor_version=extraction.version, **links,
    ))


# --------------------------------------------------------------------------- derivation

_SUMMIT_SCALARS = ("name", "edition", "year", "start_date", "end_date", "city", "country",
                   "status")
_AGREEMENT_SCALARS = ("title", "type", "count", "status", "signed_on", "summit_id")


def _mentions(session: Session, column: Any, owner_id: int) -> list[tuple[dict[str, Any], datetime]]:
    """(record, reported) of each article mentioning the row: one vote per article."""
    rows = session.execute(
        select(Mention.article_id, Mention.record,
               func.coalesce(Article.published_at, Article.feed_published_at, Article.created_at))
        .join(Article, Article.id == Mention.article_id)
        .where(column == owner_id)
        .order_by(Mention.article_id, Mention.ordinal)
    ).all()
    first: dict[int, tuple[dict[str, Any], datetime]] = {}
    for article_id, record, reported in rows:
        first.setdefault(article_id, (record, reported))
    return list(first.values())


def _vote(values: Iterable[tuple[Any, datetime]], *, latest_wins: bool = False) -> tuple[Any, Counter[str]]:
    """The best supported value (most articles; ties go to the earliest report, or the latest
    with ``latest_wins``), and the article count of every value as text."""
    tally: Counter[str] = Counter()
    typed: dict[str, Any] = {}
    when: dict[str, datetime] = {}
    for value, reported in values:
        if value is None or value == "":
            continue
        key = str(value)
        tally[key] += 1
        typed.setdefault(key, value)
        when[key] = max(when.get(key, reported), reported) if latest_wins else min(
            when.get(key, reported), reported)
    if not tally:
        return None, tally
    sign = 1 if latest_wins else -1
    best = max(tally, key=lambda k: (tally[k], sign * when[k].timestamp()))
    return typed[best], tally


def rederive_summit(session: Session, summit_id: int) -> None:
    mentions = _mentions(session, Mention.summit_id, summit_id)
    summit = session.get_one(Summit, summit_id)
    session.execute(delete(Claim).where(Claim.summit_id == summit_id))
    session.execute(delete(SummitParticipant).where(SummitParticipant.summit_id == summit_id))
    session.execute(delete(SummitPerson).where(SummitPerson.summit_id == summit_id))
    if not mentions:
        session.delete(summit)
        return
    chosen: dict[str, Any] = {}
    for field in _SUMMIT_SCALARS:
        value, tally = _vote(((_parse(field, r.get(field)), p) for r, p in mentions),
                             latest_wins=field == "status")
        chosen[field] = value
        _claims(session, tally, value, field, summit_id=summit_id)
    for field, value in chosen.items():
        if value is not None or field != "name":
            setattr(summit, field, value)
    if summit.year is None and summit.edition is None:
        summit.year = _vote((_effective_year_from(r, p), p) for r, p in mentions)[0]
    summit.articles = len(mentions)
    summit.first_reported = min(p for _, p in mentions)
    summit.last_reported = max(p for _, p in mentions)
    codes = Counter(c for r, _ in mentions for c in set(r.get("participants") or ()))
    session.add_all(SummitParticipant(summit_id=summit_id, code=c, articles=n)
                    for c, n in codes.items())
    for person in _people(mentions):
        session.add(SummitPerson(summit_id=summit_id, **person))


def _effective_year_from(record: dict[str, Any], published: datetime) -> int | None:
    return record.get("year") or (published.year if record.get("edition") is None else None)


def _people(mentions: list[tuple[dict[str, Any], datetime]]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    counts: Counter[str] = Counter()
    for record, _ in mentions:
        names = set()
        for kind, people in (("leader", record.get("leaders") or ()),
                             ("official", record.get("officials") or ())):
            for person in people:
                name = person.get("name")
                if not name or name in names:
                    continue
                names.add(name)
                counts[name] += 1
                entry = seen.setdefault(name, {"name": name, "kind": kind, "role": None,
                                               "country": None})
                entry["role"] = entry["role"] or person.get("role")
                entry["country"] = entry["country"] or person.get("country")
                if kind == "leader":
                    entry["kind"] = "leader"
    return [{**p, "articles": counts[n]} for n, p in seen.items()]


def rederive_agreement(session: Session, agreement_id: int) -> None:
    mentions = _mentions(session, Mention.agreement_id, agreement_id)
    agreement = session.get_one(Agreement, agreement_id)
    session.execute(delete(Claim).where(Claim.agreement_id == agreement_id))
    session.execute(delete(AgreementParty).where(AgreementParty.agreement_id == agreement_id))
    session.execute(delete(AgreementSector).where(AgreementSector.agreement_id == agreement_id))
    if not mentions:
        session.delete(agreement)
        return
    for field in _AGREEMENT_SCALARS:
        value, tally = _vote(((_parse(field, r.get(field)), p) for r, p in mentions),
                             latest_wins=field == "status")
        if field in ("type", "count") and value is None:
            continue
        setattr(agreement, field, value)
        if field != "summit_id":
            _claims(session, tally, value, field, agreement_id=agreement_id)
    agreement.summit_ref = _vote((r.get("summit"), p) for r, p in mentions)[0]
    agreement.articles = len(mentions)
    agreement.first_reported = min(p for _, p in mentions)
    agreement.last_reported = max(p for _, p in mentions)
    parties = Counter(c for r, _ in mentions for c in set(r.get("parties") or ()))
    session.add_all(AgreementParty(agreement_id=agreement_id, code=c, articles=n)
                    for c, n in parties.items())
    sectors = Counter(s.lower() for r, _ in mentions for s in {x.lower() for x in r.get("sectors") or ()})
    session.add_all(AgreementSector(agreement_id=agreement_id, sector=s, articles=n)
                    for s, n in sectors.items())


def _claims(session: Session, tally: Counter[str], chosen: Any, field: str, **owner: int) -> None:
    session.add_all(
        Claim(field=field, value=value, articles=n, chosen=value == str(chosen), **owner)
        for value, n in tally.items()
    )


def _parse(field: str, value: Any) -> Any:
    if value is not None and field in ("start_date", "end_date", "signed_on"):
        return date.fromisoformat(value)
    return value




