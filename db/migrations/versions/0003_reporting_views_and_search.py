"""Reporting views (schema ``reporting``), full-text search, indexes for report filters.

The views are what analysts and the read-only role see; docs/schema.md documents
every column. They live in their own schema so a reader can be granted exactly
them and nothing else.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VIEWS = {
    "summits": """
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
    """,
    "agreements": """
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
    """,
    "country_activity": """
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
    """,
    "feed_health": """
        SELECT f.name AS feed, f.url, f.region, f.enabled, f.disabled_reason, f.last_polled_at,
               f.last_success_at, f.last_status, f.last_error, f.consecutive_failures,
               f.next_poll_at, f.entries_seen,
               (SELECT count(*) FROM articles a WHERE a.feed_id = f.id) AS articles,
               round((SELECT count(*) FROM articles a WHERE a.feed_id = f.id
                      AND a.created_at >= now() - interval '30 days') / 30.0, 2)
                   AS articles_per_day_30d,
               (SELECT count(*) FROM feed_polls p WHERE p.feed_id = f.id AND p.outcome = 'failed'
                  AND p.started_at >= now() - interval '30 days') AS failed_polls_30d
        FROM public.feeds f
    """,
    "articles": """
        SELECT a.id AS article_id, a.url, a.title, a.site_name, a.published_at,
               a.published_source, a.language, f.name AS feed, a.state, a.state_reason,
               a.extractor_version, a.created_at AS stored_at
        FROM public.articles a LEFT JOIN public.feeds f ON f.id = a.feed_id
    """,
    "evidence": """
        SELECT m.id AS mention_id, m.kind, m.summit_id, m.agreement_id, m.article_id,
               a.url, a.title, a.published_at, m.confidence, m.extractor, m.extractor_version,
               coalesce((SELECT array_agg(e->>'text' ORDER BY (e->>'start')::int)
                         FROM jsonb_array_elements(m.evidence) AS e), '{}') AS sentences,
               m.evidence AS spans, m."values" AS value_spans
        FROM public.mentions m JOIN public.articles a ON a.id = m.article_id
    """,
}


def upgrade() -> None:
    op.add_column("articles", sa.Column(
        "search", postgresql.TSVECTOR(),
        sa.Computed("to_tsvector('english', coalesce(title, '') || ' ' || coalesce(text, ''))",
                    persisted=True),
        nullable=True))
    op.create_index("ix_articles_search", "articles", ["search"], unique=False,
                    postgresql_using="gin")
    op.create_index(op.f("ix_summits_first_reported"), "summits", ["first_reported"])
    op.create_index(op.f("ix_agreements_first_reported"), "agreements", ["first_reported"])
    op.execute("CREATE SCHEMA IF NOT EXISTS reporting")
    for name, query in VIEWS.items():
        op.execute(f"CREATE VIEW reporting.{name} AS {query}")
    # Nobody but the owner may create objects in public (PostgreSQL < 15 lets everyone),
    # so a read-only role is read-only there too.
    op.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")


def downgrade() -> None:
    op.execute("DROP SCHEMA reporting CASCADE")
    op.drop_index(op.f("ix_agreements_first_reported"), table_name="agreements")
    op.drop_index(op.f("ix_summits_first_reported"), table_name="summits")
    op.drop_index("ix_articles_search", table_name="articles", postgresql_using="gin")
    op.drop_column("articles", "search")
