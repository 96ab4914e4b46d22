"""Read-side queries over the ``reporting`` views, for ``accords query``, ``search`` and ``report``.

Every filter is a bound parameter; the only SQL built from input is the choice
among fixed fragments below.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import text
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
        "country": "(:country = ANY(participants) OR host_country = :country)",
        "series": "series ILIKE '%' || :series || '%'",
        "order": "coalesce(start_date, first_reported::date) DESC NULLS LAST, summit_id",
    },
    "agreements": {
        "from": "reporting.agreements",
        "date": "coalesce(signed_on, first_reported::date)",
        "country": ":country = ANY(parties)",
        "series": "summit ILIKE '%' || :series || '%'",
        "type": "type = :type",
        "order": "coalesce(signed_on, first_reported::date) DESC NULLS LAST, agreement_id",
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
    sql = f"SELECT * FROM {spec['from']}"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += f" ORDER BY {spec['order']}"
    if filters.limit:
        sql += " LIMIT :limit"
        params["limit"] = filters.limit
    return [dict(row._mapping) for row in session.execute(text(sql), params)]


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
    rows = session.execute(text(sql), {"query": query, "since": since, "limit": limit})
    return [dict(row._mapping) for row in rows]
