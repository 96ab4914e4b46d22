"""robots.txt cache: one fetch per scheme+host+port, shared across threads.

Fetching is delegated to a callback (the HTTP client's own safe path) so that
robots.txt requests get the same address checks, size cap, timeouts and
politeness as everything else; ``urllib.robotparser`` only ever parses text.

Policy (RFC 9309 where sensible):

* 2xx: parse the body (decoded as UTF-8, invalid bytes replaced).
* 4xx (incl. 401/403): no usable rules, allow everything.
* 5xx, 429, or unreachable: allow, but cache only for ``error_ttl`` so the file
  is retried soon. RFC 9309 says to assume "disallow all" here; a news poller that
  stops on a flaky robots.txt would drop whole sources, so we deliberately allow.
"""

from __future__ import annotations

import threading
import time
import urllib.robotparser
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = ["RobotsCache", "RobotsFetch", "product_token"]

# ``(status, body)`` or ``None`` when the file could not be fetched at all.
# The callback raises for conditions that should fail the caller's own request
# (e.g. the host resolves to a blocked address).
RobotsFetch = Callable[[str], "tuple[int, bytes] | None"]


def product_token(user_agent: str) -> str:
    """Return the robots.txt product token of a User-Agent, e.g. ``accords``.

    Args:
        user_agent: Full User-Agent header value.

    Returns:
        The lower-case name before the first ``/`` or space.
    """
    token = user_agent.strip().split("/", 1)[0].split(None, 1)
    return token[0].lower() if token else "*"


@dataclass(frozen=True, slots=True)
class _Entry:
    expires: float
    parser: urllib.robotparser.RobotFileParser | None  # None: allow everything


class RobotsCache:
    """Thread-safe cache of parsed robots.txt files keyed by ``scheme://host:port``."""

    def __init__(
        self,
        fetch: RobotsFetch,
        *,
        token: str,
        ttl: float = 86_400.0,
        error_ttl: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Create a cache.

        Args:
            fetch: Fetches a robots.txt URL (see :data:`RobotsFetch`).
            token: Product token matched against ``User-agent`` lines.
            ttl: Seconds a fetched file stays valid.
            error_ttl: Seconds an "unreachable / 5xx" verdict stays valid.
            clock: Monotonic clock, injectable for tests.
        """
        self._fetch = fetch
        self._token = token
        self._ttl = ttl
        self._error_ttl = error_ttl
        self._clock = clock
        self._entries: dict[str, _Entry] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def allowed(self, url: str) -> bool:
        """Tell whether our product token may fetch ``url``.

        Fetches robots.txt on first use per origin; concurrent callers for the same
        origin wait for that single fetch instead of issuing their own.

        Args:
            url: Absolute http(s) URL, already validated.

        Returns:
            True if robots.txt permits the URL (or gives no usable rules).
        """
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1].lower()}"
        entry = self._lookup(key)
        if entry is None:
            with self._guard:
                lock = self._locks.setdefault(key, threading.Lock())
            with lock:
                entry = self._lookup(key)
                if entry is None:
                    entry = self._load(key)
                    with self._guard:
                        self._entries[key] = entry
        if entry.parser is None:
            return True
        return entry.parser.can_fetch(self._token, url)

    def _lookup(self, key: str) -> _Entry | None:
        with self._guard:
            entry = self._entries.get(key)
        if entry is not None and entry.expires > self._clock():
            return entry
        return None

    def _load(self, origin: str) -> _Entry:
        result = self._fetch(f"{origin}/robots.txt")
        now = self._clock()
        if result is None:
            return _Entry(now + self._error_ttl, None)
        status, body = result
        if 200 <= status < 300:
            parser = urllib.robotparser.RobotFileParser()
            parser.parse(body.decode("utf-8", errors="replace").splitlines())
            return _Entry(now + self._ttl, parser)
        if 400 <= status < 500 and status != 429:
            return _Entry(now + self._ttl, None)
        return _Entry(now + self._error_ttl, None)
