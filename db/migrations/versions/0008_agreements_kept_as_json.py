"""Agreements kept as JSON on their rows, for ``accords query agreements --format json``.

The JSON export of all 30,000 agreements of the query benchmark (bench/query_bench.py)
spent about half its time in PostgreSQL turning rows into JSON (``row_to_json``: ~85 ms
of CPU, mostly the output functions of arrays, dates and integers), every time. Now
``agreements.json_prefix`` holds the row of ``reporting.agreements`` as
``row_to_json`` writes it, up to ``last_reported`` excluded: both timestamps are written
when read (their text depends on the reading session's time zone), and the closing
brace. A BEFORE trigger computes it whenever a column it shows is set (the list
triggers of 0007 set ``parties`` and ``sectors``, so it follows them; deleting a summit
sets ``summit_id`` to NULL); a statement trigger on ``summits`` recomputes it for the
agreements of a summit whose label (name, edition, year) changed.

``reporting.agreement_exports`` is ``reporting.agreements`` with the whole row as JSON
text in a ``json`` column, so the export applies the same filters and order. Measured on
the benchmark's database (2 shared CPUs, load ~0.5, interleaved runs): all agreements as
JSON, 150 ms with ``json_agg`` of the view, 71 ms reading ``json`` sorted and joining
the rows in Python (81 ms with ``string_agg`` in PostgreSQL; writing the timestamps on
read costs ~15 ms of it).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The columns of reporting.agreements (0007) before first_reported, with its expressions.
# VOLATILE (the default): its query takes a new snapshot, so a trigger that has just
# locked an agreement reads the summit label committed by whoever held the lock.
PREFIX_FUNCTION = """
    CREATE FUNCTION public.agreement_json_prefix(a public.agreements) RETURNS text
    LANGUAGE sql AS $fn$
        SELECT left(row_to_json(r)::text, -1)
        FROM (SELECT a.id AS agreement_id, a.title, a.type, a.count, a.status, a.parties,
                     a.sectors, a.summit_id,
                     CASE WHEN s.id IS NULL THEN a.summit_ref
                          ELSE s.name || coalesce(' #' || s.edition, ' ' || s.year, '')
                     END AS summit,
                     a.signed_on, a.articles
              FROM (SELECT 1) AS one
              LEFT JOIN public.summits s ON s.id = a.summit_id) AS r
    $fn$
"""

# The columns the prefix shows: setting any of them recomputes it.
SHOWN = ("id", "title", "type", "count", "status", "parties", "sectors", "summit_id",
         "summit_ref", "signed_on", "articles")

ROW_TRIGGER_FUNCTION = """
    CREATE FUNCTION public.keep_agreements_json_prefix() RETURNS trigger
    LANGUAGE plpgsql AS $fn$
    BEGIN
        NEW.json_prefix := public.agreement_json_prefix(NEW);
        RETURN NEW;
    END
    $fn$
"""

SUMMIT_TRIGGER_FUNCTION = """
    CREATE FUNCTION public.keep_agreements_json_prefix_of_summits() RETURNS trigger
    LANGUAGE plpgsql AS $fn$
    BEGIN
        UPDATE public.agreements a SET json_prefix = public.agreement_json_prefix(a)
        FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE a.summit_id = n.id
          AND (o.name, o.edition, o.year) IS DISTINCT FROM (n.name, n.edition, n.year);
        RETURN NULL;
    END
    $fn$
"""

# reporting.agreements (0007) with the row as JSON: row_to_json's text of it.
AGREEMENT_EXPORTS = """
    SELECT a.id AS agreement_id, a.title, a.type, a.count, a.status, a.parties, a.sectors,
           a.summit_id,
           CASE WHEN s.id IS NULL THEN a.summit_ref
                ELSE s.name || coalesce(' #' || s.edition, ' ' || s.year, '') END AS summit,
           a.signed_on, a.articles, a.first_reported, a.last_reported,
           a.json_prefix
               || ',"first_reported":' || coalesce(to_json(a.first_reported)::text, 'null')
               || ',"last_reported":' || coalesce(to_json(a.last_reported)::text, 'null')
               || '}' AS json
    FROM public.agreements a LEFT JOIN public.summits s ON s.id = a.summit_id
"""


def upgrade() -> None:
    # No agreement or summit label may change between the backfill and the triggers.
    op.execute("LOCK TABLE public.summits, public.agreements IN SHARE ROW EXCLUSIVE MODE")
    op.add_column("agreements", sa.Column("json_prefix", sa.Text(), server_default="",
                                          nullable=False))
    op.execute(PREFIX_FUNCTION)
    op.execute("UPDATE public.agreements a SET json_prefix = public.agreement_json_prefix(a)")
    op.execute(ROW_TRIGGER_FUNCTION)
    op.execute(f"CREATE TRIGGER keep_agreements_json_prefix "
               f"BEFORE INSERT OR UPDATE OF {', '.join(SHOWN)} ON public.agreements "
               f"FOR EACH ROW EXECUTE FUNCTION public.keep_agreements_json_prefix()")
    op.execute(SUMMIT_TRIGGER_FUNCTION)
    op.execute("CREATE TRIGGER keep_agreements_json_prefix_of_summits AFTER UPDATE "
               "ON public.summits REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
               "FOR EACH STATEMENT "
               "EXECUTE FUNCTION public.keep_agreements_json_prefix_of_summits()")
    op.execute(f"CREATE VIEW reporting.agreement_exports AS {AGREEMENT_EXPORTS}")


def downgrade() -> None:
    op.execute("DROP VIEW reporting.agreement_exports")
    op.execute("DROP TRIGGER keep_agreements_json_prefix_of_summits ON public.summits")
    op.execute("DROP FUNCTION public.keep_agreements_json_prefix_of_summits()")
    op.execute("DROP TRIGGER keep_agreements_json_prefix ON public.agreements")
    op.execute("DROP FUNCTION public.keep_agreements_json_prefix()")
    op.execute("DROP FUNCTION public.agreement_json_prefix(public.agreements)")
    op.drop_column("agreements", "json_prefix")
