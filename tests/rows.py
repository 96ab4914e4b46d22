"""Row counts per table: what running a flow again must leave unchanged."""

from collections.abc import Collection

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Base

# Logs every run appends to: a poll per feed, a row per run.
RUN_LOGS = frozenset({"feed_polls", "pipeline_runs"})


def row_counts(session: Session, skip: Collection[str] = RUN_LOGS) -> dict[str, int]:
    return {t.name: session.scalar(select(func.count()).select_from(t)) or 0
            for t in Base.metadata.sorted_tables if t.name not in skip}
