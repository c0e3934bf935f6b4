"""Incidents by hand: open one, schedule maintenance, confirm, update, resolve, dismiss, list who reported it.

Every move goes through the lifecycle (incidents/lifecycle.py) and is saved on the status and the number
of updates it was read at, so two operators cannot both resolve, or one confirm what the other dismissed.
Each public update is then told to every linked customer (services/incident_updates.py) and marked
told; an update a crash left untold is told by the every-minute sweep (``tell_pending``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from chalicelib.errors import NotFoundError, SwitchboardError
from chalicelib.incidents import lifecycle
from chalicelib.incidents.model import Impact, Incident, Report, Status, Update
from chalicelib.observability import logger

if TYPE_CHECKING:
    from chalicelib.services.incident_updates import Told


class IncidentRepository(Protocol):
    def open(self, incident: Incident, buckets: Sequence[str] = ()) -> Incident | None: ...
    def add(self, incident: Incident) -> None: ...
    def get(self, incident_id: str) -> Incident | None: ...
    def active(self) -> Incident | None: ...
    def open_incidents(self) -> list[Incident]: ...
    def since(self, start: datetime) -> list[Incident]: ...
    def reports(self, incident_id: str) -> list[Report]: ...
    def link(self, incident_id: str, report: Report) -> bool: ...
    def save(self, incident: Incident, read_status: Status, read_updates: int | None = None) -> bool: ...


class ConflictError(SwitchboardError):
    """Someone moved the incident between our read and our write: read it again and decide again."""

    retryable = False


def incident_id_for(seed: str) -> str:
    """ "I-" and ten hex digits, stable for the seed: a retried open names the same incident."""
    return "I-" + hashlib.sha256(seed.encode()).hexdigest()[:10]


class Notifier(Protocol):
    def tell(self, incident: Incident, update: Update, reports: Sequence[Report], now: datetime) -> Told: ...


#: an update not yet marked told this long after it was posted is the sweep's to tell (past a live command's run)
TELL_GRACE = timedelta(minutes=2)
#: how far back the sweep looks for closed incidents with an untold update
TELL_LOOKBACK = timedelta(days=7)


@dataclass
class IncidentService:
    repository: IncidentRepository
    clock: Callable[[], datetime]
    #: the component names the rules define: an incident may name only these
    components: Sequence[str] = ()
    #: tells each public update to every linked customer; None: updates are published on the status page only
    notifier: Notifier | None = None
    #: what the last move told (for the operator's answer); None when nothing was told
    told: Told | None = None

    def get(self, incident_id: str) -> Incident:
        incident = self.repository.get(incident_id)
        if incident is None:
            raise NotFoundError(f"no incident {incident_id}")
        return incident

    def reports(self, incident_id: str) -> list[Report]:
        """The customers who reported it, each on their ticket and channel: who every update goes to."""
        return self.repository.reports(incident_id)

    def open(
        self, title: str, body: str, by: str, impact: Impact = Impact.MINOR, components: Sequence[str] = ()
    ) -> Incident:
        """An incident opened by hand: public at once (investigating); reports link to it while it is open."""
        now = self.clock()
        incident = Incident(
            incident_id=incident_id_for(f"operator|{now.isoformat()}|{title}"),
            title=title,
            status=Status.INVESTIGATING,
            impact=impact,
            components=self._components(components),
            opened_at=now,
            source="operator",
        )
        incident = lifecycle.move(incident, Status.INVESTIGATING, body, by, now)
        stored = self.repository.open(incident)
        if stored is None or stored.incident_id != incident.incident_id:
            # another incident is open: this one is stored too, but reports keep linking to that one
            self.repository.add(incident)
        return incident

    def schedule(
        self, title: str, body: str, by: str, starts_at: datetime, ends_at: datetime, components: Sequence[str] = ()
    ) -> Incident:
        """Scheduled maintenance: a window; reports inside it (for its components, or any) page nobody."""
        if ends_at <= starts_at:
            raise lifecycle.TransitionError("maintenance must end after it starts")
        now = self.clock()
        incident = Incident(
            incident_id=incident_id_for(f"maintenance|{now.isoformat()}|{title}"),
            title=title,
            status=Status.SCHEDULED,
            components=self._components(components),
            opened_at=now,
            source="maintenance",
            starts_at=starts_at,
            ends_at=ends_at,
        )
        incident = lifecycle.move(incident, Status.SCHEDULED, body, by, now)
        self.repository.add(incident)
        return incident

    def confirm(
        self,
        incident_id: str,
        body: str,
        by: str,
        impact: Impact | None = None,
        title: str | None = None,
        components: Sequence[str] | None = None,
    ) -> Incident:
        """Make a suspected incident public under ``title`` (else "Service disruption") and tell its reporters."""
        incident = self.get(incident_id)
        named = None if components is None else self._components(components)
        return self._save(incident, lifecycle.confirm(incident, body, by, self.clock(), impact, title, named))

    def update(
        self, incident_id: str, status: Status | None, body: str, by: str, impact: Impact | None = None
    ) -> Incident:
        """A public update: a new status (or the same one, with news) and the operator's words."""
        incident = self.get(incident_id)
        moved = lifecycle.move(incident, status or incident.status, body, by, self.clock(), impact)
        return self._save(incident, moved)

    def resolve(self, incident_id: str, body: str, by: str) -> Incident:
        incident = self.get(incident_id)
        final = Status.COMPLETED if incident.maintenance else Status.RESOLVED
        return self._save(incident, lifecycle.move(incident, final, body, by, self.clock()))

    def dismiss(self, incident_id: str, body: str, by: str) -> Incident:
        """A false alarm: nothing is unlinked, and reports page one by one again."""
        incident = self.get(incident_id)
        return self._save(incident, lifecycle.move(incident, Status.DISMISSED, body, by, self.clock()))

    def tell_pending(self, now: datetime) -> int:
        """Tell every public update a crash or a lost connection left untold; how many were told."""
        if self.notifier is None:
            return 0
        found = {
            i.incident_id: i for i in (*self.repository.open_incidents(), *self.repository.since(now - TELL_LOOKBACK))
        }
        told = 0
        for incident in found.values():
            untold = [u for u in incident.updates if u.status.public and not u.notified and u.at <= now - TELL_GRACE]
            for update in untold:
                incident = self._tell(incident, update)
                told += 1
        return told

    def _save(self, before: Incident, after: Incident) -> Incident:
        self.told = None
        if not self.repository.save(after, before.status, len(before.updates)):
            raise ConflictError(f"incident {before.incident_id} changed while it was being updated: look again")
        if self.notifier is not None and after.updates and after.updates[-1].status.public:
            try:
                return self._tell(after, after.updates[-1])
            except SwitchboardError as exc:
                # the move stands; the update stays untold, and the sweep tells it (to nobody twice)
                logger.warning("incident update saved, not yet told; the sweep tells it",
                               extra={"incident_id": after.incident_id, "error": str(exc)})  # fmt: skip
        return after

    def _tell(self, incident: Incident, update: Update) -> Incident:
        """Tell one update to every linked customer, then mark it told (a retry tells nobody twice anyway)."""
        assert self.notifier is not None
        self.told = self.notifier.tell(incident, update, self.repository.reports(incident.incident_id), self.clock())
        marked = tuple(u.model_copy(update={"notified": True}) if u.update_id == update.update_id else u
                       for u in incident.updates)  # fmt: skip
        after = incident.model_copy(update={"updates": marked})
        # nobody moved it meanwhile: mark it; else the sweep finds it untold and tells it again, to nobody new
        return after if self.repository.save(after, incident.status, len(incident.updates)) else incident

    def _components(self, names: Sequence[str]) -> tuple[str, ...]:
        unknown = [n for n in names if n not in self.components]
        if unknown:
            known = ", ".join(self.components) or "none defined"
            raise lifecycle.TransitionError(f"unknown component(s) {', '.join(unknown)} (components: {known})")
        return tuple(dict.fromkeys(names))
