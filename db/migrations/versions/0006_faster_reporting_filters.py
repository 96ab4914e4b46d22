"""Faster report filters: country activity without a full join, participant views.

``country_activity`` filtered by country or month used to aggregate everything
before filtering (a FULL JOIN on coalesced keys); a UNION ALL lets the filter
reach the tables. ``summit_participants`` and ``agreement_parties`` views let a
country filter use the code indexes instead of building every row's array.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTRY_ACTIVITY = """
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

PREVIOUS_COUNTRY_ACTIVITY = """
    WITH summit_months AS (
        SELECT p.code AS country,
               date_trunc('month', coalesce(s.start_date, s.first_reported::date))::date AS month,
               count(*) AS summits_attended
        FROM summit_participants p JOIN summits s ON s.id = p.summit_id
        GROUP BY 1, 2
    ), agreement_months AS (
        SELECT p.code AS country,
               date_trunc('month', coalesce(a.signed_on, a.first_reported::date))::date AS month,
               count(*) AS agreements_joined, sum(a.count) AS documents_joined
        FROM agreement_parties p JOIN agreements a ON a.id = p.agreement_id
        GROUP BY 1, 2
    )
    SELECT coalesce(s.country, a.country) AS country, coalesce(s.month, a.month) AS month,
           coalesce(s.summits_attended, 0) AS summits_attended,
           coalesce(a.agreements_joined, 0) AS agreements_joined,
           coalesce(a.documents_joined, 0) AS documents_joined
    FROM summit_months s
    FULL JOIN agreement_months a ON a.country = s.country AND a.month = s.month
"""


def upgrade() -> None:
    op.execute(f"CREATE OR REPLACE VIEW reporting.country_activity AS {COUNTRY_ACTIVITY}")
    op.execute("CREATE VIEW reporting.summit_participants AS "
               "SELECT summit_id, code, articles FROM public.summit_participants")
    op.execute("CREATE VIEW reporting.agreement_parties AS "
               "SELECT agreement_id, code, articles FROM public.agreement_parties")


def downgrade() -> None:
    op.execute("DROP VIEW reporting.agreement_parties")
    op.execute("DROP VIEW reporting.summit_participants")
    op.execute("DROP VIEW reporting.country_activity")
    op.execute(f"CREATE VIEW reporting.country_activity AS {PREVIOUS_COUNTRY_ACTIVITY}")
