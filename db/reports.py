"""Read-side queries over the ``reporting`` views, for ``accords query``, ``search`` and ``report``.

Every filter is a bound parameter; the only SQL built from input is the choice
among fixed fragments below.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import TextClause, text
from sqlalchemy.orm import Session

REPORTS = ("summits", "agreements", "countries", "feeds")


@dataclass(frozen=True, slots=True, kw_only=True)
class Filters:
    since: date | None = None
    until: date | None = None
    country: str | None = None
    series: str | None = None
    type: str | None = None
    limit: int | None = None


# Per report: the view, its date expression, how each filter applies, the order.
_SPECS: dict[str, dict[str, str]] = {
    "summits": {
        "from": "reporting.summits",
        "date": "coalesce(start_date, first_reported::date)",
        "country": "(summit_id IN (SELECT summit_id FROM reporting.summit_participants"
                   " WHERE code = :country) OR host_country = :country)",
        "series": "series ILIKE '%' || :series || '%'",
        "order": "coalesce(start_date, first_reported::date) DESC NULLS LAST, summit_id",
    },
    "agreements": {
        "from": "reporting.agreements",
        "date": "coalesce(signed_on, first_reported::date)",
        "country": "agreement_id IN (SELECT agreement_id FROM reporting.agreement_parties"
                   " WHERE code = :country)",
        "series": "summit ILIKE '%' || :series || '%'",
        "type": "type = :type",
        "order": "coalesce(signed_on, first_reported::date) DESC NULLS LAST, agreement_id",
        # The view's rows, each with a "json" column: the row as JSON, mostly kept on the
        # table (migration 0008), as formatting 30,000 rows on every export was the cost.
        "json_rows": "reporting.agreement_exports",
    },
    "countries": {
        "from": "reporting.country_activity",
        "date": "month",
        "country": "country = :country",
        "order": "month DESC, summits_attended + agreements_joined DESC, country",
    },
    "feeds": {
        "from": "reporting.feed_health",
        "date": "last_polled_at::date",
        "order": "feed",
    },
}


class UnsupportedFilterError(ValueError):
    """A filter that the report cannot apply (e.g. ``--type`` on summits)."""


def run_report(session: Session, report: str, filters: Filters) -> list[dict[str, Any]]:
    """Rows of one report (a ``reporting`` view), filtered and ordered for reading.

    Raises:
        KeyError: unknown report.
        UnsupportedFilterError: a filter the report has no column for.
    """
    sql, params = _report_sql(report, filters)
    _report_settings(session)
    return [dict(row._mapping) for row in session.execute(text(sql), params)]


def export_report(session: Session, report: str, filters: Filters, fmt: str) -> str:
    """One report as JSON (an array of objects) or CSV (lists joined by ``;``), built by
    PostgreSQL: for large exports that is several times faster than formatting rows here.

    Raises:
        KeyError: unknown report.
        UnsupportedFilterError: a filter the report has no column for.
        ValueError: ``fmt`` is neither ``json`` nor ``csv``.
    """
    _report_settings(session)
    if fmt == "json" and "json_rows" in _SPECS[report]:
        sql, params = _report_sql(report, filters, source=_SPECS[report]["json_rows"],
                                  columns="json")
        # Straight from the driver: SQLAlchemy's rows cost 25 ms more for 30,000 texts.
        result = session.connection().exec_driver_sql(
            *_driver_sql(session, text(sql).bindparams(**params)))
        return _json_array([obj for (obj,) in result.cursor.fetchall()])
    if fmt == "json":
        # json_agg orders the rows itself; the rows are sorted first only to be limited.
        sql, params = _report_sql(report, filters, ordered=bool(filters.limit))
        order = _SPECS[report]["order"]
        query = f"SELECT coalesce(json_agg(r ORDER BY {order}), '[]')::text FROM ({sql}) AS r"
        return str(session.execute(text(query), params).scalar_one())
    if fmt != "csv":
        raise ValueError(f"unknown export format {fmt!r}")
    sql, params = _report_sql(report, filters)
    probe = session.connection().exec_driver_sql(
        *_driver_sql(session, text(f"SELECT * FROM ({sql}) AS q LIMIT 0").bindparams(**params)))
    # DB-API description rows: (name, type_code, ...).
    columns = [
        f'array_to_string(q."{name}", \';\') AS "{name}"' if type_code in _ARRAY_OIDS
        else f'q."{name}"'
        for name, type_code, *_ in probe.cursor.description
    ]
    statement = text(f"COPY (SELECT {', '.join(columns)} FROM ({sql}) AS q) "
                     "TO STDOUT WITH (FORMAT csv, HEADER)").bindparams(**params)
    sql_text, sql_params = _driver_sql(session, statement)
    cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(sql_text, sql_params) as copy:
        return b"".join(bytes(chunk) for chunk in copy).decode()


def _json_array(objects: Sequence[str]) -> str:
    """A JSON array of ``objects`` (JSON texts), one per line, as ``flows.output.to_json``."""
    return "[\n" + ",\n".join(objects) + "\n]" if objects else "[]"


def _driver_sql(session: Session, statement: TextClause) -> tuple[str, dict[str, Any]]:
    """``statement`` in the driver's own parameter style (COPY goes to psycopg directly)."""
    compiled = statement.compile(dialect=session.get_bind().dialect)
    return str(compiled), dict(compiled.params)


# text[] and varchar[]: the list columns of the views.
_ARRAY_OIDS = frozenset({1009, 1015})


def _report_sql(report: str, filters: Filters, *, ordered: bool = True,
                source: str | None = None, columns: str = "*") -> tuple[str, dict[str, Any]]:
    """The report's SELECT and its parameters; ``ordered=False`` leaves out the ORDER BY
    (only without a limit); ``columns`` from ``source``, a view with the report view's
    columns (and more), instead of all of the report view's."""
    spec = _SPECS[report]
    where: list[str] = []
    params: dict[str, Any] = {}
    if filters.since is not None:
        where.append(f"{spec['date']} >= :since")
        params["since"] = filters.since
    if filters.until is not None:
        where.append(f"{spec['date']} <= :until")
        params["until"] = filters.until
    for name in ("country", "series", "type"):
        value = getattr(filters, name)
        if value is None:
            continue
        if name not in spec:
            raise UnsupportedFilterError(f"--{name} does not apply to {report}")
        where.append(spec[name])
        params[name] = value.upper() if name == "country" else value
    sql = f"SELECT {columns} FROM {source or spec['from']}"
    if where:
        sql += " WHERE " + " AND ".join(where)
    if ordered or filters.limit:
        sql += f" ORDER BY {spec['order']}"
    if filters.limit:
        sql += " LIMIT :limit"
        params["limit"] = filters.limit
    return sql, params


def _report_settings(session: Session) -> None:
    # Report plans can look costly enough for PostgreSQL's JIT, which then spends more time
    # compiling than the query takes (measured: 518 of 647 ms when the views still ran
    # per-row sub-queries).
    # Exports sort every row of a view; with the default 4 MB of work_mem, 30,000
    # agreements are sorted on disk.
    session.execute(text("SET LOCAL jit = off"))
    session.execute(text("SET LOCAL work_mem = '64MB'"))


def search_articles(session: Session, query: str, *, since: date | None = None,
                    limit: int = 20) -> list[dict[str, Any]]:
    """Articles matching a web-style query (``"green minerals" -coal``), best first, with snippets."""
    sql = """
        WITH q AS (SELECT websearch_to_tsquery('english', :query) AS q)
        SELECT a.id AS article_id, a.title, a.url, a.published_at,
               ts_rank_cd(a.search, q.q) AS rank,
               ts_headline('english', coalesce(a.text, ''), q.q,
                           'StartSel=«, StopSel=», MaxFragments=2, MaxWords=25, MinWords=8')
                   AS snippet
        FROM articles a, q
        WHERE a.search @@ q.q AND (CAST(:since AS date) IS NULL OR a.published_at >= :since)
        ORDER BY rank DESC, a.published_at DESC NULLS LAST, a.id
        LIMIT :limit
    """
    _report_settings(session)
    rows = session.execute(text(sql), {"query": query, "since": since, "limit": limit})
    return [dict(row._mapping) for row in rows]


# --------------------------------------------------------------------------- HTML report

ReportKind = Literal["summits", "agreements"]
_ID_COLUMN: dict[ReportKind, str] = {"summits": "summit_id", "agreements": "agreement_id"}


def period_rows(session: Session, report: ReportKind, *, since: date | None,
                until: date | None) -> list[dict[str, Any]]:
    """Summits or agreements dated within ``[since, until]``, oldest first.

    The date is the one ``accords query`` filters on (start or signing date, else
    the first report), returned as ``report_date`` so charts plot what was filtered.
    """
    spec = _SPECS[report]
    sql = f"""
        SELECT *, {spec['date']} AS report_date FROM {spec['from']}
        WHERE (CAST(:since AS date) IS NULL OR {spec['date']} >= :since)
          AND (CAST(:until AS date) IS NULL OR {spec['date']} <= :until)
        ORDER BY report_date NULLS LAST, {_ID_COLUMN[report]}
    """
    rows = session.execute(text(sql), {"since": since, "until": until})
    return [dict(row._mapping) for row in rows]


@dataclass(frozen=True, slots=True, kw_only=True)
class MeetingMatrix:
    """How many summits of the period each pair of participants shared."""

    codes: tuple[str, ...]
    """The most active participants, most active first."""
    counts: tuple[tuple[int, ...], ...]
    """``counts[i][j]``: summits ``codes[i]`` and ``codes[j]`` both attended (diagonal: all
    summits ``codes[i]`` attended)."""
    total: int
    """Participants in the period before the cap."""


def meeting_matrix(session: Session, *, since: date | None, until: date | None,
                   limit: int = 25) -> MeetingMatrix:
    """Co-attendance of the ``limit`` most active participants of summits in the period."""
    date_expr = _SPECS["summits"]["date"]
    sql = f"""
        WITH s AS (
            SELECT participants FROM reporting.summits
            WHERE (CAST(:since AS date) IS NULL OR {date_expr} >= :since)
              AND (CAST(:until AS date) IS NULL OR {date_expr} <= :until)
        )
        SELECT a.code AS left_code, b.code AS right_code, count(*) AS summits
        FROM s, unnest(s.participants) AS a(code), unnest(s.participants) AS b(code)
        GROUP BY a.code, b.code
    """
    pairs = {(r.left_code, r.right_code): int(r.summits)
             for r in session.execute(text(sql), {"since": since, "until": until})}
    attended = {a: n for (a, b), n in pairs.items() if a == b}
    partners = Counter(a for a, b in pairs if a != b)
    # Most summits first; among equals, the one who met more others, then alphabetical.
    ranked = sorted(attended, key=lambda c: (-attended[c], -partners[c], c))
    codes = tuple(ranked[:limit])
    counts = tuple(tuple(pairs.get((a, b), 0) for b in codes) for a in codes)
    return MeetingMatrix(codes=codes, counts=counts, total=len(ranked))


@dataclass(frozen=True, slots=True, kw_only=True)
class Source:
    """One article stating a record, with the sentences it states it in."""

    url: str
    title: str | None
    published_at: datetime | None
    sentences: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ValueEvidence:
    """The sentence one value (``field``, e.g. ``city``) was read from, and its article."""

    field: str
    value: str
    sentence: str
    url: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordEvidence:
    """Everything the articles say for one summit or agreement."""

    sources: tuple[Source, ...]
    values: tuple[ValueEvidence, ...]

    def for_value(self, field: str, shown: str) -> tuple[str, ...]:
        """Sentences stating ``shown`` for ``field``; ``shown`` may carry a suffix such as
        a leader's ``" (President, KZ)"`` or differ in case (sectors are stored folded)."""
        wanted = shown.casefold()
        return tuple(dict.fromkeys(
            v.sentence for v in self.values
            if v.field == field and (wanted == v.value.casefold()
                                     or wanted.startswith(v.value.casefold() + " ("))))


def record_evidence(session: Session, *, summit_ids: Sequence[int],
                    agreement_ids: Sequence[int]) -> dict[tuple[str, int], RecordEvidence]:
    """Sources and per-value sentences of the given records, keyed ``("summit", id)`` or
    ``("agreement", id)``; records without mentions are absent."""
    if not summit_ids and not agreement_ids:
        return {}
    sql = """
        SELECT kind, coalesce(summit_id, agreement_id) AS record_id, url, title, published_at,
               spans, value_spans
        FROM reporting.evidence
        WHERE (kind = 'summit' AND summit_id = ANY(:summit_ids))
           OR (kind = 'agreement' AND agreement_id = ANY(:agreement_ids))
        ORDER BY published_at NULLS LAST, article_id, mention_id
    """
    rows = session.execute(text(sql), {"summit_ids": list(summit_ids),
                                       "agreement_ids": list(agreement_ids)})
    sources: dict[tuple[str, int], dict[str, Source]] = {}
    values: dict[tuple[str, int], dict[tuple[str, str, str], ValueEvidence]] = {}
    for row in rows:
        key = (row.kind, row.record_id)
        spans = row.spans or []
        sentences = tuple(s["text"] for s in spans)
        by_url = sources.setdefault(key, {})
        known = by_url.get(row.url)
        if known is not None:  # two mentions in one article: one source, sentences merged
            sentences = tuple(dict.fromkeys(known.sentences + sentences))
        by_url[row.url] = Source(url=row.url, title=row.title, published_at=row.published_at,
                                 sentences=sentences)
        said = values.setdefault(key, {})
        for v in row.value_spans or []:
            item = ValueEvidence(field=v["field"], value=str(v["value"]),
                                 sentence=_sentence_of(v["span"], spans), url=row.url)
            # Articles repeating one another: keep each (value, sentence) once, first source.
            said.setdefault((item.field, item.value, item.sentence), item)
    return {key: RecordEvidence(sources=tuple(by_url.values()),
                                values=tuple(values[key].values()))
            for key, by_url in sources.items()}


def _sentence_of(span: dict[str, Any], sentences: list[dict[str, Any]]) -> str:
    """The evidence sentence holding a value's span, else the span's own text."""
    for s in sentences:
        if s["start"] <= span["start"] < s["end"]:
            return str(s["text"])
    return str(span["text"])
