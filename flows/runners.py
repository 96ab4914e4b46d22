"""Where the flows' tasks run: threads of the flow's process, or a Dask cluster.

Chosen from settings when a flow module is imported, so a deployment's worker
picks it up from its environment like every other setting:

- neither ``ACCORDS_DASK_ADDRESS`` nor ``ACCORDS_DASK_WORKERS``: Prefect's thread
  pool of ``ACCORDS_TASK_THREADS``; the CPU-bound cleaning goes to a process pool of
  ``ACCORDS_CLEAN_WORKERS``;
- ``ACCORDS_DASK_WORKERS=N``: a ``distributed.LocalCluster`` of N worker processes,
  started for the run (one machine, no shared pool of cleaning processes to keep warm);
- ``ACCORDS_DASK_ADDRESS=tcp://host:8786``: an existing Dask scheduler, whose workers
  (on any machines that reach the database) run the batches.

On Dask each batch runs whole on one worker: fetching, cleaning and extraction,
then its writes. Politeness holds across workers because host spacing is kept in
PostgreSQL (``flows.shared_limiter``), and merges are serialised by the database.
"""

from __future__ import annotations

import multiprocessing
from typing import Any, TypeVar

from prefect.futures import PrefectFuture
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from flows import progress
from flows.settings import Settings, get_settings

T = TypeVar("T")


def task_runner(settings: Settings | None = None) -> TaskRunner[Any]:
    """The configured task runner."""
    settings = settings or get_settings()
    if not uses_dask(settings):
        # Bounded: Prefect's default starts a thread per task, and 2,000 feed polls at
        # once would queue on the database connection pool until they time out.
        return ThreadPoolTaskRunner(max_workers=settings.task_threads)
    from prefect_dask.task_runners import DaskTaskRunner  # imports distributed: when asked

    if settings.dask_address:
        return DaskTaskRunner(address=settings.dask_address)
    return DaskTaskRunner(
        cluster_class="distributed.LocalCluster",
        # One thread per worker process: a batch's own threads do its downloads, and
        # the cleaning it does holds the GIL anyway.
        cluster_kwargs={"n_workers": settings.dask_workers, "threads_per_worker": 1,
                        "processes": True, "dashboard_address": None},
    )


def uses_dask(settings: Settings | None = None) -> bool:
    settings = settings or get_settings()
    return bool(settings.dask_address) or settings.dask_workers > 0


def can_start_processes() -> bool:
    """False inside a daemon process (a Dask worker), which may not have children."""
    return not multiprocessing.current_process().daemon


def result_of(future: PrefectFuture[T], **advance: int) -> T:
    """A task's result. On Dask the task's progress events stayed in the worker's
    process: the bars and the progress artifact advance here instead (``advance``: per
    stage, how far the task took it), a task at a time."""
    result = future.result()
    if uses_dask():
        for stage, n in advance.items():
            progress.report(stage, n)
    return result
