"""CachedCustomerDirectory: TTL with an injected clock, misses cached too, LRU eviction, failures not cached."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from chalicelib.adapters.customer_cache import CachedCustomerDirectory
from chalicelib.errors import DependencyError
from chalicelib.model.customer import Customer
from chalicelib.model.event import Sender
from tests.fakes import FakeSeconds

DANA = Customer(customer_id="cus_dana", name="Dana", email="dana@northwind.example")


@dataclass
class CountingDirectory:
    customers: dict[str, Customer] = field(default_factory=lambda: {"dana@northwind.example": DANA})
    calls: list[Sender] = field(default_factory=list)
    fail: bool = False

    def find(self, sender: Sender) -> Customer | None:
        self.calls.append(sender)
        if self.fail:
            raise DependencyError("dynamodb down")
        return self.customers.get(sender.email or "")


@pytest.fixture
def parts():
    inner, clock = CountingDirectory(), FakeSeconds()
    return inner, clock, CachedCustomerDirectory(inner, ttl_seconds=60, max_entries=3, clock=clock)


@pytest.mark.parametrize(
    ("email", "expected"),
    [("dana@northwind.example", DANA), ("stranger@unknown.example", None)],
    ids=["known-sender", "unknown-sender-miss-is-cached-too"],
)
@pytest.mark.parametrize(
    ("elapsed", "reads"),
    [(0, 1), (59.9, 1), (60, 2), (3600, 2)],
    ids=["same-instant", "just-inside-ttl", "at-ttl", "long-after"],
)
def test_one_read_per_sender_per_ttl(parts, email, expected, elapsed, reads):
    inner, clock, cache = parts
    # GIVEN a sender looked up once
    assert cache.find(Sender(email=email)) == expected
    # WHEN the same sender writes again after `elapsed` seconds
    clock.now += elapsed
    again = cache.find(Sender(email=email))
    # THEN the same answer, read from DynamoDB again only once the TTL has passed
    assert again == expected
    assert len(inner.calls) == reads


def test_the_key_is_what_the_lookup_depends_on(parts):
    inner, _, cache = parts
    # GIVEN one lookup  WHEN the same address arrives in another case, with a display name
    cache.find(Sender(email="dana@northwind.example"))
    cache.find(Sender(email="Dana@Northwind.example", name="Dana W."))
    # THEN one read: both have the same lookup keys
    assert len(inner.calls) == 1
    assert (cache.hits, cache.misses) == (1, 1)


def test_least_recently_used_goes_first(parts):
    inner, _, cache = parts
    a, b, c, d = (Sender(email=f"{n}@x.example") for n in "abcd")
    # GIVEN a full cache (3 entries) where `a` was used most recently
    for sender in (a, b, c, a):
        cache.find(sender)
    # WHEN a fourth sender arrives
    cache.find(d)
    # THEN `b`, the least recently used, was evicted; `a` and `c` are still cached
    assert len(cache) == 3
    inner.calls.clear()
    for sender in (a, c, d):
        cache.find(sender)
    assert inner.calls == []
    cache.find(b)
    assert inner.calls == [b]


def test_failures_are_not_cached(parts):
    inner, _, cache = parts
    # GIVEN DynamoDB failing once
    inner.fail = True
    with pytest.raises(DependencyError):
        cache.find(Sender(email="dana@northwind.example"))
    # WHEN it recovers  THEN the next message reads again and finds the customer
    inner.fail = False
    assert cache.find(Sender(email="dana@northwind.example")) == DANA
    assert len(inner.calls) == 2


@pytest.mark.parametrize(("ttl", "size"), [(0, 10), (60, 0)], ids=["no-ttl", "no-room"])
def test_nonsense_limits_are_refused(ttl, size):
    with pytest.raises(ValueError, match="must be positive"):
        CachedCustomerDirectory(CountingDirectory(), ttl_seconds=ttl, max_entries=size)
