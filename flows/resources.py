"""Per-process resources built from settings: the database, the HTTP client, the cleaning pool.

Tasks receive small picklable handles (``Database``, ``HttpConfig``) and look the
heavy objects up here, so every task of a run in one process shares one engine,
one client (and so one per-host politeness limiter) and one process pool.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import cache

from pydantic import SecretStr
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from db.migrate import upgrade
from db.session import embedded_url, make_engine, make_session_factory, safe_url
from flows.http import HttpClient, HttpConfig
from flows.settings import Settings
from flows.shared_limiter import SharedHostLimiter


@dataclass(frozen=True, slots=True)
class Database:
    """A picklable handle on the database; the URL stays masked in reprs and logs."""

    url: SecretStr

    def engine(self) -> Engine:
        return _engine(self.url.get_secret_value())

    def sessions(self) -> sessionmaker[Session]:
        return _sessions(self.url.get_secret_value())

    def __str__(self) -> str:
        return safe_url(self.url.get_secret_value())


def open_database(settings: Settings, *, migrate: bool = True) -> Database:
    """The configured database, or the embedded one started on demand, at the latest schema."""
    if settings.database_url is not None:
        url = settings.database_url.get_secret_value()
    else:
        url = embedded_url(settings.data_dir)
    database = Database(SecretStr(url))
    if migrate:
        upgrade(database.engine())
    return database


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


@cache
def _engine(url: str) -> Engine:
    return make_engine(url)


@cache
def _sessions(url: str) -> sessionmaker[Session]:
    return make_session_factory(_engine(url))
