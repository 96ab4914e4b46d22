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
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, select, text, update
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
    """Make ``article_id``'s mentions those of ``extraction``; see :func:`replace_many`."""
    return replace_many(session, [(article_id, extraction)])[0]


def replace_many(
    session: Session, items: Sequence[tuple[int, records.Extraction]]
) -> list[dict[str, int]]:
    """Make each article's mentions those of its extraction and re-derive what they touch.

    The articles are resolved one after another, as if merged one at a time, but the
    database work is a fixed number of statements per batch (plus one insert per new
    summit), and every touched row is re-derived once at the end.

    Returns:
        Counts per item: ``summits`` and ``agreements`` mentioned, and ``new_summits`` /
        ``new_agreements`` created by that article.
    """
    if not items:
        return []
    ids = [article_id for article_id, _ in items]
    # Serialise work on one article (a re-extraction racing an ingest); ids in order,
    # so two batches never wait on each other crosswise.
    published: dict[int, datetime | None] = dict(session.execute(
        select(Article.id,
               func.coalesce(Article.published_at, Article.feed_published_at, Article.created_at))
        .where(Article.id.in_(ids)).order_by(Article.id).with_for_update()
    ).all())
    old = session.execute(
        delete(Mention).where(Mention.article_id.in_(ids))
        .returning(Mention.summit_id, Mention.agreement_id)
    ).all()
    touched_summits = {s for s, _ in old if s is not None}
    touched_agreements = {a for _, a in old if a is not None}

    summits = _SummitIndex(session, {series_key(s.name) for _, e in items for s in e.summits})
    counts = [Counter[str]() for _ in items]
    mentions: list[dict[str, Any]] = []
    pending: list[tuple[int, records.Agreement, int | None, str]] = []  # item, record, summit, key
    for n, (article_id, extraction) in enumerate(items):
        reported = published.get(article_id)
        in_article: dict[str, int] = {}
        taken: set[int] = set()  # an article's records are distinct summits (already merged)
        for ordinal, record in enumerate(extraction.summits):
            row, created = summits.resolve(record, reported, taken)
            taken.add(row.id)
            in_article.setdefault(record.ref, row.id)
            in_article.setdefault(record.name, row.id)
            touched_summits.add(row.id)
            counts[n]["new_summits"] += created
            mentions.append(_mention(article_id, "summit", ordinal, record, extraction,
                                     summit_id=row.id))
        summits.reported(taken, reported)
        for ordinal, agreement in enumerate(extraction.agreements):
            linked = in_article.get(agreement.summit or "") or summits.find(agreement.summit)
            key = agreement_key(agreement, summits.key_of(linked), reported)
            pending.append((n, agreement, linked, key))
            mentions.append(_mention(article_id, "agreement", ordinal, agreement, extraction,
                                     linked_summit=linked))

    agreement_ids, created_keys = _agreement_rows(session, pending)
    firsts: set[str] = set()
    agreement_mentions = iter(m for m in mentions if m["kind"] == "agreement")
    for (n, _, _, key), mention in zip(pending, agreement_mentions, strict=True):
        mention["agreement_id"] = agreement_ids[key]
        touched_agreements.add(agreement_ids[key])
        if key in created_keys and key not in firsts:
            firsts.add(key)
            counts[n]["new_agreements"] += 1
    if mentions:
        session.execute(insert(Mention), mentions)
    rederive_summits(session, sorted(touched_summits))
    rederive_agreements(session, sorted(touched_agreements))
    session.expire_all()  # rows changed under the ORM's feet
    for n, (_, extraction) in enumerate(items):
        counts[n]["summits"] = len(extraction.summits)
        counts[n]["agreements"] = len(extraction.agreements)
    return [dict(c) for c in counts]


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


@dataclass(slots=True)
class _Known:
    """What resolving needs of a stored summit, kept current through a batch."""

    id: int
    key: str
    edition: int | None
    year: int | None
    city: str | None
    articles: int
    first_reported: datetime | None


class _SummitIndex:
    """The stored summits of a batch's series, locked, and the batch's new ones."""

    def __init__(self, session: Session, series: set[str]) -> None:
        self.session = session
        for key in sorted(series):  # one order for everyone: no deadlocks
            _lock(session, f"summit:{key}")
        self.by_series: dict[str, list[_Known]] = {key: [] for key in series}
        self.keys: dict[int, str] = {}
        self.refs: dict[str, int | None] = {}
        if not series:
            return
        for row in session.execute(
            select(Summit.id, Summit.key, Summit.edition, Summit.year, Summit.city,
                   Summit.articles, Summit.first_reported, Summit.series_key)
            .where(Summit.series_key.in_(sorted(series))).order_by(Summit.id)
        ):
            self._add(row.series_key, _Known(row.id, row.key, row.edition, row.year, row.city,
                                             row.articles, row.first_reported))

    def _add(self, series: str, known: _Known) -> None:
        self.by_series.setdefault(series, []).append(known)
        self.keys[known.id] = known.key

    def resolve(self, record: records.Summit, published: datetime | None,
                taken: set[int]) -> tuple[_Known, bool]:
        series = series_key(record.name)
        candidates = [s for s in self.by_series.get(series, ()) if s.id not in taken]
        for summit in candidates:
            if record.edition is not None and summit.edition == record.edition:
                return summit, False
        # Without a shared edition, the year decides: stated, else the year it was reported
        # in ("the second summit" in a June 2025 report and "the summit in 2025" are one).
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
                return max(pool, key=lambda s: (s.articles, -s.id)), False
        return self._create(series, record, _effective_year(record, published), candidates), True

    def _create(self, series: str, record: records.Summit, year: int | None,
                candidates: list[_Known]) -> _Known:
        key = (f"{series}#{record.edition}" if record.edition is not None
               else f"{series}@{year if year is not None else '?'}")
        if record.city and record.edition is None:
            key += f"@{fold(record.city)}"  # two summits of a series in one year, two hosts
        known = {s.key for s in self.by_series.get(series, ())}
        base, n = key, 1
        while key in known:  # same series and year, no edition or city to tell them apart
            n += 1
            key = f"{base}~{n}"
        summit_id = self.session.execute(
            insert(Summit).values(key=key, series_key=series, name=record.name,
                                  edition=record.edition, year=year, city=record.city)
            .returning(Summit.id)
        ).scalar_one()
        row = _Known(summit_id, key, record.edition, year, record.city, 0, None)
        self._add(series, row)
        self.refs.clear()  # a reference that found nothing may find this one
        return row

    def reported(self, ids: set[int], published: datetime | None) -> None:
        """Count an article's report on these summits, as re-deriving them would.

        (Cities and years are set when a row is created; re-deriving at the end of
        the batch settles every field.)
        """
        for row in (r for rows in self.by_series.values() for r in rows if r.id in ids):
            row.articles += 1
            if published and (row.first_reported is None or published < row.first_reported):
                row.first_reported = published

    def find(self, ref: str | None) -> int | None:
        """The one stored summit an agreement's ``summit`` reference names, if exactly one."""
        if not ref:
            return None
        if ref not in self.refs:
            self.refs[ref] = self._lookup(ref)
        return self.refs[ref]

    def _lookup(self, ref: str) -> int | None:
        match = _REF.match(ref.strip())
        if match is None:
            return None
        query = select(Summit.id, Summit.key).where(
            Summit.series_key == series_key(match["name"]))
        if match["edition"]:
            query = query.where(Summit.edition == int(match["edition"]))
        elif match["year"]:
            query = query.where(Summit.year == int(match["year"]))
        found = self.session.execute(query.order_by(Summit.id).limit(2)).all()
        if len(found) != 1:
            return None
        self.keys[found[0].id] = found[0].key
        return int(found[0].id)

    def key_of(self, summit_id: int | None) -> str | None:
        return self.keys.get(summit_id) if summit_id is not None else None


def _other_host(record: records.Summit, summit: _Known) -> bool:
    """One edition has one host city: "the first summit, in Xi'an" is not the one in Astana."""
    return bool(record.city and summit.city and fold(record.city) != fold(summit.city))


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


def _agreement_rows(
    session: Session, pending: list[tuple[int, records.Agreement, int | None, str]]
) -> tuple[dict[str, int], set[str]]:
    """Agreement ids by key, inserting the new ones (two statements); and the new keys."""
    first: dict[str, dict[str, Any]] = {}
    for _, record, summit_id, key in pending:
        first.setdefault(key, {"key": key, "title": record.title, "type": record.type,
                               "count": record.count, "summit_id": summit_id})
    if not first:
        return {}, set()
    created = dict(session.execute(
        insert(Agreement).values(list(first.values()))
        .on_conflict_do_nothing(index_elements=[Agreement.key])
        .returning(Agreement.key, Agreement.id)
    ).all())
    known = dict(session.execute(
        select(Agreement.key, Agreement.id).where(Agreement.key.in_(first.keys() - created.keys()))
    ).all()) if len(created) < len(first) else {}
    return {**known, **created}, set(created)


def _mention(
    article_id: int, kind: str, ordinal: int, record: records.Summit | records.Agreement,
    extraction: records.Extraction, **links: Any,
) -> dict[str, Any]:
    data = records.jsonable(asdict(record))
    evidence = data.pop("evidence")
    values = data.pop("values")
    confidence = data.pop("confidence")
    linked_summit = links.pop("linked_summit", None)
    if linked_summit is not None:
        data["summit_id"] = linked_summit
    return {"article_id": article_id, "kind": kind, "ordinal": ordinal, "record": data,
            "evidence": evidence, "values": values, "confidence": confidence,
            "extractor": extraction.extractor, "extractor_version": extraction.version,
            "summit_id": links.get("summit_id"), "agreement_id": None}


# --------------------------------------------------------------------------- derivation

_SUMMIT_SCALARS = ("name", "edition", "year", "start_date", "end_date", "city", "country",
                   "status")
_AGREEMENT_SCALARS = ("title", "type", "count", "status", "signed_on", "summit_id")


def _mentions(session: Session, column: Any,
              owner_ids: Sequence[int]) -> dict[int, list[tuple[dict[str, Any], datetime]]]:
    """(record, reported) of each article mentioning each row: one vote per article."""
    rows = session.execute(
        select(column, Mention.article_id, Mention.record,
               func.coalesce(Article.published_at, Article.feed_published_at, Article.created_at))
        .join(Article, Article.id == Mention.article_id)
        .where(column.in_(owner_ids))
        .order_by(column, Mention.article_id, Mention.ordinal)
    )
    first: dict[int, dict[int, tuple[dict[str, Any], datetime]]] = {}
    for owner, article_id, record, reported in rows:
        first.setdefault(owner, {}).setdefault(article_id, (record, reported))
    return {owner: list(by_article.values()) for owner, by_article in first.items()}


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


def rederive_summits(session: Session, summit_ids: Sequence[int]) -> None:
    """Derive these summits anew from their mentions; delete those no article mentions."""
    if not summit_ids:
        return
    by_summit = _mentions(session, Mention.summit_id, summit_ids)
    names = dict(session.execute(
        select(Summit.id, Summit.name).where(Summit.id.in_(summit_ids))).all())
    for table in (Claim, SummitParticipant, SummitPerson):
        session.execute(delete(table).where(table.summit_id.in_(summit_ids)))
    gone = [i for i in summit_ids if i not in by_summit]
    if gone:
        session.execute(delete(Summit).where(Summit.id.in_(gone)))
    rows: list[dict[str, Any]] = []
    claims: list[dict[str, Any]] = []
    participants: list[dict[str, Any]] = []
    people: list[dict[str, Any]] = []
    for summit_id, mentions in by_summit.items():
        row: dict[str, Any] = {"id": summit_id}
        for field in _SUMMIT_SCALARS:
            value, tally = _vote(((_parse(field, r.get(field)), p) for r, p in mentions),
                                 latest_wins=field == "status")
            row[field] = value
            claims += _claims(tally, value, field, summit_id=summit_id)
        if row["name"] is None:
            row["name"] = names[summit_id]
        if row["year"] is None and row["edition"] is None:
            row["year"] = _vote((_effective_year_from(r, p), p) for r, p in mentions)[0]
        rows.append({**row, **_reports(mentions)})
        codes = Counter(c for r, _ in mentions for c in set(r.get("participants") or ()))
        participants += [{"summit_id": summit_id, "code": c, "articles": n}
                         for c, n in codes.items()]
        people += [{"summit_id": summit_id, **person} for person in _people(mentions)]
    _write(session, Summit, rows, (Claim, claims), (SummitParticipant, participants),
           (SummitPerson, people))


def _reports(mentions: list[tuple[dict[str, Any], datetime]]) -> dict[str, Any]:
    return {"articles": len(mentions), "first_reported": min(p for _, p in mentions),
            "last_reported": max(p for _, p in mentions)}


def _write(session: Session, model: Any, rows: list[dict[str, Any]],
           *children: tuple[Any, list[dict[str, Any]]]) -> None:
    """Update the derived rows by primary key and insert their children: a statement each."""
    if rows:
        session.execute(update(model), rows)
    for table, values in children:
        if values:
            session.execute(insert(table), values)


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


def rederive_agreements(session: Session, agreement_ids: Sequence[int]) -> None:
    """Derive these agreements anew from their mentions; delete those no article mentions."""
    if not agreement_ids:
        return
    by_agreement = _mentions(session, Mention.agreement_id, agreement_ids)
    stored = {row.id: row for row in session.execute(
        select(Agreement.id, Agreement.type, Agreement.count)
        .where(Agreement.id.in_(agreement_ids)))}
    for table in (Claim, AgreementParty, AgreementSector):
        session.execute(delete(table).where(table.agreement_id.in_(agreement_ids)))
    gone = [i for i in agreement_ids if i not in by_agreement]
    if gone:
        session.execute(delete(Agreement).where(Agreement.id.in_(gone)))
    rows: list[dict[str, Any]] = []
    claims: list[dict[str, Any]] = []
    parties: list[dict[str, Any]] = []
    sectors: list[dict[str, Any]] = []
    for agreement_id, mentions in by_agreement.items():
        row: dict[str, Any] = {"id": agreement_id}
        for field in _AGREEMENT_SCALARS:
            value, tally = _vote(((_parse(field, r.get(field)), p) for r, p in mentions),
                                 latest_wins=field == "status")
            if field in ("type", "count") and value is None:
                value = getattr(stored[agreement_id], field)
            row[field] = value
            if field != "summit_id":
                claims += _claims(tally, value, field, agreement_id=agreement_id)
        row["summit_ref"] = _vote((r.get("summit"), p) for r, p in mentions)[0]
        rows.append({**row, **_reports(mentions)})
        codes = Counter(c for r, _ in mentions for c in set(r.get("parties") or ()))
        parties += [{"agreement_id": agreement_id, "code": c, "articles": n}
                    for c, n in codes.items()]
        named = Counter(s for r, _ in mentions for s in {x.lower() for x in r.get("sectors") or ()})
        sectors += [{"agreement_id": agreement_id, "sector": s, "articles": n}
                    for s, n in named.items()]
    _write(session, Agreement, rows, (Claim, claims), (AgreementParty, parties),
           (AgreementSector, sectors))


def _claims(tally: Counter[str], chosen: Any, field: str, *, summit_id: int | None = None,
            agreement_id: int | None = None) -> list[dict[str, Any]]:
    return [{"summit_id": summit_id, "agreement_id": agreement_id, "field": field,
             "value": value, "articles": n, "chosen": value == str(chosen)}
            for value, n in tally.items()]


def _parse(field: str, value: Any) -> Any:
    if value is not None and field in ("start_date", "end_date", "signed_on"):
        return date.fromisoformat(value)
    return value




