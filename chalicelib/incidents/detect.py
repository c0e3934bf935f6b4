"""Is a decided message an outage report, how much it counts, and in which time buckets: pure, no clock reads.

Reports are counted per sender per bucket. Buckets are UTC-aligned windows of the rules' length in two
series, the second offset by half a window, so any burst that falls within half a window lies wholly in
one bucket (tumbling buckets alone would split a burst at 05:44 and 05:46 across two counts), and no
bucket ever spans more than one window. UTC has no DST: a bucket is always exactly the window long.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chalicelib.incidents.policy import IncidentPolicy
from chalicelib.model.decision import Decision
from chalicelib.routing.record import Record

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: the decision's published fact naming the problem concepts the words said (routing/facts.py)
CONCEPTS_FACT = "urgency.concepts"


class Bucket(Record):
    """One counting window: [start, end) in UTC, and the key the count is stored under."""

    _fields = ("key", "start", "end")
    __slots__ = _fields
    key: str
    start: datetime
    end: datetime

    def __init__(self, key: str, start: datetime, end: datetime) -> None:
        super().__init__(key, start, end)


def outage_concepts(decision: Decision, policy: IncidentPolicy) -> tuple[str, ...]:
    """The outage-class concepts the message said, as the rules name them (empty: not an outage report)."""
    said = str(decision.facts.get(CONCEPTS_FACT, ""))
    names = [name.strip() for name in said.split(",") if name.strip()]
    return tuple(name for name in names if name in policy.concepts)


def is_outage_report(decision: Decision, policy: IncidentPolicy) -> bool:
    return bool(outage_concepts(decision, policy))


def weight(decision: Decision, policy: IncidentPolicy) -> int:
    """How many senders this report counts as: a VIP's critical report counts ``vip_weight``, others one."""
    vip = decision.facts.get("customer.vip") is True
    critical = decision.facts.get("urgency.level") == "critical"
    return policy.vip_weight if vip and critical else 1


def buckets(at: datetime, window: timedelta) -> tuple[Bucket, Bucket]:
    """The two buckets ``at`` counts in: the window-aligned one, and the one offset by half a window."""
    if at.tzinfo is None:
        raise ValueError("a report's time must be aware")
    if window < timedelta(minutes=1):
        raise ValueError("the window must be at least a minute")
    seconds = int(window.total_seconds())
    since = int((at.astimezone(UTC) - _EPOCH).total_seconds())
    found = []
    for series, offset in (("a", 0), ("b", seconds // 2)):
        start_s = (since - offset) // seconds * seconds + offset
        start = _EPOCH + timedelta(seconds=start_s)
        key = f"{series}{seconds // 60}m#{start.strftime('%Y-%m-%dT%H:%M:%SZ')}"
        found.append(Bucket(key, start, start + window))
    return found[0], found[1]


def crosses(before: int, after: int, policy: IncidentPolicy) -> bool:
    """Whether raising a bucket's count from ``before`` to ``after`` opens a suspected incident.

    Exactly one write crosses the threshold, because the count is raised atomically: that write opens it.
    """
    return before < policy.distinct_senders <= after
