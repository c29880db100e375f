"""A small in-process cache with a time to live, for data that many anonymous readers share.

Why this and not HTTP caching: every page carries per-session CSRF tokens (the language switch
and logout forms in base.html), so a shared cache must not store the HTML. Caching the immutable
data the page is rendered from is safe for everyone and saves the database round trips, which
are most of a list page's cost.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import Flask, current_app

T = TypeVar("T")

# A few seconds: counters (amount raised, supporters, units left) stay visibly fresh, and a
# campaign paused by staff shows as paused within this delay. Nothing that decides money reads
# this cache: the giving flow re-checks phase, cap room and stock in the database with
# conditional UPDATEs, so a page at most this stale can only show a button that then says no.
DEFAULT_TTL_SECONDS = 5.0
MAX_ENTRIES = 512


class TTLCache:
    def __init__(
        self,
        ttl_seconds: float,
        max_entries: int = MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl_seconds
        self.max_entries = max_entries
        self._clock = clock
        self._lock = threading.Lock()
        self._data: dict[Hashable, tuple[float, object]] = {}

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The cached value for `key`, or `compute()` stored for the TTL. Exceptions (e.g. a
        404) are not cached. Two threads missing at once both compute; both results are right."""
        if self.ttl <= 0:
            return compute()
        now = self._clock()
        with self._lock:
            hit = self._data.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]  # type: ignore[return-value]
        value = compute()
        with self._lock:
            if len(self._data) >= self.max_entries:
                self._evict(now)
            self._data[key] = (now + self.ttl, value)
        return value

    def _evict(self, now: float) -> None:
        for key in [k for k, (expires, _) in self._data.items() if expires <= now]:
            del self._data[key]
        while len(self._data) >= self.max_entries:
            del self._data[next(iter(self._data))]  # oldest insertion first

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        return len(self._data)


def app_cache(name: str, app: Flask | None = None) -> TTLCache:
    """The app's cache of that name. TTL from `PAGE_CACHE_SECONDS` (off by default under
    TESTING so tests see their own writes; a test that checks caching sets it)."""
    app = app or current_app
    key = f"page_cache:{name}"
    cache = app.extensions.get(key)
    if cache is None:
        default = 0.0 if app.testing else DEFAULT_TTL_SECONDS
        cache = TTLCache(float(app.config.get("PAGE_CACHE_SECONDS", default)))
        app.extensions[key] = cache
    return cache
