"""Process-local progress events, so the CLI can draw bars without knowing about tasks."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

# (stage, advance, total): total is set once per stage when known, advance is a delta.
Listener = Callable[[str, int, int | None], None]

_listeners: list[Listener] = []
_lock = threading.Lock()


def report(stage: str, advance: int = 0, total: int | None = None) -> None:
    """Tell whoever listens that ``stage`` moved by ``advance`` (and now has ``total``)."""
    with _lock:
        listeners = list(_listeners)
    for listener in listeners:
        listener(stage, advance, total)


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    with _lock:
        _listeners.append(listener)
    try:
        yield
    finally:
        with _lock:
            _listeners.remove(listener)
