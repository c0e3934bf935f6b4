"""An in-memory IncidentReader and sample incidents, for the status page's tests (no table, no moto)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from chalicelib.incidents.model import Impact, Incident, Status, Update
from chalicelib.incidents.status_view import closed_at

#: the status page's "now" in every test (a Tuesday morning in UTC)
NOW = datetime(2026, 11, 17, 9, 30, tzinfo=UTC)


@dataclass
class FakeIncidentReader:
    """Holds incidents, answers as the real adapter promises: public ones, open or closed within ``days``."""

    incidents: list[Incident] = field(default_factory=list)
    calls: list[tuple[datetime, int]] = field(default_factory=list)

    def public(self, now: datetime, days: int = 90) -> list[Incident]:
        self.calls.append((now, days))
        since = now - timedelta(days=days)
        return [
            i
            for i in self.incidents
            if i.status.public and (not i.status.closed or (closed_at(i) or i.opened_at) >= since)
        ]


def update(incident_id: str, n: int, status: Status, body: str, at: datetime) -> Update:
    return Update(update_id=f"U-{incident_id}-{n}", status=status, body=body, at=at, by="dana")


def outage(
    incident_id: str = "I-0123456789",
    title: str = "Messages are not being delivered",
    status: Status = Status.IDENTIFIED,
    impact: Impact = Impact.MAJOR,
    opened_at: datetime = NOW - timedelta(minutes=40),
    bodies: tuple[str, ...] = (
        "We are investigating reports that messages are not delivered.",
        "The cause is a failed database upgrade; we are rolling it back.",
    ),
    components: tuple[str, ...] = ("Messaging",),
) -> Incident:
    """An incident whose updates walk investigating → identified → … up to ``status``, 10 minutes apart."""
    walk = [Status.INVESTIGATING, Status.IDENTIFIED, Status.MONITORING, Status.RESOLVED]
    updates = tuple(
        update(
            incident_id,
            n,
            status if n == len(bodies) - 1 else walk[min(n, 3)],
            body,
            opened_at + timedelta(minutes=10 * n),
        )
        for n, body in enumerate(bodies)
    )
    times: dict[str, datetime] = {}
    for u in updates:
        times.setdefault(u.status.value, u.at)
    return Incident(
        incident_id=incident_id,
        title=title,
        status=status,
        impact=impact,
        components=components,
        opened_at=opened_at,
        status_times=times,
        updates=updates,
        source="operator",
    )


def maintenance(
    incident_id: str = "I-00000000aa",
    status: Status = Status.SCHEDULED,
    starts_at: datetime = NOW + timedelta(days=2),
    components: tuple[str, ...] = ("Dashboard",),
) -> Incident:
    body = "We will upgrade the dashboard's database; it may be read-only for up to 30 minutes."
    return Incident(
        incident_id=incident_id,
        title="Dashboard database upgrade",
        status=status,
        impact=Impact.MINOR,
        components=components,
        opened_at=NOW - timedelta(days=1),
        status_times={status.value: NOW - timedelta(days=1)},
        updates=(update(incident_id, 0, status, body, NOW - timedelta(days=1)),),
        source="maintenance",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
    )
