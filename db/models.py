"""SQLAlchemy models: feeds and polls, articles and raw HTML, runs, and the
summits and agreements merged from the articles' mentions."""

from __future__ import annotations

import enum
from datetime import date
from typing import Any

from sqlalchemy import (
    BigInteger,
    Computed,
    Enum,
    ForeignKey,
    Index,
    LargeBinary,
    MetaData,
    Text,
    UniqueConstraint,
)
from sqlalchemy import text as sql
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from db.types import bigint_pk, created_at, text_list, timestamptz, updated_at

# Deterministic constraint names, so Alembic can drop and alter them by name.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _pg_enum(cls: type[enum.Enum], name: str) -> Enum:
    # Store the lower-case values, not the member names, so SQL reads naturally.
    return Enum(cls, name=name, values_callable=lambda e: [m.value for m in e])


class PollOutcome(enum.Enum):
    OK = "ok"
    NOT_MODIFIED = "not_modified"  # 304 to a conditional GET
    UNCHANGED = "unchanged"  # 200 but the same bytes as last time
    FAILED = "failed"


class ArticleState(enum.Enum):
    PENDING = "pending"  # seen in a feed, not fetched yet
    FETCHED = "fetched"  # raw HTML stored, not cleaned yet
    CLEANED = "cleaned"  # body text stored
    EXTRACTED = "extracted"  # summit/agreement extraction done
    FAILED = "failed"  # may be retried (see attempts)
    SKIPPED = "skipped"  # will not be retried: not HTML, robots, blocked, no body


class Feed(Base):
    __tablename__ = "feeds"

    id: Mapped[bigint_pk]
    name: Mapped[str] = mapped_column(Text, unique=True)
    url: Mapped[str] = mapped_column(Text, unique=True)
    region: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[text_list]
    enabled: Mapped[bool] = mapped_column(server_default=sql("true"))
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    body_hash: Mapped[str | None] = mapped_column(Text)
    last_status: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    last_polled_at: Mapped[timestamptz | None]
    last_success_at: Mapped[timestamptz | None]
    consecutive_failures: Mapped[int] = mapped_column(server_default=sql("0"))
    next_poll_at: Mapped[timestamptz | None]
    entries_seen: Mapped[int] = mapped_column(BigInteger, server_default=sql("0"))
    created_at: Mapped[created_at]
    updated_at: Mapped[updated_at]


class FeedPoll(Base):
    """One row per poll of one feed: the feed's health history."""

    __tablename__ = "feed_polls"

    id: Mapped[bigint_pk]
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"), index=True)
    run_id: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[timestamptz]
    elapsed_ms: Mapped[int]
    outcome: Mapped[PollOutcome] = mapped_column(_pg_enum(PollOutcome, "poll_outcome"))
    http_status: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(Text)
    parse_problem: Mapped[str | None] = mapped_column(Text)
    entries: Mapped[int] = mapped_column(server_default=sql("0"))
    new_entries: Mapped[int] = mapped_column(server_default=sql("0"))


class Article(Base):
    __tablename__ = "articles"
    __table_args__ = (
        UniqueConstraint("feed_id", "guid"),
        Index("ix_articles_state_updated", "state", "updated_at"),
        Index("ix_articles_search", "search", postgresql_using="gin"),
        # reporting.feed_health: articles per feed in the last 30 days, index-only (0005).
        Index("ix_articles_feed_id_created_at", "feed_id", "created_at"),
    )

    id: Mapped[bigint_pk]
    canonical_url: Mapped[str] = mapped_column(Text, unique=True)
    url: Mapped[str] = mapped_column(Text)
    final_url: Mapped[str | None] = mapped_column(Text)
    feed_id: Mapped[int | None] = mapped_column(
        ForeignKey("feeds.id", ondelete="SET NULL"), index=True
    )
    guid: Mapped[str | None] = mapped_column(Text)
    feed_title: Mapped[str | None] = mapped_column(Text)
    feed_published_at: Mapped[timestamptz | None]
    title: Mapped[str | None] = mapped_column(Text)
    authors: Mapped[text_list]
    published_at: Mapped[timestamptz | None] = mapped_column(index=True)
    published_source: Mapped[str | None] = mapped_column(Text)  # "page" or "feed"
    site_name: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(Text)
    fetched_at: Mapped[timestamptz | None]
    http_status: Mapped[int | None]
    content_type: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str | None] = mapped_column(Text)
    search: Mapped[str | None] = mapped_column(
        TSVECTOR,
        Computed("to_tsvector('english', coalesce(title, '') || ' ' || coalesce(text, ''))",
                 persisted=True),
    )
    """Full-text index of title and body (``accords search``)."""
    comments: Mapped[str | None] = mapped_column(Text)
    content_hash: Mapped[str | None] = mapped_column(Text)
    cleaner: Mapped[str | None] = mapped_column(Text)
    cleaner_version: Mapped[str | None] = mapped_column(Text)
    extractor: Mapped[str | None] = mapped_column(Text)
    extractor_version: Mapped[str | None] = mapped_column(Text)
    """Which extractor last read the article (its mentions are that version's)."""
    extracted_at: Mapped[timestamptz | None]
    state: Mapped[ArticleState] = mapped_column(
        _pg_enum(ArticleState, "article_state"), server_default=ArticleState.PENDING.value
    )
    state_reason: Mapped[str | None] = mapped_column(Text)
    """A short code (``timeout``, ``robots``, ``no_body``, ...), for filtering."""
    state_detail: Mapped[str | None] = mapped_column(Text)
    """The error message behind ``state_reason``."""
    attempts: Mapped[int] = mapped_column(server_default=sql("0"))
    created_at: Mapped[created_at]
    updated_at: Mapped[updated_at]


class ArticleHtml(Base):
    """Raw HTML as fetched, zlib-compressed, kept apart so article scans stay light."""

    __tablename__ = "article_html"

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    compressed: Mapped[bytes] = mapped_column(LargeBinary)
    charset: Mapped[str | None] = mapped_column(Text)
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(Text)
    fetched_at: Mapped[timestamptz]


class PipelineRun(Base):
    """One row per flow run, with the summary counts it ended with."""

    __tablename__ = "pipeline_runs"

    id: Mapped[bigint_pk]
    flow: Mapped[str] = mapped_column(Text)
    flow_run_id: Mapped[str | None] = mapped_column(Text, unique=True)
    started_at: Mapped[timestamptz]
    finished_at: Mapped[timestamptz | None]
    status: Mapped[str] = mapped_column(Text)
    parameters: Mapped[dict[str, object]] = mapped_column(JSONB, server_default="{}")
    counts: Mapped[dict[str, object]] = mapped_column(JSONB, server_default="{}")




class Summit(Base):
    """One real-world summit, merged from every article that mentions it.

    Scalar columns hold the best supported value among the articles (see
    ``db.merge``); the disagreements stay in ``claims``.
    """

    __tablename__ = "summits"
    __table_args__ = (
        # reporting.country_activity reads these with an index-only scan (migration 0009).
        Index("ix_summits_id_activity", "id", postgresql_include=["start_date", "first_reported"]),
    )
    id: Mapped[bigint_pk]
    key: Mapped[str] = mapped_column(Text, unique=True)
    """Identity given at creation (``series#edition`` or ``series@year``); never changes."""
    series_key: Mapped[str] = mapped_column(Text, index=True)
    """Normalised series name; with the edition, else the year, it identifies the summit."""
    name: Mapped[str] = mapped_column(Text)
    edition: Mapped[int | None]
    year: Mapped[int | None] = mapped_column(index=True)
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    city: Mapped[str | None] = mapped_column(Text)
    country: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str | None] = mapped_column(Text)
    articles: Mapped[int] = mapped_column(server_default=sql("0"))
    first_reported: Mapped[timestamptz | None] = mapped_column(index=True)
    last_reported: Mapped[timestamptz | None]
    participants: Mapped[text_list]
    """Codes of ``summit_participants``, sorted: kept by a trigger (migration 0007), never set."""
    leaders: Mapped[text_list]
    """Leaders among ``summit_people`` as "Name (Role, CC)", most reported first: kept by a
    trigger (migration 0007), never set."""
    tallied: Mapped[bool] = mapped_column(server_default=sql("true"))
    """False for a row merged before its votes were kept (migration 0010): the next merge
    touching it recounts it from its mentions."""
    created_at: Mapped[created_at]
    updated_at: Mapped[updated_at]


class Agreement(Base):
    """One real-world agreement (or counted bundle), merged across articles."""

    __tablename__ = "agreements"
    __table_args__ = (
        # reporting.country_activity reads these with an index-only scan (migration 0009).
        Index("ix_agreements_id_activity", "id",
              postgresql_include=["count", "signed_on", "first_reported"]),
    )

    id: Mapped[bigint_pk]
    key: Mapped[str] = mapped_column(Text, unique=True)
    """Normalised title, else type + summit + parties (see ``db.merge.agreement_key``)."""
    title: Mapped[str | None] = mapped_column(Text)
    type: Mapped[str] = mapped_column(Text, index=True)
    count: Mapped[int] = mapped_column(server_default=sql("1"))
    status: Mapped[str | None] = mapped_column(Text)
    summit_id: Mapped[int | None] = mapped_column(
        ForeignKey("summits.id", ondelete="SET NULL"), index=True
    )
    summit_ref: Mapped[str | None] = mapped_column(Text)
    signed_on: Mapped[date | None] = mapped_column(index=True)
    articles: Mapped[int] = mapped_column(server_default=sql("0"))
    first_reported: Mapped[timestamptz | None] = mapped_column(index=True)
    last_reported: Mapped[timestamptz | None]
    parties: Mapped[text_list]
    """Codes of ``agreement_parties``, sorted: kept by a trigger (migration 0007), never set."""
    sectors: Mapped[text_list]
    """Sectors of ``agreement_sectors``, most reported first: kept by a trigger (migration
    0007), never set."""
    tallied: Mapped[bool] = mapped_column(server_default=sql("true"))
    """False for a row merged before its votes were kept (migration 0010): the next merge
    touching it recounts it from its mentions."""
    json_prefix: Mapped[str] = mapped_column(Text, server_default="", deferred=True)
    """Its ``reporting.agreements`` row as JSON up to ``first_reported``, for exports: kept
    by triggers (migration 0008), never set; deferred, as only exports read it."""
    created_at: Mapped[created_at]
    updated_at: Mapped[updated_at]


class Mention(Base):
    """One article's statement of one summit or agreement, with its evidence.

    The record as this article gives it is kept whole in ``record``, so merged
    rows can always be derived again from mentions alone.
    """

    __tablename__ = "mentions"
    __table_args__ = (
        UniqueConstraint("article_id", "kind", "ordinal"),
        Index("ix_mentions_summit_id", "summit_id"),
        Index("ix_mentions_agreement_id", "agreement_id"),
    )

    id: Mapped[bigint_pk]
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(Text)  # "summit" or "agreement"
    ordinal: Mapped[int]
    """Position of the record in the article's extraction output."""
    summit_id: Mapped[int | None] = mapped_column(ForeignKey("summits.id", ondelete="CASCADE"))
    agreement_id: Mapped[int | None] = mapped_column(
        ForeignKey("agreements.id", ondelete="CASCADE")
    )
    record: Mapped[dict[str, Any]] = mapped_column(JSONB)
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    """Spans ``{start, end, text}`` into ``articles.text`` stating the record."""
    values: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default="[]")
    """Per value: ``{field, value, span}``, the span it was read from."""
    confidence: Mapped[float]
    extractor: Mapped[str] = mapped_column(Text)
    extractor_version: Mapped[str] = mapped_column(Text)
    created_at: Mapped[created_at]


class Claim(Base):
    """A value some articles give for a scalar field of a merged row, and how many do."""

    __tablename__ = "claims"
    __table_args__ = (
        # One claim per row, field and value, so a batch's votes are added by upsert.
        Index("uq_claims_summit_id_field_value", "summit_id", "field", sql("md5(value)"),
              unique=True, postgresql_where=sql("summit_id IS NOT NULL")),
        Index("uq_claims_agreement_id_field_value", "agreement_id", "field", sql("md5(value)"),
              unique=True, postgresql_where=sql("agreement_id IS NOT NULL")),
    )

    id: Mapped[bigint_pk]
    summit_id: Mapped[int | None] = mapped_column(ForeignKey("summits.id", ondelete="CASCADE"))
    agreement_id: Mapped[int | None] = mapped_column(
        ForeignKey("agreements.id", ondelete="CASCADE")
    )
    field: Mapped[str] = mapped_column(Text)
    value: Mapped[str] = mapped_column(Text)
    articles: Mapped[int]
    chosen: Mapped[bool]
    """True for the value stored on the merged row (the best supported one)."""
    first_reported: Mapped[timestamptz | None]
    last_reported: Mapped[timestamptz | None]
    first_article: Mapped[int | None] = mapped_column(BigInteger)
    """The tie-breaks between values given by as many articles (``db.merge._winner``)."""


class SummitParticipant(Base):
    __tablename__ = "summit_participants"

    summit_id: Mapped[int] = mapped_column(
        ForeignKey("summits.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(Text, primary_key=True, index=True)
    """ISO 3166-1 alpha-2 country code or organisation acronym (EU, SCO, ...)."""
    articles: Mapped[int]


class SummitPerson(Base):
    __tablename__ = "summit_people"

    summit_id: Mapped[int] = mapped_column(
        ForeignKey("summits.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(Text, primary_key=True)
    kind: Mapped[str] = mapped_column(Text)  # "leader" or "official"
    role: Mapped[str | None] = mapped_column(Text)
    role_from: Mapped[list[int] | None] = mapped_column(ARRAY(BigInteger))
    """(article, group, rank) the role was taken from: the first one giving a role wins."""
    country: Mapped[str | None] = mapped_column(Text)
    country_from: Mapped[list[int] | None] = mapped_column(ARRAY(BigInteger))
    articles: Mapped[int]


class AgreementParty(Base):
    __tablename__ = "agreement_parties"

    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("agreements.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(Text, primary_key=True, index=True)
    articles: Mapped[int]


class AgreementSector(Base):
    __tablename__ = "agreement_sectors"

    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("agreements.id", ondelete="CASCADE"), primary_key=True
    )
    sector: Mapped[str] = mapped_column(Text, primary_key=True)
    articles: Mapped[int]


class HostSchedule(Base):
    """When the next request to a host may start, shared by every process and run."""

    __tablename__ = "host_schedule"

    host: Mapped[str] = mapped_column(Text, primary_key=True)
    next_start: Mapped[timestamptz]
