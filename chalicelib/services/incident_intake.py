"""Triage's side of incidents: count an outage report, open the suspected incident once, link the rest.

The report whose count crosses the threshold opens the incident and pages, once, in the incident's words;
every later outage report while it is open links to it and pages nobody; a report inside announced
maintenance pages nobody either. A linked report is answered with where the incident stands instead
of the generic auto-reply. A dismissed or resolved incident frees the way: reports page one by one again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from chalicelib.incidents.detect import buckets, crosses, outage_concepts, weight
from chalicelib.incidents.policy import IncidentPolicy
from chalicelib.model.customer import Customer
from chalicelib.model.decision import Decision
from chalicelib.model.event import SupportEvent
from chalicelib.model.ticket import sender_key
from chalicelib.routing.greeting import greeting
from chalicelib.services.paging_ports import BURST_FACT, page_id_for

if TYPE_CHECKING:
    # imported where an outage report needs them: triage asks about every message and few are one, so
    # its cold start skips the incident models and their service (about 5 ms of CPU)
    from chalicelib.incidents.model import Incident, Report, Status

#: how a page names each channel
CHANNEL_WORDS = {"x": "X", "email": "email", "widget": "chat", "slack": "Slack", "sms": "SMS", "meta": "Facebook",
                 "voice": "phone"}  # fmt: skip


class BurstRepository(Protocol):
    def count(self, bucket: str, sender_key: str, weight: int, report: Report) -> int: ...
    def counted(self, bucket: str) -> list[Report]: ...
    def open(self, incident: Incident, buckets: Sequence[str] = ()) -> Incident | None: ...
    def active(self) -> Incident | None: ...
    def open_incidents(self) -> list[Incident]: ...
    def link(self, incident_id: str, report: Report) -> bool: ...
    def save(self, incident: Incident, read_status: Status, read_updates: int | None = None) -> bool: ...


def report_for(ticket_id: str, event: SupportEvent, customer: Customer, at: datetime) -> Report:
    """A message as an incident's report: a known customer is one sender on every channel (Dana's email and her
    tweet are one report), so bursts count people and an update reaches each of them once."""
    from chalicelib.incidents.model import Report

    return Report(
        ticket_id=ticket_id,
        sender_key=f"customer#{customer.customer_id}"
        if customer.known
        else sender_key(event) or f"event#{event.event_id}",
        channel=event.channel.value,
        customer=customer.name,
        at=at,
        summary=event.summary(80),
    )


@dataclass(frozen=True)
class Verdict:
    """What the incident side made of one report: the decision to carry out, and the page's words if it opened one."""

    decision: Decision
    incident: Incident | None = None
    #: this report opened the incident: its page says this instead of the message's own summary
    page_summary: str | None = None


def _words(channels: list[str]) -> str:
    named = list(dict.fromkeys(CHANNEL_WORDS.get(c, c) for c in channels))
    return named[0] if len(named) == 1 else f"{', '.join(named[:-1])} and {named[-1]}"


def summary_of(reports: list[Report], concepts: tuple[str, ...]) -> str:
    """ "Possible incident: 7 customers on X, email and chat report an outage in 10 minutes"."""
    minutes = max(1, round((reports[-1].at - reports[0].at).total_seconds() / 60)) if reports else 1
    what = "server errors" if concepts == ("server_errors",) else "an outage"
    channels = _words([r.channel for r in reports])
    count = len(reports)  # people, not their weight: a VIP is one customer
    people = "1 customer" if count == 1 else f"{count} customers"
    verb = "reports" if count == 1 else "report"
    return f"Possible incident: {people} on {channels} {verb} {what} in {minutes} minute{'s' * (minutes != 1)}"


@dataclass
class IncidentIntake:
    repository: BurstRepository
    policy: IncidentPolicy
    #: (the opening report's decision, now) → the decision its one page is made on (incidents/page.py)
    page_decision: Callable[[Decision, datetime], Decision] = lambda decision, _now: decision
    #: the public status page, which a linked report's answer points to
    status_url: str = "/status"

    def on_report(
        self,
        event: SupportEvent,
        customer: Customer,
        decision: Decision,
        ticket_id: str | Callable[[], str],
        now: datetime,
    ) -> Verdict:
        """``ticket_id``: the ticket the message lands on (a follow-up's is its thread's), or how to find it,
        asked only of an outage report."""
        concepts = outage_concepts(decision, self.policy)
        if not concepts:
            return Verdict(decision)
        from chalicelib.incidents.model import Incident, Status
        from chalicelib.services.incidents import incident_id_for

        if callable(ticket_id):
            ticket_id = ticket_id()
        report = report_for(ticket_id, event, customer, now)
        name = greeting(event.sender.name, customer.contact_name if customer.known else None)
        if (window := self._maintenance(event, now)) is not None:
            until = window.ends_at.isoformat() if window.ends_at else "its end"
            quiet = self._quiet(decision, f"no page: within scheduled maintenance {window.incident_id} "
                                          f"({window.title!r}) until {until}")  # fmt: skip
            return Verdict(self._answer(quiet, window, name), window)
        page_id = page_id_for(ticket_id, event.event_id)
        active = self.repository.active()
        if active is not None:
            self.repository.link(active.incident_id, report)
            if active.page_id == page_id:  # the report that opened it, delivered again: its page is still its own
                return Verdict(self._answer(decision, active, name), active, active.title)
            return Verdict(self._answer(self._linked(decision, active), active, name), active)
        series = buckets(now, self.policy.window)
        # the reports of one burst page once: each before the crossing folds into the first one's page
        decision = decision.model_copy(
            update={"facts": {**decision.facts, BURST_FACT: "|".join(b.key for b in series)}}
        )
        for bucket in series:
            w = weight(decision, self.policy)
            after = self.repository.count(bucket.key, report.sender_key, w, report)
            if not after or not crosses(after - w, after, self.policy):
                continue
            counted = self.repository.counted(bucket.key)
            title = summary_of(counted or [report], concepts)
            incident = Incident(
                incident_id=incident_id_for(f"burst|{bucket.key}"),
                title=title,
                status=Status.SUSPECTED,
                opened_at=now,
                status_times={Status.SUSPECTED.value: now},
                source="burst",
                page_id=page_id,
            )
            stored = self.repository.open(incident, [b.key for b in series])
            if stored is None:  # this burst's incident was dismissed or resolved: the report pages on its own
                return Verdict(decision)
            for earlier in counted:
                self.repository.link(stored.incident_id, earlier)
            self.repository.link(stored.incident_id, report)
            if stored.incident_id != incident.incident_id:  # another triage opened one first
                return Verdict(self._answer(self._linked(decision, stored), stored, name), stored)
            samples = "; ".join(f"{r.summary!r} ({CHANNEL_WORDS.get(r.channel, r.channel)})" for r in counted[-3:])
            why = (f"incident {stored.incident_id} suspected: {after} distinct senders reported "
                   f"{', '.join(concepts)} within {self.policy.window}; samples: {samples}; "
                   "this is its one page, later reports link to it")  # fmt: skip
            paging = self.page_decision(decision, now)
            paging = paging.model_copy(update={"reasons": (*paging.reasons, why)})
            return Verdict(self._answer(paging, stored, name), stored, title)
        return Verdict(decision)

    def paged(self, opening_page_id: str, page_id: str) -> None:
        """The opening report's page folded into one already open: that page is the incident's from now on
        (its ack link shows the incident). A lost race leaves the first page id, which is only less helpful."""
        active = self.repository.active()
        if active is None or active.page_id != opening_page_id or opening_page_id == page_id:
            return
        moved = active.model_copy(update={"page_id": page_id})
        self.repository.save(moved, active.status, len(active.updates))

    def _maintenance(self, event: SupportEvent, now: datetime) -> Incident | None:
        from chalicelib.incidents.model import Status

        text = f"{event.subject or ''} {event.text}".lower()
        for incident in self.repository.open_incidents():
            if not incident.maintenance or incident.status not in (Status.SCHEDULED, Status.IN_PROGRESS):
                continue
            if (
                incident.starts_at is None
                or incident.ends_at is None
                or not incident.starts_at <= now < incident.ends_at
            ):
                continue
            # a window for named components covers reports that name one; a window for none covers all
            if not incident.components or any(name.lower() in text for name in incident.components):
                return incident
        return None

    def _answer(self, decision: Decision, incident: Incident, first_name: str) -> Decision:
        """A linked report is answered with where the incident stands, not the generic auto-reply."""
        from chalicelib.incidents.notify import linked_text

        text = linked_text(incident, first_name, self.status_url)
        return decision.model_copy(update={"auto_reply": text})

    def _linked(self, decision: Decision, incident: Incident) -> Decision:
        return self._quiet(decision, f"no page: linked to incident {incident.incident_id} ({incident.status.value}),"
                                     " which paged once for the burst")  # fmt: skip

    @staticmethod
    def _quiet(decision: Decision, why: str) -> Decision:
        if not decision.page_targets:
            return decision.model_copy(update={"reasons": (*decision.reasons, why.replace("no page: ", ""))})
        return decision.model_copy(update={"page_targets": (), "reasons": (*decision.reasons, why)})
