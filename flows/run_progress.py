"""A Prefect progress artifact that follows the pipeline's progress events during a run."""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import cast
from uuid import UUID

from prefect.artifacts import create_progress_artifact, update_progress_artifact

from flows import progress

# The UI needs no more than a refresh a second; each update is an API call.
MIN_INTERVAL = 1.0


@contextmanager
def progress_artifact(key: str, description: str) -> Iterator[None]:
    """Keep the artifact ``key`` at the share of known work done, from 0 to 100."""
    # Sync in a flow run (the async variant only applies inside an event loop).
    artifact_id = cast(UUID, create_progress_artifact(progress=0.0, key=key,
                                                      description=description))
    totals: dict[str, int] = {}
    done: dict[str, int] = {}
    lock = threading.Lock()
    last = 0.0

    def percent() -> float:
        known = sum(totals.values())
        return 100.0 * sum(min(done.get(s, 0), t) for s, t in totals.items()) / known if known else 0

    def on_event(stage: str, advance: int, total: int | None) -> None:
        nonlocal last
        with lock:
            if total is not None:
                totals[stage] = total
            done[stage] = done.get(stage, 0) + advance
            now = time.monotonic()
            if now - last < MIN_INTERVAL:
                return
            last = now
            value = percent()
        update_progress_artifact(artifact_id, value)

    with progress.listening(on_event):
        yield
    update_progress_artifact(artifact_id, 100.0)
