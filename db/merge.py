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
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Table, delete, func, select, text, update
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
    lost_summits = {s for s, _ in old if s is not None}
    lost_agreements = {a for _, a in old if a is not None}

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
        if key in created_keys and key not in firsts:
            firsts.add(key)
            counts[n]["new_agreements"] += 1
    if mentions:
        session.execute(insert(cast(Table, Mention.__table__)), mentions)
    # Rows that lost mentions are recounted; the others only gain this batch's votes.
    mentioned_summits = {m["summit_id"] for m in mentions if m["summit_id"] is not None}
    mentioned_agreements = {m["agreement_id"] for m in mentions if m["agreement_id"] is not None}
    rederive_summits(session, lost_summits, mentioned_summits - lost_summits, ids)
    rederive_agreements(session, lost_agreements, mentioned_agreements - lost_agreements,
                        ids)
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
#
# A merged row keeps its tallies: per field and value in ``claims`` (articles, first and
# last report, first article), per code in its list tables, per person in
# ``summit_people``; an article gives one vote per row (its first mention of the row).
# New articles' votes are added to the tallies by upsert, in PostgreSQL, and Python only
# picks the winners among a row's distinct values: merging an article costs the same
# however many articles reported its summit before. A row that lost mentions (an
# article merged again, or extracted anew) is recounted from all of its mentions.


@dataclass(frozen=True)
class _Kind:
    """How the rows of one model are derived from their mentions."""

    model: Any
    owner: str  # the column of mentions and tallies naming the row
    fields: dict[str, str]  # voted columns and their types
    votes: dict[str, str]  # every vote (fields and more): its value in derive_m ``m``, as SQL
    kept: tuple[str, ...]  # stored columns the derivation falls back on


_SUMMIT_FIELDS = {"name": "text", "edition": "int", "year": "int", "start_date": "date",
                  "end_date": "date", "city": "text", "country": "text", "status": "text"}
_AGREEMENT_FIELDS = {"title": "text", "type": "text", "count": "int", "status": "text",
                     "signed_on": "date"}
# Votes that are not columns: the year that keys a summit without an edition (stated,
# else the year of the report), an agreement's summit (by key: ids are not stable across
# databases) and its summit reference as written.
_SUMMITS = _Kind(Summit, "summit_id", _SUMMIT_FIELDS, {
    **{f: f"m.record->>'{f}'" for f in _SUMMIT_FIELDS},
    "reported_year": "coalesce(m.record->>'year', CASE WHEN m.record->>'edition' IS NULL "
                     "THEN extract(year FROM m.reported)::int::text END)",
}, ("name",))
_AGREEMENTS = _Kind(Agreement, "agreement_id", _AGREEMENT_FIELDS, {
    **{f: f"m.record->>'{f}'" for f in _AGREEMENT_FIELDS},
    "summit": "(SELECT s.key FROM summits s WHERE s.id = (m.record->>'summit_id')::bigint)",
    "summit_ref": "m.record->>'summit'",
}, ("type", "count"))
# Per list table: the record's array it counts, and whether its values are lower-cased.
_LISTS = {
    "summit_id": ((SummitParticipant, "code", "participants", False),),
    "agreement_id": ((AgreementParty, "code", "parties", False),
                     (AgreementSector, "sector", "sectors", True)),
}


@dataclass(frozen=True, slots=True)
class _Tally:
    id: int
    value: str
    articles: int
    first: datetime
    last: datetime
    first_article: int


def rederive_summits(session: Session, recount: set[int], add: set[int] | None = None,
                     articles: Sequence[int] = ()) -> None:
    """Bring these summits up to date with their mentions (see :func:`_rederive`)."""
    derived = _rederive(session, _SUMMITS, recount, add or set(), articles)
    for row, stored, votes in derived:
        row["name"] = row["name"] or stored["name"]
        year = votes.get("reported_year")
        if row["year"] is None and row["edition"] is None and year is not None:
            row["year"] = int(year)
    _write(session, Summit, [row for row, _, _ in derived])


def rederive_agreements(session: Session, recount: set[int], add: set[int] | None = None,
                        articles: Sequence[int] = ()) -> None:
    """Bring these agreements up to date with their mentions (see :func:`_rederive`)."""
    derived = _rederive(session, _AGREEMENTS, recount, add or set(), articles)
    keys = {votes["summit"] for _, _, votes in derived if "summit" in votes}
    summit_ids = dict(session.execute(
        select(Summit.key, Summit.id).where(Summit.key.in_(keys))).all()) if keys else {}
    for row, stored, votes in derived:
        row["summit_id"] = summit_ids.get(votes.get("summit", ""))
        row["summit_ref"] = votes.get("summit_ref")
        for field in ("type", "count"):  # never voted empty: keep what the row has
            if row[field] is None:
                row[field] = stored[field]
    _write(session, Agreement, [row for row, _, _ in derived])


_Derived = list[tuple[dict[str, Any], dict[str, Any], dict[str, str]]]


def _rederive(session: Session, kind: _Kind, recount: set[int], add: set[int],
              articles: Sequence[int]) -> _Derived:
    """Add the votes of ``articles`` to the tallies of the rows ``add`` (whose only change
    is mentions by those articles); recount the rows ``recount``, and any not tallied yet,
    from all their mentions; delete the rows no article mentions any more.

    Returns, per row left, its columns (for the caller to finish and write), the stored
    values of ``kind.kept`` and the winning value of every vote.
    """
    ids = sorted(recount | add)
    if not ids:
        return []
    table = kind.model.__table__
    stored = {r["id"]: dict(r) for r in session.execute(
        select(table.c.id, table.c.tallied, table.c.articles, table.c.first_reported,
               table.c.last_reported, *(table.c[c] for c in kind.kept))
        .where(table.c.id.in_(ids))).mappings()}
    recount = {i for i in ids if i in recount or not stored[i]["tallied"]}
    add = set(ids) - recount
    tally_tables: list[Any] = [Claim, *(t for t, *_ in _LISTS[kind.owner])]
    if kind.model is Summit:
        tally_tables.append(SummitPerson)
    if recount:
        for tally in tally_tables:
            session.execute(delete(tally).where(tally.__table__.c[kind.owner].in_(recount)))
    _gather(session, kind.owner, sorted(recount), sorted(add), articles)
    _add_claims(session, kind)
    for tally, column, array, lower in _LISTS[kind.owner]:
        _add_codes(session, kind.owner, tally.__tablename__, column, array, lower=lower)
    if kind.model is Summit:
        _add_people(session)
    reports = _reports(session)
    tallies = _tallies(session, kind.owner, ids)

    out: _Derived = []
    chosen: list[int] = []
    for row_id in ids:
        if row_id not in reports:  # recounted, and no article mentions it any more
            continue
        new, old = reports[row_id], stored[row_id] if row_id in add else None
        row: dict[str, Any] = {"id": row_id, "tallied": True, "articles": new["articles"],
                               "first_reported": new["first_reported"],
                               "last_reported": new["last_reported"]}
        if old is not None:
            row["articles"] += old["articles"]
            row["first_reported"] = min(filter(None, (old["first_reported"],
                                                      new["first_reported"])))
            row["last_reported"] = max(filter(None, (old["last_reported"],
                                                     new["last_reported"])))
        votes: dict[str, str] = {}
        for field, values in tallies.get(row_id, {}).items():
            best = _winner(values, latest_wins=field == "status")
            if best is not None:
                votes[field] = best.value
                chosen.append(best.id)
        for field, type_ in kind.fields.items():
            row[field] = _typed(type_, votes.get(field))
        out.append((row, stored[row_id], votes))
    gone = [i for i in sorted(recount) if i not in reports]
    if gone:
        session.execute(delete(kind.model).where(table.c.id.in_(gone)))
    session.execute(text(f"""
        UPDATE claims SET chosen = (id = ANY(:chosen))
        WHERE {kind.owner} = ANY(:ids) AND chosen IS DISTINCT FROM (id = ANY(:chosen))"""),
        {"ids": ids, "chosen": chosen})
    return out


def _gather(session: Session, owner: str, recount: Sequence[int], add: Sequence[int],
            articles: Sequence[int]) -> None:
    """Fill the temporary table ``derive_m``: per row (``owner`` = summit_id or
    agreement_id) and article, the article's first mention and when it was reported;
    all the mentions of the rows ``recount``, only those of ``articles`` for ``add``.
    Read once, added up several ways."""
    session.execute(text("DROP TABLE IF EXISTS pg_temp.derive_m"))
    session.execute(text(f"""
        CREATE TEMPORARY TABLE derive_m ON COMMIT DROP AS
        SELECT DISTINCT ON (mn.{owner}, mn.article_id)
               mn.{owner} AS owner, mn.article_id, mn.record,
               -- a look-up per mention: a join let the planner scan every article
               (SELECT coalesce(a.published_at, a.feed_published_at, a.created_at)
                FROM articles a WHERE a.id = mn.article_id) AS reported
        FROM (SELECT * FROM mentions WHERE {owner} = ANY(:recount)
              UNION ALL
              -- By article only (OFFSET 0 keeps the filter out): the index on the row
              -- would read every mention of a much reported summit.
              SELECT * FROM (SELECT * FROM mentions WHERE article_id = ANY(:articles)
                             OFFSET 0) AS b
              WHERE b.{owner} = ANY(:add)) AS mn
        ORDER BY mn.{owner}, mn.article_id, mn.ordinal"""),
        {"recount": list(recount), "add": list(add), "articles": list(articles)})


def _add_claims(session: Session, kind: _Kind) -> None:
    """Add derive_m's votes to ``claims``: per row, field and value, the articles giving
    it, its first and last report and the first article."""
    pairs = ", ".join(f"('{name}', {expr})" for name, expr in kind.votes.items())
    session.execute(text(f"""
        INSERT INTO claims AS c ({kind.owner}, field, value, articles, chosen,
                               first_reported, last_reported, first_article)
        SELECT m.owner, f.field, f.value, count(*), false, min(m.reported), max(m.reported),
               min(m.article_id)
        FROM derive_m m CROSS JOIN LATERAL (VALUES {pairs}) AS f(field, value)
        WHERE f.value IS NOT NULL AND f.value <> ''
        GROUP BY m.owner, f.field, f.value
        ON CONFLICT ({kind.owner}, field, md5(value)) WHERE {kind.owner} IS NOT NULL
        DO UPDATE SET articles = c.articles + excluded.articles,
                      first_reported = least(c.first_reported, excluded.first_reported),
                      last_reported = greatest(c.last_reported, excluded.last_reported),
                      first_article = least(c.first_article, excluded.first_article)"""))


def _add_codes(session: Session, owner: str, table: str, column: str, array: str, *,
               lower: bool) -> None:
    """Add derive_m's votes to a list table (participants, parties, sectors)."""
    element = "lower(e.value)" if lower else "e.value"
    session.execute(text(f"""
        INSERT INTO {table} AS t ({owner}, {column}, articles)
        SELECT m.owner, {element}, count(DISTINCT m.article_id)
        FROM derive_m m CROSS JOIN LATERAL jsonb_array_elements_text(
            CASE WHEN jsonb_typeof(m.record->'{array}') = 'array' THEN m.record->'{array}' END
        ) AS e(value)
        WHERE e.value <> ''
        GROUP BY 1, 2
        ON CONFLICT ({owner}, {column}) DO UPDATE SET articles = t.articles + excluded.articles
    """))


def _add_people(session: Session) -> None:
    """Add derive_m's leaders and officials to ``summit_people``, by name: leader if any
    article calls them one; the first role and country given, in the order of the
    articles (and of the record's lists), which ``role_from``/``country_from`` keep."""
    session.execute(text("""
        WITH p AS (
            SELECT m.owner, m.article_id, e.grp, e.rank, e.kind, e.person->>'name' AS name,
                   nullif(e.person->>'role', '') AS role,
                   nullif(e.person->>'country', '') AS country
            FROM derive_m m CROSS JOIN LATERAL (
                SELECT 'leader' AS kind, 0 AS grp, x.rank, x.person
                FROM jsonb_array_elements(CASE WHEN jsonb_typeof(m.record->'leaders') = 'array'
                                          THEN m.record->'leaders' END)
                     WITH ORDINALITY AS x(person, rank)
                UNION ALL
                SELECT 'official', 1, x.rank, x.person
                FROM jsonb_array_elements(CASE WHEN jsonb_typeof(m.record->'officials') = 'array'
                                          THEN m.record->'officials' END)
                     WITH ORDINALITY AS x(person, rank)) AS e)
        INSERT INTO summit_people AS t (summit_id, name, kind, role, role_from, country,
                                        country_from, articles)
        SELECT owner, name,
               CASE WHEN bool_or(kind = 'leader') THEN 'leader' ELSE 'official' END,
               (array_agg(role ORDER BY article_id, grp, rank)
                    FILTER (WHERE role IS NOT NULL))[1],
               min(ARRAY[article_id, grp, rank]::bigint[]) FILTER (WHERE role IS NOT NULL),
               (array_agg(country ORDER BY article_id, grp, rank)
                    FILTER (WHERE country IS NOT NULL))[1],
               min(ARRAY[article_id, grp, rank]::bigint[]) FILTER (WHERE country IS NOT NULL),
               count(DISTINCT article_id)
        FROM p WHERE coalesce(name, '') <> ''
        GROUP BY owner, name
        ON CONFLICT (summit_id, name) DO UPDATE SET
            kind = CASE WHEN 'leader' IN (t.kind, excluded.kind) THEN 'leader'
                        ELSE 'official' END,
            role = CASE WHEN t.role_from IS NULL OR excluded.role_from < t.role_from
                        THEN coalesce(excluded.role, t.role) ELSE t.role END,
            role_from = least(t.role_from, excluded.role_from),
            country = CASE WHEN t.country_from IS NULL OR excluded.country_from < t.country_from
                           THEN coalesce(excluded.country, t.country) ELSE t.country END,
            country_from = least(t.country_from, excluded.country_from),
            articles = t.articles + excluded.articles"""))


def _reports(session: Session) -> dict[int, dict[str, Any]]:
    rows = session.execute(text("""
        SELECT owner, count(*) AS articles, min(reported) AS first_reported,
               max(reported) AS last_reported
        FROM derive_m GROUP BY owner"""))
    return {row.owner: {"articles": row.articles, "first_reported": row.first_reported,
                        "last_reported": row.last_reported} for row in rows}


def _tallies(session: Session, owner: str, ids: Sequence[int]) -> dict[int, dict[str, list[_Tally]]]:
    """Per row and vote, every value given, from ``claims``."""
    rows = session.execute(text(f"""
        SELECT id, {owner} AS owner, field, value, articles, first_reported, last_reported,
               first_article
        FROM claims WHERE {owner} = ANY(:ids)"""), {"ids": list(ids)})
    out: dict[int, dict[str, list[_Tally]]] = {}
    for row in rows:
        out.setdefault(row.owner, {}).setdefault(row.field, []).append(_Tally(
            row.id, row.value, row.articles, row.first_reported, row.last_reported,
            row.first_article))
    return out


def _winner(tallies: list[_Tally], *, latest_wins: bool = False) -> _Tally | None:
    """The best supported value: most articles; ties go to the earliest report (the latest
    with ``latest_wins``), then to the value reported first."""
    if not tallies:
        return None
    if latest_wins:
        return min(tallies, key=lambda t: (-t.articles, -t.last.timestamp(), t.first_article))
    return min(tallies, key=lambda t: (-t.articles, t.first, t.first_article))


def _typed(kind: str, value: str | None) -> Any:
    if value is None or kind == "text":
        return value
    return int(value) if kind == "int" else date.fromisoformat(value)


def _write(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    if rows:  # one executemany, by primary key
        session.execute(update(model), rows)
