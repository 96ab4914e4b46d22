"""SQLAlchemy models: feeds and their polls, articles and their raw HTML, runs."""

from __future__ import annotations

import enum

from sqlalchemy import (
    BigInteger,
    Enum,
    ForeignKey,
    Index,
    LargeBinary,
    MetaData,
    Text,
    UniqueConstraint,
)
from sqlalchemy import text as sql
from sqlalchemy.dialects.postgresql import JSONB
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
    comments: Mapped[str | None] = mapped_column(Text)
    content_hash: Mapped[str | None] = mapped_column(Text)
    cleaner: Mapped[str | None] = mapped_column(Text)
    cleaner_version: Mapped[str | None] = mapped_column(Text)
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


__all__ = [
    "Article", "ArticleHtml", "ArticleState", "Base", "Feed", "FeedPoll", "PipelineRun",
    "PollOutcome",
]
