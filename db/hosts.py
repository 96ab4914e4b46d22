"""Per-host request spacing shared across processes (nightly and backfill runs, workers)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

# One statement: the row lock serialises concurrent reservations for a host, and
# each caller gets its own start time, ``min_delay`` after the previous one.
_RESERVE = text("""
    INSERT INTO host_schedule AS h (host, next_start)
    VALUES (:host, clock_timestamp() + make_interval(secs => :delay))
    ON CONFLICT (host) DO UPDATE
        SET next_start = greatest(h.next_start, clock_timestamp())
                         + make_interval(secs => :delay)
    RETURNING greatest(extract(epoch FROM h.next_start - clock_timestamp())
                       - CAST(:delay AS double precision), 0)
""")


def reserve_start(session: Session, host: str, min_delay: float) -> float:
    """Reserve the next start of a request to ``host``; returns seconds to wait for it."""
    wait = session.execute(_RESERVE, {"host": host, "delay": min_delay}).scalar_one()
    return float(wait)
