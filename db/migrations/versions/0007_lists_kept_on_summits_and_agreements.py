"""Lists of summits and agreements kept on their rows by triggers; views read them.

``reporting.summits`` (participants, leaders) and ``reporting.agreements`` (parties,
sectors) built every row's lists with correlated sub-queries: an export of 30,000
agreements ran 60,000 index look-ups and aggregates. Aggregating each list once and
joining it (one GROUP BY per list table) speeds up full exports, but then every
filtered query aggregates everything too: PostgreSQL cannot push a filter into a
grouped sub-query. Measured on the query benchmark's database (bench/query_bench.py,
2 shared CPUs, load average ~2, interleaved runs), JSON export of all agreements /
filtered agreement queries: per-row sub-queries 558 / 26-122 ms, grouped joins
333-380 / 75-250 ms, lists on the rows 201 / 10-42 ms (the first with the export query
of the time, which sorted twice; sorting once made no difference to it).

So the lists become columns of ``summits`` and ``agreements``, kept by statement-level
triggers on the four list tables: a statement that inserts, updates, deletes or
truncates list rows recomputes, before it returns, the lists of the records it
touched, with the expressions and orders the views used. The views read the columns:
same rows, columns, types and values as before. Nothing is refreshed later, so there
is no stale state to see.

``reporting.country_activity`` computes each record's month once instead of once per
participant or party (see COUNTRY_ACTIVITY); its rows are unchanged too.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28
"""

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


@dataclass(frozen=True)
class KeptList:
    """A list column of ``parent`` aggregated from the rows of ``child`` (alias ``c``)."""

    parent: str
    column: str
    child: str
    key: str
    aggregate: str
    where: str = "true"

    @property
    def function(self) -> str:
        return f"keep_{self.parent}_{self.column}"

    def lists(self, keys: str | None = None) -> str:
        """One row (id, list) per parent with list rows; only the parents whose ids are in
        the array ``keys`` (SQL) if given (a join: a statement may touch 30,000 parents)."""
        among = f"unnest({keys}) AS k(id) JOIN " if keys else ""
        on = f" ON c.{self.key} = k.id" if keys else ""
        return (f"SELECT c.{self.key} AS id, {self.aggregate} AS list "
                f"FROM {among}public.{self.child} c{on} WHERE {self.where} "
                f"GROUP BY c.{self.key}")


# The expressions and orders of the 0003 views, unchanged.
KEPT = (
    KeptList("agreements", "parties", "agreement_parties", "agreement_id",
             "array_agg(c.code ORDER BY c.code)"),
    KeptList("agreements", "sectors", "agreement_sectors", "agreement_id",
             "array_agg(c.sector ORDER BY c.articles DESC, c.sector)"),
    KeptList("summits", "participants", "summit_participants", "summit_id",
             "array_agg(c.code ORDER BY c.code)"),
    KeptList("summits", "leaders", "summit_people", "summit_id",
             "array_agg(c.name || coalesce(' (' || concat_ws(', ', c.role, c.country) || ')', '')"
             " ORDER BY c.articles DESC, c.name)",
             where="c.kind = 'leader'"),
)


def _function(kept: KeptList) -> str:
    p, col = kept.parent, kept.column
    return f"""
        CREATE FUNCTION public.{kept.function}() RETURNS trigger LANGUAGE plpgsql AS $fn$
        DECLARE
            ids bigint[];
        BEGIN
            IF TG_OP = 'TRUNCATE' THEN
                UPDATE public.{p} SET {col} = '{{}}' WHERE {col} <> '{{}}';
                RETURN NULL;
            ELSIF TG_OP = 'INSERT' THEN
                ids := ARRAY(SELECT DISTINCT {kept.key} FROM new_rows);
            ELSIF TG_OP = 'DELETE' THEN
                ids := ARRAY(SELECT DISTINCT {kept.key} FROM old_rows);
            ELSE
                ids := ARRAY(SELECT {kept.key} FROM old_rows
                             UNION SELECT {kept.key} FROM new_rows);
            END IF;
            -- Lock the parents first: the next statement then reads its own snapshot,
            -- which holds every list change committed by whoever had them locked.
            PERFORM 1 FROM public.{p} WHERE id = ANY(ids) ORDER BY id FOR NO KEY UPDATE;
            UPDATE public.{p} t SET {col} = coalesce(l.list, '{{}}')
            FROM unnest(ids) AS k(id)
            LEFT JOIN ({kept.lists("ids")}) l ON l.id = k.id
            WHERE t.id = k.id AND t.{col} IS DISTINCT FROM coalesce(l.list, '{{}}');
            RETURN NULL;
        END
        $fn$
    """


def _triggers(kept: KeptList) -> list[str]:
    events = {
        "insert": "REFERENCING NEW TABLE AS new_rows",
        "update": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "delete": "REFERENCING OLD TABLE AS old_rows",
        "truncate": "",
    }
    return [f"CREATE TRIGGER {kept.function}_{event} AFTER {event.upper()} "
            f"ON public.{kept.child} {tables} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION public.{kept.function}()"
            for event, tables in events.items()]


SUMMITS = """
    SELECT s.id AS summit_id, s.name AS series, s.edition, s.year, s.start_date, s.end_date,
           s.city, s.country AS host_country, s.status, s.participants, s.leaders,
           (SELECT count(*) FROM public.agreements a WHERE a.summit_id = s.id) AS agreements,
           s.articles, s.first_reported, s.last_reported
    FROM public.summits s
"""

AGREEMENTS = """
    SELECT a.id AS agreement_id, a.title, a.type, a.count, a.status, a.parties, a.sectors,
           a.summit_id,
           CASE WHEN s.id IS NULL THEN a.summit_ref
                ELSE s.name || coalesce(' #' || s.edition, ' ' || s.year, '') END AS summit,
           a.signed_on, a.articles, a.first_reported, a.last_reported
    FROM public.agreements a LEFT JOIN public.summits s ON s.id = a.summit_id
"""

# Each record's month is computed once, in a sub-query that OFFSET 0 keeps from being
# merged into the join (the planner would otherwise evaluate it once per participant or
# party: 210,000 times instead of 40,000 on the query benchmark's database), and the date
# is truncated as a timestamp, without the two time-zone conversions of date_trunc on a
# timestamp with time zone (the same first day of the month in every time zone).
# Together: a third to almost half off the full report (interleaved runs, load ~1).
COUNTRY_ACTIVITY = """
    SELECT country, month, sum(summits_attended)::bigint AS summits_attended,
           sum(agreements_joined)::bigint AS agreements_joined,
           sum(documents_joined)::bigint AS documents_joined
    FROM (
        SELECT p.code AS country, s.month,
               1 AS summits_attended, 0 AS agreements_joined, 0 AS documents_joined
        FROM public.summit_participants p
        JOIN (SELECT id, date_trunc('month', coalesce(start_date, first_reported::date)
                                             ::timestamp)::date AS month
              FROM public.summits OFFSET 0) s ON s.id = p.summit_id
        UNION ALL
        SELECT p.code, a.month, 0, 1, a.count
        FROM public.agreement_parties p
        JOIN (SELECT id, count, date_trunc('month', coalesce(signed_on, first_reported::date)
                                                    ::timestamp)::date AS month
              FROM public.agreements OFFSET 0) a ON a.id = p.agreement_id
    ) AS activity
    GROUP BY country, month
"""

# As 0003 created them (and the downgrade restores them).
PREVIOUS_SUMMITS = """
    SELECT s.id AS summit_id, s.name AS series, s.edition, s.year, s.start_date, s.end_date,
           s.city, s.country AS host_country, s.status,
           coalesce((SELECT array_agg(p.code ORDER BY p.code) FROM summit_participants p
                     WHERE p.summit_id = s.id), '{}') AS participants,
           coalesce((SELECT array_agg(pp.name || coalesce(' (' || concat_ws(', ', pp.role,
                                     pp.country) || ')', '') ORDER BY pp.articles DESC, pp.name)
                     FROM summit_people pp WHERE pp.summit_id = s.id AND pp.kind = 'leader'),
                    '{}') AS leaders,
           (SELECT count(*) FROM agreements a WHERE a.summit_id = s.id) AS agreements,
           s.articles, s.first_reported, s.last_reported
    FROM public.summits s
"""

PREVIOUS_AGREEMENTS = """
    SELECT a.id AS agreement_id, a.title, a.type, a.count, a.status,
           coalesce((SELECT array_agg(p.code ORDER BY p.code) FROM agreement_parties p
                     WHERE p.agreement_id = a.id), '{}') AS parties,
           coalesce((SELECT array_agg(x.sector ORDER BY x.articles DESC, x.sector)
                     FROM agreement_sectors x WHERE x.agreement_id = a.id), '{}') AS sectors,
           a.summit_id,
           CASE WHEN s.id IS NULL THEN a.summit_ref
                ELSE s.name || coalesce(' #' || s.edition, ' ' || s.year, '') END AS summit,
           a.signed_on, a.articles, a.first_reported, a.last_reported
    FROM public.agreements a LEFT JOIN public.summits s ON s.id = a.summit_id
"""

# As 0006 created it.
PREVIOUS_COUNTRY_ACTIVITY = """
    SELECT country, month, sum(summits_attended)::bigint AS summits_attended,
           sum(agreements_joined)::bigint AS agreements_joined,
           sum(documents_joined)::bigint AS documents_joined
    FROM (
        SELECT p.code AS country,
               date_trunc('month', coalesce(s.start_date, s.first_reported::date))::date AS month,
               1 AS summits_attended, 0 AS agreements_joined, 0 AS documents_joined
        FROM public.summit_participants p JOIN public.summits s ON s.id = p.summit_id
        UNION ALL
        SELECT p.code, date_trunc('month', coalesce(a.signed_on, a.first_reported::date))::date,
               0, 1, a.count
        FROM public.agreement_parties p JOIN public.agreements a ON a.id = p.agreement_id
    ) AS activity
    GROUP BY country, month
"""


def upgrade() -> None:
    # No list row may change between the backfill and the triggers. Records first, as
    # merging locks them before their lists (the other order could deadlock with it).
    op.execute("LOCK TABLE public.summits, public.agreements IN ACCESS EXCLUSIVE MODE")
    op.execute("LOCK TABLE public.summit_participants, public.summit_people, "
               "public.agreement_parties, public.agreement_sectors IN SHARE ROW EXCLUSIVE MODE")
    for kept in KEPT:
        op.add_column(kept.parent, sa.Column(kept.column, postgresql.ARRAY(sa.Text()),
                                             server_default="{}", nullable=False))
    for kept in KEPT:
        op.execute(f"UPDATE public.{kept.parent} t SET {kept.column} = l.list "
                   f"FROM ({kept.lists()}) l WHERE t.id = l.id")
        op.execute(_function(kept))
        for trigger in _triggers(kept):
            op.execute(trigger)
    # Same columns, names and types: CREATE OR REPLACE keeps the views' grants.
    op.execute(f"CREATE OR REPLACE VIEW reporting.summits AS {SUMMITS}")
    op.execute(f"CREATE OR REPLACE VIEW reporting.agreements AS {AGREEMENTS}")
    op.execute(f"CREATE OR REPLACE VIEW reporting.country_activity AS {COUNTRY_ACTIVITY}")


def downgrade() -> None:
    op.execute(f"CREATE OR REPLACE VIEW reporting.country_activity AS "
               f"{PREVIOUS_COUNTRY_ACTIVITY}")
    op.execute(f"CREATE OR REPLACE VIEW reporting.agreements AS {PREVIOUS_AGREEMENTS}")
    op.execute(f"CREATE OR REPLACE VIEW reporting.summits AS {PREVIOUS_SUMMITS}")
    for kept in reversed(KEPT):
        for suffix in ("truncate", "delete", "update", "insert"):
            op.execute(f"DROP TRIGGER {kept.function}_{suffix} ON public.{kept.child}")
        op.execute(f"DROP FUNCTION public.{kept.function}()")
        op.drop_column(kept.parent, kept.column)
