"""Merged rows keep their vote tallies, so merging new articles adds to them.

Re-deriving a summit read every mention of it, so the cost of merging an article
grew with how many articles had reported its summit before (bench/run.py: 7.8 ms per
article on an empty database, 17 ms on one of 5,000 articles). ``db.merge`` now adds
a batch's votes to the stored tallies by upsert and picks the winners among a row's
distinct values; what the winners need is stored beside the counts:

- ``claims``: when a value was first and last reported and by which article first
  (the tie-breaks), and unique per row, field and value (md5: a value can be long)
  so votes can be upserted. Besides the columns' values, claims now also hold the
  votes that are not columns themselves: ``summit`` (an agreement's summit, by key),
  ``summit_ref`` and ``reported_year``.
- ``summit_people``: the article, group and rank the role and country were taken from.
- ``summits.tallied`` / ``agreements.tallied``: false for rows merged before this
  migration, and set false by a trigger whenever mentions of a row are deleted (an
  article deleted in SQL takes its mentions with it); the next merge that touches
  such a row recounts it from its mentions.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OWNERS = ("summit_id", "agreement_id")


# Mentions deleted outside db.merge (which recounts what it deletes anyway) would leave
# their votes in the tallies: mark the rows for a recount.
UNTALLY = """
    CREATE FUNCTION public.untally_mentioned() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
        UPDATE public.summits SET tallied = false
        WHERE tallied AND id IN (SELECT summit_id FROM old_rows);
        UPDATE public.agreements SET tallied = false
        WHERE tallied AND id IN (SELECT agreement_id FROM old_rows);
        RETURN NULL;
    END
    $fn$
"""


def upgrade() -> None:
    for column in ("first_reported", "last_reported"):
        op.add_column("claims", sa.Column(column, sa.DateTime(timezone=True)))
    op.add_column("claims", sa.Column("first_article", sa.BigInteger()))
    for owner in _OWNERS:
        op.drop_index(f"ix_claims_{owner}", table_name="claims")
        op.create_index(f"uq_claims_{owner}_field_value", "claims",
                        [owner, "field", sa.text("md5(value)")], unique=True,
                        postgresql_where=sa.text(f"{owner} IS NOT NULL"))
    for column in ("role_from", "country_from"):
        op.add_column("summit_people", sa.Column(column, postgresql.ARRAY(sa.BigInteger())))
    for table in ("summits", "agreements"):
        # Existing rows are not tallied; rows created from now on are, from the start.
        op.add_column(table, sa.Column("tallied", sa.Boolean(), nullable=False,
                                       server_default=sa.false()))
        op.alter_column(table, "tallied", server_default=sa.true())
    op.execute(UNTALLY)
    op.execute("CREATE TRIGGER untally_mentioned AFTER DELETE ON public.mentions "
               "REFERENCING OLD TABLE AS old_rows "
               "FOR EACH STATEMENT EXECUTE FUNCTION public.untally_mentioned()")


def downgrade() -> None:
    op.execute("DROP TRIGGER untally_mentioned ON public.mentions")
    op.execute("DROP FUNCTION public.untally_mentioned()")
    for table in ("summits", "agreements"):
        op.drop_column(table, "tallied")
    for column in ("role_from", "country_from"):
        op.drop_column("summit_people", column)
    # Votes that were never claims before.
    op.execute("DELETE FROM claims WHERE field IN ('summit', 'summit_ref', 'reported_year')")
    for owner in _OWNERS:
        op.drop_index(f"uq_claims_{owner}_field_value", table_name="claims")
        op.create_index(f"ix_claims_{owner}", "claims", [owner])
    for column in ("first_reported", "last_reported", "first_article"):
        op.drop_column("claims", column)
