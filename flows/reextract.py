"""The reextract flow: run the current extractor again over stored article text."""

from datetime import UTC, date, datetime, time
from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import create_table_artifact

from flows import progress, tasks
from flows.ingest import chunks
from flows.resources import open_database
from flows.runners import result_of, task_runner
from flows.settings import get_settings
from flows.summary import merge_counts, totals_of


@flow(name="reextract", log_prints=False,
      task_runner=task_runner())
def reextract(since: date | None = None, everything: bool = False) -> dict[str, Any]:
    """Re-extract summits and agreements from stored articles (after an extractor upgrade).

    Args:
        since: Only articles published on or after this day; empty means all.
        everything: Every stored article, not only those another extractor version read.
    """
    logger = get_run_logger()
    settings = get_settings()
    db = open_database(settings)
    start = datetime.combine(since, time.min, tzinfo=UTC) if since else None
    ids = tasks.select_articles_to_extract(db, start, everything, True)
    progress.report("extract", 0, len(ids))
    batches = chunks(ids, settings.batch_size)
    futures = [tasks.extract_articles.submit(db, batch) for batch in batches]
    total = totals_of(merge_counts(result_of(f, extract=len(batch))
                                   for f, batch in zip(futures, batches, strict=True)))
    logger.info("re-extracted %d articles: %s", len(ids), total)
    create_table_artifact(key="reextract-summary", table=[{"articles": len(ids), **total}],
                          description=f"{len(ids)} articles re-extracted")
    return {"articles": len(ids), **total}
