"""What a run added: summits and agreements first stored since a moment."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session


def new_records(session: Session, since: datetime) -> dict[str, list[dict[str, Any]]]:
    """Summits and agreements created since ``since`` (rows of the reporting views)."""
    summits = session.execute(text(
        "SELECT v.* FROM reporting.summits v JOIN summits s ON s.id = v.summit_id "
        "WHERE s.created_at >= :since ORDER BY v.series, v.edition NULLS LAST, v.year"
    ), {"since": since})
    agreements = session.execute(text(
        "SELECT v.* FROM reporting.agreements v JOIN agreements a ON a.id = v.agreement_id "
        "WHERE a.created_at >= :since ORDER BY v.summit NULLS LAST, v.title NULLS LAST"
    ), {"since": since})
    return {"summits": [dict(r._mapping) for r in summits],
            "agreements": [dict(r._mapping) for r in agreements]}
