"""Index summits and agreements by id with what ``reporting.country_activity`` reads.

The view reads, per record, only its id, date, first report (and an agreement's count),
but from the whole heap: on the query benchmark's database (bench/query_bench.py)
``agreements`` holds 65 MB for 30,000 rows (its JSON since 0008, and the row versions
the merges leave). With these covering indexes (1.2 and 0.4 MB) the view reads them
with index-only scans; its rows and plan shape are unchanged otherwise. Measured there
(2 shared CPUs, load ~3, interleaved runs of ``accords query countries --format json``
as the benchmark times it): 80 -> 60 ms for all months, 31 -> 13 ms with ``--country
UZ``, 43 -> 26 ms with ``--since`` a year ago. Index-only scans need the visibility map that (auto)vacuum keeps; pages changed
since are read from the heap as before.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_summits_id_activity", "summits", ["id"], unique=False,
                    postgresql_include=["start_date", "first_reported"])
    op.create_index("ix_agreements_id_activity", "agreements", ["id"], unique=False,
                    postgresql_include=["count", "signed_on", "first_reported"])


def downgrade() -> None:
    op.drop_index("ix_agreements_id_activity", table_name="agreements")
    op.drop_index("ix_summits_id_activity", table_name="summits")
