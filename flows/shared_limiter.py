"""A :class:`~flows.politeness.HostLimiter` whose spacing holds across processes.

Start times are reserved in PostgreSQL (``db.hosts``), so a nightly run, a
backfill and several workers together still wait ``min_delay`` between requests
to one host. Concurrency is capped per process by the local limiter.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session, sessionmaker

from db.hosts import reserve_start
from flows.politeness import LocalHostLimiter


class SharedHostLimiter:
    def __init__(self, sessions: sessionmaker[Session], concurrency: int, min_delay: float) -> None:
        self._sessions = sessions
        self._min_delay = min_delay
        self._local = LocalHostLimiter(concurrency, 0.0)

    @contextmanager
    def slot(self, host: str) -> Iterator[None]:
        with self._local.slot(host):
            if self._min_delay > 0:
                with self._sessions.begin() as session:
                    wait = reserve_start(session, host, self._min_delay)
                if wait > 0:
                    time.sleep(wait)
            yield
