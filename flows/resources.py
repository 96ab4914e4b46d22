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


@cache
def clean_pool(workers: int) -> ProcessPoolExecutor:
    # forkserver: workers start from a clean interpreter, not a copy of a threaded one.
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("forkserver"))


__all__ = ["Database", "clean_pool", "http_client", "http_config", "open_database"]
