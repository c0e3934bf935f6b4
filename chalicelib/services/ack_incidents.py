"""The ack page's side of incidents: find the incident a page was sent for, and confirm, dismiss or update it
as the person the link was signed for.

The moves themselves are IncidentService's (the lifecycle, the save on the status read, telling customers);
this adds what a page needs: which incident is this page's, a repeat that answers with what already happened
(409) instead of a second move, and a confirm that also takes the page so escalation stops.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from chalicelib.errors import NotFoundError, PayloadError, SwitchboardError
from chalicelib.incidents.lifecycle import TransitionError
from chalicelib.incidents.model import Impact, Incident, Report, Status
from chalicelib.model.page import Page
from chalicelib.paging.ack_incident import (
    BODY_MAX_CHARS,
    CONFIRM_IMPACTS,
    DEFAULT_DISMISS_REASON,
    DEFAULT_IMPACT,
    REASON_MAX_CHARS,
    UPDATE_STATUSES,
    done_line,
)
from chalicelib.paging.escalation import describe_time, name_of
from chalicelib.services.incidents import ConflictError

#: how far before its page an incident may have opened: the same triage call opens both, so a day is ample
LOOKBACK = timedelta(days=1)
VIA = "confirming the incident from the page"


class IncidentStateError(SwitchboardError):
    """The incident is past what the form asks (confirmed already, dismissed, resolved): nothing changed."""

    http_status = 409
    code = "conflict"

    def __init__(self, reason: str, title: str) -> None:
        super().__init__(reason)
        self.title = title


class IncidentReads(Protocol):
    def get(self, incident_id: str) -> Incident | None: ...
    def since(self, start: datetime) -> list[Incident]: ...
    def reports(self, incident_id: str) -> list[Report]: ...


class IncidentMoves(Protocol):
    """What the ack page asks of IncidentService."""

    components: Sequence[str]

    def confirm(
        self,
        incident_id: str,
        body: str,
        by: str,
        impact: Impact | None = None,
        title: str | None = None,
        components: Sequence[str] | None = None,
    ) -> Incident: ...
    def update(
        self, incident_id: str, status: Status | None, body: str, by: str, impact: Impact | None = None
    ) -> Incident: ...
    def resolve(self, incident_id: str, body: str, by: str) -> Incident: ...
    def dismiss(self, incident_id: str, body: str, by: str) -> Incident: ...


@dataclass(frozen=True)
class Confirmed:
    incident: Incident
    #: how the page stands after: "escalation stopped", or who has it already
    page_note: str


@dataclass
class AckIncidentService:
    incidents: IncidentMoves
    repository: IncidentReads
    #: (page_id, person, now, via) → the acknowledged page (PagingService.acknowledge)
    acknowledge: Callable[[str, str, datetime, str], Page]
    clock: Callable[[], datetime]

    def for_page(self, page: Page) -> Incident | None:
        """The incident whose one page this is, open or closed; None for an ordinary ticket's page.

        One query of the incidents opened since shortly before the page (a handful), not a pointer per page:
        every ack page asks, and almost none is an incident's.
        """
        found = [i for i in self.repository.since(page.opened_at - LOOKBACK) if i.page_id == page.page_id]
        return found[-1] if found else None

    def reports(self, incident: Incident) -> list[Report]:
        return self.repository.reports(incident.incident_id)

    def confirm(
        self,
        page: Page | None,
        person: str,
        body: str,
        impact: str,
        components: Sequence[str] = (),
        incident_id: str | None = None,
    ) -> Confirmed:
        """Confirm the page's suspected incident in ``person``'s words; the page is acknowledged too.

        ``incident_id``: the console names the incident itself (``page``, its page if it has one, is then taken).
        """
        incident = self._incident(page, incident_id)
        if incident.status is not Status.SUSPECTED:
            raise self._already(page, incident, "Already confirmed")
        words, level = _words(body, BODY_MAX_CHARS), _impact(impact)
        unknown = [c for c in components if c not in self.incidents.components]
        if unknown:
            raise PayloadError(f"unknown component(s): {', '.join(unknown)}", "component")
        try:
            confirmed = self.incidents.confirm(
                incident.incident_id, words, person, level, components=tuple(components) if components else None
            )
        except (TransitionError, ConflictError):
            raise self._already(page, self._incident(page, incident_id), "Already confirmed") from None
        return Confirmed(confirmed, self._take(page, person) if page is not None else "")

    def dismiss(self, page: Page | None, person: str, reason: str, incident_id: str | None = None) -> Incident:
        """A false alarm: nothing published, nothing unlinked; reports page one by one again."""
        incident = self._incident(page, incident_id)
        if incident.status is not Status.SUSPECTED:
            raise self._already(page, incident, "Already decided")
        words = reason.strip()[:REASON_MAX_CHARS] or DEFAULT_DISMISS_REASON
        try:
            return self.incidents.dismiss(incident.incident_id, words, person)
        except (TransitionError, ConflictError):
            raise self._already(page, self._incident(page, incident_id), "Already decided") from None

    def update(
        self, page: Page | None, person: str, status: str, body: str, seen: str = "", incident_id: str | None = None
    ) -> Incident:
        """A public update from the page; "resolved" resolves it. A resubmitted form posts nothing twice."""
        incident = self._incident(page, incident_id)
        if incident.status is Status.SUSPECTED:
            raise IncidentStateError(
                f"Incident {incident.incident_id} is still suspected: confirm it first.", "Not confirmed yet"
            )
        if incident.status.closed:
            raise self._already(page, incident, "Already closed")
        target = _status(status)
        words = _words(body, BODY_MAX_CHARS)
        start = int(seen) if seen.isdigit() else max(len(incident.updates) - 1, 0)
        for posted in incident.updates[start:]:
            if (posted.status, posted.body, posted.by) == (target, words, person):
                who = f"{_name(page, posted.by)} at {describe_time(posted.at)}"
                raise IncidentStateError(
                    f"Nothing changed: this update was posted already, by {who}.", "Already posted"
                )
        try:
            if target is Status.RESOLVED:
                return self.incidents.resolve(incident.incident_id, words, person)
            return self.incidents.update(incident.incident_id, target, words, person)
        except ConflictError:
            raise self._already(page, self._incident(page, incident_id), "Changed meanwhile") from None
        except TransitionError as refused:
            raise IncidentStateError(refused.reason, "Not posted") from None

    # ---- helpers ------------------------------------------------------------------------------

    def _incident(self, page: Page | None, incident_id: str | None = None) -> Incident:
        if incident_id is not None:
            named = self.repository.get(incident_id)
            if named is None:
                raise NotFoundError(f"there is no incident {incident_id[:64]}")
            return named
        incident = self.for_page(page) if page is not None else None
        if incident is None:
            raise NotFoundError(f"page {page.page_id if page else '?'} was not sent for an incident")
        return incident

    def _already(self, page: Page | None, incident: Incident, title: str) -> IncidentStateError:
        names = {u.by: _name(page, u.by) for u in incident.updates}
        return IncidentStateError(f"Nothing changed: {done_line(incident, names)}", title)

    def _take(self, page: Page, person: str) -> str:
        """Acknowledge the page if nobody has; a page someone else took stays theirs."""
        try:
            acked = self.acknowledge(page.page_id, person, self.clock(), VIA)
        except SwitchboardError as refused:
            # the incident is confirmed either way: the page's state is secondary, and said as it is
            return refused.reason
        if acked.acked_by == person:
            return "You have the page: escalation stopped."
        return f"The page stays with {name_of(page, acked.acked_by or '')}."


def _name(page: Page | None, person: str) -> str:
    return name_of(page, person) if page is not None else person


def _words(body: str, limit: int) -> str:
    words = body.replace("\r\n", "\n").strip()
    if not words:
        raise PayloadError("an update needs your words: customers read them", "body")
    if len(words) > limit:
        raise PayloadError(f"the update is {len(words):,} characters; the limit is {limit:,}", "body")
    return words


def _impact(value: str) -> Impact:
    found = next((i for i in CONFIRM_IMPACTS if i.value == (value or DEFAULT_IMPACT.value)), None)
    if found is None:
        choices = ", ".join(i.value for i in CONFIRM_IMPACTS)
        raise PayloadError(f"no impact {value[:20]!r} ({choices})", "impact")
    return found


def _status(value: str) -> Status:
    found = next((s for s in UPDATE_STATUSES if s.value == value), None)
    if found is None:
        choices = ", ".join(s.value for s in UPDATE_STATUSES)
        raise PayloadError(f"no status {value[:20]!r} ({choices})", "status")
    return found
