"""Per-process resources built from settings: the HTTP client and the cleaning pool.

``Database`` and ``open_database`` (flows.database) are re-exported for the flows.

Tasks receive small picklable handles (``Database``, ``HttpConfig``) and look the
heavy objects up here, so every task of a run in one process shares one engine,
one client (and so one per-host politeness limiter) and one process pool.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from functools import cache

from flows.database import Database, open_database
from flows.http import HttpClient, HttpConfig
from flows.settings import Settings
from flows.shared_limiter import SharedHostLimiter


def http_config(settings: Settings) -> HttpConfig:
    return HttpConfig(
        user_agent=settings.user_agent,
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
        deadline=settings.request_deadline,
        max_bytes=settings.max_bytes,
        max_redirects=settings.max_redirects,
        allowed_hosts=settings.allowed_hosts,
        only_allowed_hosts=settings.only_allowed_hosts,
        per_host_concurrency=settings.per_host_concurrency,
        min_host_delay=settings.min_host_delay,
        max_retries=settings.max_retries,
        backoff_base=settings.retry_backoff,
        respect_robots=settings.respect_robots,
    )


@cache
def http_client(config: HttpConfig, db: Database | None = None) -> HttpClient:
    """The process's client for ``config``; with ``db``, host spacing holds across processes."""
    if db is None:
        return HttpClient(config)
    limiter = SharedHostLimiter(db.sessions(), config.per_host_concurrency, config.min_host_delay)
    return HttpClient(config, limiter=limiter)


# Imported once by the forkserver, before it forks the workers: each worker starts with
# trafilatura, lxml and the extractors' gazetteers loaded instead of importing them
# itself while the first batch waits.
_WORKER_PRELOAD = ["flows.stages"]


@cache
def clean_pool(workers: int) -> ProcessPoolExecutor:
    """The process's cleaning pool; its workers are started (and warmed) right away."""
    # forkserver: workers start from a clean interpreter, not a copy of a threaded one.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_WORKER_PRELOAD)
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_warm_worker)
    for _ in range(workers):  # a worker starts per submitted job: start them all now
        pool.submit(int)
    return pool


def _warm_worker() -> None:
    """Run one tiny page through cleaning and extraction (first calls build caches)."""
    from flows.stages import process_page

    page = b"<html><body><article><p>" + b"Warm-up sentence of a worker. " * 20 + \
        b"</p></article></body></html>"
    process_page(page, "http://localhost/warm-up", "utf-8", None)


__all__ = ["Database", "clean_pool", "http_client", "http_config", "open_database"]
