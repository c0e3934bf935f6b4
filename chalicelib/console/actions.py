"""The ticket actions the console adds to what the services already do: linking a ticket to an incident."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

from chalicelib.errors import NotFoundError, PayloadError
from chalicelib.incidents.model import Incident, Report
from chalicelib.model.ticket import Ticket
from chalicelib.model.timeline import Entry, Kind


class IncidentLinks(Protocol):
    def get(self, incident_id: str) -> Incident | None: ...
    def link(self, incident_id: str, report: Report) -> bool: ...


def report_of(ticket: Ticket, now: datetime) -> Report:
    """The ticket as an incident's report, keyed as triage keys one (services/incident_intake.py)."""
    from chalicelib.services.incident_intake import report_for

    return report_for(ticket.ticket_id, ticket.event, ticket.customer, now)


def link_to_incident(
    incidents: IncidentLinks,
    timeline: Callable[[str, Sequence[Entry]], None],
    ticket: Ticket,
    incident_id: str,
    person: str,
    name: str,
    now: datetime,
) -> bool:
    """Link the ticket to an open incident (its updates then reach this customer); False: it was linked already."""
    incident = incidents.get(incident_id) if incident_id.startswith("I-") else None
    if incident is None:
        raise NotFoundError(f"there is no incident {incident_id[:40]}")
    if incident.status.closed:
        raise PayloadError(f"incident {incident_id} is {incident.status.value}: pick an open one", field="incident")
    if not incidents.link(incident_id, report_of(ticket, now)):
        return False
    entry = Entry(
        at=now,
        kind=Kind.LINKED,
        actor=person,
        text=f"linked to incident {incident_id} ({incident.title}) by {name} in the console",
    )
    timeline(ticket.ticket_id, [entry])
    return True
