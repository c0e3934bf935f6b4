"""A short-lived, bounded cache of customer lookups inside one Lambda container (a CustomerDirectory wrapper)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.model.customer import Customer
    from chalicelib.model.event import Sender
    from chalicelib.services.ports import CustomerDirectory


class CachedCustomerDirectory:
    """Remembers each sender's answer, ``None`` included, for ``ttl_seconds``; the least recently used goes first.

    A burst from one customer (an angry thread, a retried batch) costs one read, and so does a
    stranger writing ten times. The TTL bounds how stale an import can look: a minute after
    ``switchboard customers import`` every warm container sees the new data. Failures are not
    cached: the next message asks DynamoDB again.
    """

    def __init__(
        self,
        inner: CustomerDirectory,
        *,
        ttl_seconds: float = 60.0,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ttl_seconds <= 0 or max_entries <= 0:
            raise ValueError("ttl_seconds and max_entries must be positive")
        self._inner = inner
        self._ttl = ttl_seconds
        self._max = max_entries
        self._clock = clock
        self._entries: OrderedDict[tuple[str, ...], tuple[float, Customer | None]] = OrderedDict()
        # the local platform shares one container between its API server and worker threads
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def find(self, sender: Sender) -> Customer | None:
        hit, customer = self.cached(sender)
        if hit:
            return customer
        now = self._clock()
        customer = self._inner.find(sender)  # outside the lock: a slow read must not hold up other threads
        with self._lock:
            self._store(tuple(sender.lookup_keys()), now, customer)
        return customer

    def _store(self, cache_key: tuple[str, ...], now: float, customer: Customer | None) -> None:
        self.misses += 1
        self._entries[cache_key] = (now + self._ttl, customer)
        self._entries.move_to_end(cache_key)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)

    @property
    def inner(self) -> CustomerDirectory:
        return self._inner

    def cached(self, sender: Sender) -> tuple[bool, Customer | None]:
        """(True, the answer) when the sender's answer is cached and fresh, else (False, None): nothing is read.

        With ``remember``, for a caller that reads a batch's senders together (triage's one read per batch).
        """
        # the lookup keys are exactly what the answer depends on (a name alone finds nobody)
        cache_key = tuple(sender.lookup_keys())
        with self._lock:
            cached = self._entries.get(cache_key)
            if cached is None or cached[0] <= self._clock():
                return False, None
            self._entries.move_to_end(cache_key)
            self.hits += 1
            return True, cached[1]

    def remember(self, sender: Sender, customer: Customer | None) -> None:
        """Cache an answer read elsewhere (``cached`` said it was missing), as ``find`` caches its own."""
        with self._lock:
            self._store(tuple(sender.lookup_keys()), self._clock(), customer)

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
