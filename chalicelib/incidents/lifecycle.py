"""The incident state machine: which status may follow which, each move an Update in the operator's words.

Pure: the caller passes the time and the person. A refused move raises TransitionError saying why and
what is allowed from where the incident stands.
"""

from __future__ import annotations

from datetime import datetime

from chalicelib.errors import SwitchboardError
from chalicelib.incidents.model import Impact, Incident, Status, Update

#: forward through the incident statuses; skipping ahead is allowed ("resolved" straight from investigating)
_INCIDENT = (Status.INVESTIGATING, Status.IDENTIFIED, Status.MONITORING, Status.RESOLVED)
_MAINTENANCE = (Status.SCHEDULED, Status.IN_PROGRESS, Status.COMPLETED)
#: a confirmed burst's public title when the operator gives none
PUBLIC_TITLE = "Service disruption"


class TransitionError(SwitchboardError):
    """The move is not allowed from the incident's status (never worth a retry)."""

    retryable = False


def allowed(current: Status) -> tuple[Status, ...]:
    """The statuses an incident at ``current`` may move to."""
    if current is Status.SUSPECTED:
        return (Status.INVESTIGATING, Status.DISMISSED)
    for chain in (_INCIDENT, _MAINTENANCE):
        if current in chain:
            index = chain.index(current)
            # an update in the same status is allowed (a new message, "still investigating")
            return chain[index:] if not current.closed else ()
    return ()


def move(
    incident: Incident,
    status: Status,
    body: str,
    by: str,
    at: datetime,
    impact: Impact | None = None,
) -> Incident:
    """The incident after ``by`` moves it to ``status`` with ``body``, with the Update appended."""
    if status not in allowed(incident.status):
        choices = ", ".join(s.value for s in allowed(incident.status)) or "nothing: it is closed"
        raise TransitionError(
            f"incident {incident.incident_id} is {incident.status.value}: cannot move to"
            f" {status.value} (allowed: {choices})"
        )
    if not body.strip():
        raise TransitionError("an update needs the operator's words (a message)")
    update = Update(
        update_id=f"U-{incident.incident_id}-{len(incident.updates) + 1:03d}",
        status=status,
        body=body.strip(),
        at=at,
        by=by,
    )
    times = dict(incident.status_times)
    times.setdefault(status.value, at)
    return incident.model_copy(
        update={
            "status": status,
            "impact": incident.impact if impact is None else impact,
            "status_times": times,
            "updates": (*incident.updates, update),
        }
    )


def confirm(
    incident: Incident,
    body: str,
    by: str,
    at: datetime,
    impact: Impact | None = None,
    title: str | None = None,
    components: tuple[str, ...] | None = None,
) -> Incident:
    """A person confirms a suspected incident: it becomes public, investigating, under a public title.

    The suspected incident's title is the page's ("Possible incident: 7 customers on X…"), written for the
    on-call person: the public one is the operator's, else a plain "Service disruption".
    """
    if incident.status is not Status.SUSPECTED:
        raise TransitionError(
            f"incident {incident.incident_id} is {incident.status.value}, not suspected:"
            " only a suspected incident is confirmed"
        )
    public = (title or "").strip() or PUBLIC_TITLE
    named = {"title": public[:255]} | ({} if components is None else {"components": components})
    return move(incident.model_copy(update=named), Status.INVESTIGATING, body, by, at, impact)
