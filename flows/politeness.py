"""Per-host politeness: a concurrency cap plus a minimum gap between request starts.

The limiter sits behind the tiny :class:`HostLimiter` protocol so that a
cross-process implementation (e.g. one backed by PostgreSQL advisory locks and
a ``next_start`` column per host) can replace :class:`LocalHostLimiter` without
touching the HTTP client.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Protocol

__all__ = ["HostLimiter", "LocalHostLimiter"]


class HostLimiter(Protocol):
    """Grants permission to start one request to a host."""

    def slot(self, host: str) -> AbstractContextManager[None]:
        """Block until a request to ``host`` may start; hold the slot for the exchange.

        Args:
            host: Lower-case host name (no port); all ports of a host share a budget.

        Returns:
            A context manager; the request runs inside it.
        """
        ...


@dataclass
class _HostState:
    semaphore: threading.BoundedSemaphore
    lock: threading.Lock = field(default_factory=threading.Lock)
    next_start: float = float("-inf")


class LocalHostLimiter:
    """In-process, thread-safe :class:`HostLimiter`.

    Each host gets a semaphore of ``concurrency`` slots. Start times are handed out
    as reservations (``next_start`` advances by ``min_delay`` per grant) so that two
    threads released together still start ``min_delay`` apart. The clock is
    monotonic, so wall-clock jumps cannot burst or stall a host.
    """

    def __init__(
        self,
        concurrency: int,
        min_delay: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Create a limiter.

        Args:
            concurrency: Maximum simultaneous requests per host (>= 1).
            min_delay: Minimum seconds between request starts to the same host (>= 0).
            clock: Monotonic clock, injectable for tests.
            sleep: Sleep function, injectable for tests.
        """
        if concurrency < 1:
            raise ValueError("concurrency must be >= 1")
        if min_delay < 0:
            raise ValueError("min_delay must be >= 0")
        self._concurrency = concurrency
        self._min_delay = min_delay
        self._clock = clock
        self._sleep = sleep
        self._hosts: dict[str, _HostState] = {}
        self._guard = threading.Lock()

    def _state(self, host: str) -> _HostState:
        with self._guard:
            state = self._hosts.get(host)
            if state is None:
                state = _HostState(threading.BoundedSemaphore(self._concurrency))
                self._hosts[host] = state
            return state

    @contextmanager
    def slot(self, host: str) -> Iterator[None]:
        """Acquire a concurrency slot for ``host`` and wait for its start time.

        Args:
            host: Lower-case host name.

        Yields:
            None, once the request may start.
        """
        state = self._state(host)
        state.semaphore.acquire()
        try:
            with state.lock:
                now = self._clock()
                start = max(now, state.next_start)
                state.next_start = start + self._min_delay
            if start > now:
                self._sleep(start - now)
            yield
        finally:
            state.semaphore.release()
