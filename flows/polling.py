"""Polling one feed: conditional GET, body hash, parse, and the back-off policy."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flows.feeds import FeedEntry, FeedParseError, parse_feed
from flows.http import FetchError, HttpClient

# Waits after 1, 2, 3, ... consecutive failures; the last one repeats.
BACKOFF = (timedelta(hours=1), timedelta(hours=4), timedelta(hours=12), timedelta(days=1),
           timedelta(days=3))


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedState:
    """What the feeds table remembers between polls of one feed."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    consecutive_failures: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class PollResult:
    outcome: str  # "ok", "not_modified", "unchanged" or "failed"
    http_status: int | None = None
    error: str | None = None
    error_reason: str | None = None
    problem: str | None = None
    entries: tuple[FeedEntry, ...] = ()
    skipped: dict[str, int] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    elapsed_ms: int = 0


def poll(client: HttpClient, state: FeedState) -> PollResult:
    """Fetch and parse one feed. Never raises for a bad feed: the result says what went wrong."""
    started = time.monotonic()
    headers = {}
    if state.etag:
        headers["If-None-Match"] = state.etag
    if state.last_modified:
        headers["If-Modified-Since"] = state.last_modified

    def took() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        response = client.get(state.url, kind="feed", headers=headers)
    except FetchError as exc:
        return PollResult(outcome="failed", http_status=getattr(exc, "status", None),
                          error=str(exc), error_reason=exc.reason, elapsed_ms=took())
    etag = response.headers.get("etag") or state.etag
    last_modified = response.headers.get("last-modified") or state.last_modified
    if response.status == 304:
        return PollResult(outcome="not_modified", http_status=304, etag=etag,
                          last_modified=last_modified, body_hash=state.body_hash, elapsed_ms=took())
    # Some servers send the same ETag for a changed feed, others a new one for the
    # same bytes: the body hash is what decides whether there is anything new.
    body_hash = hashlib.sha256(response.content).hexdigest()
    if body_hash == state.body_hash:
        return PollResult(outcome="unchanged", http_status=response.status, etag=etag,
                          last_modified=last_modified, body_hash=body_hash, elapsed_ms=took())
    try:
        parsed = parse_feed(response.content, base_url=response.url,
                            content_type=response.headers.get("content-type"))
    except FeedParseError as exc:
        # Forget the validators so the next poll re-reads a feed that may be fixed.
        return PollResult(outcome="failed", http_status=response.status, error=str(exc),
                          error_reason=exc.reason, elapsed_ms=took())
    return PollResult(
        outcome="ok", http_status=response.status, problem=parsed.problem,
        entries=parsed.entries, skipped=parsed.skipped, etag=etag,
        last_modified=last_modified, body_hash=body_hash, elapsed_ms=took(),
    )


def next_feed_state(
    result: PollResult, previous: FeedState, now: datetime, *, max_failures: int
) -> dict[str, object]:
    """The feeds-table columns to write after a poll: validators, failures, back-off, disabling."""
    values: dict[str, object] = {"last_polled_at": now, "last_status": result.http_status}
    if result.outcome != "failed":
        values.update(
            etag=result.etag, last_modified=result.last_modified, body_hash=result.body_hash,
            last_error=result.problem, last_success_at=now, consecutive_failures=0,
            next_poll_at=None,
        )
        return values
    failures = previous.consecutive_failures + 1
    values.update(
        last_error=result.error, consecutive_failures=failures,
        next_poll_at=now + BACKOFF[min(failures, len(BACKOFF)) - 1],
        etag=None, last_modified=None, body_hash=None,
    )
    if failures >= max_failures:
        values.update(enabled=False,
                      disabled_reason=f"{failures} consecutive failures, last: {result.error}")
    return values
