"""Linking a ticket to an incident from the console: the report triage would have made, one timeline line with who."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from chalicelib.console.actions import link_to_incident, report_of
from chalicelib.errors import NotFoundError, PayloadError
from chalicelib.incidents.model import Incident, Report, Status
from chalicelib.model.decision import Priority
from chalicelib.model.timeline import Entry, Kind
from tests.paging_fakes import ticket

NOW = datetime(2026, 11, 24, 8, 12, tzinfo=UTC)


@dataclass
class FakeIncidents:
    incidents: dict[str, Incident] = field(default_factory=dict)
    links: dict[tuple[str, str], Report] = field(default_factory=dict)

    def get(self, incident_id: str) -> Incident | None:
        return self.incidents.get(incident_id)

    def link(self, incident_id: str, report: Report) -> bool:
        key = (incident_id, report.ticket_id)
        if key in self.links:
            return False
        self.links[key] = report
        return True


def _incidents(status: Status = Status.INVESTIGATING) -> FakeIncidents:
    return FakeIncidents(
        {"I-0000000001": Incident(incident_id="I-0000000001", title="Checkout down", status=status, opened_at=NOW)}
    )


def test_a_link_is_a_report_and_one_timeline_line_naming_who() -> None:
    # GIVEN an open incident and a known customer's ticket
    incidents, lines = _incidents(), list[tuple[str, Entry]]()
    t = ticket("T-1", Priority.P1, customer="c1")
    # WHEN Maya links it twice (a double tap)
    first = link_to_incident(
        incidents, lambda tid, e: lines.extend((tid, x) for x in e), t, "I-0000000001", "maya", "Maya Chen", NOW
    )
    second = link_to_incident(
        incidents, lambda tid, e: lines.extend((tid, x) for x in e), t, "I-0000000001", "maya", "Maya Chen", NOW
    )
    # THEN it is linked once, as the customer (their updates reach them once across channels)
    assert (first, second) == (True, False)
    assert incidents.links[("I-0000000001", "T-1")] == report_of(t, NOW)
    assert report_of(t, NOW).sender_key == "customer#c1"
    # AND the timeline says who did it, once
    [(tid, entry)] = lines
    assert tid == "T-1" and isinstance(entry, Entry)
    assert (entry.kind, entry.actor) == (Kind.LINKED, "maya")
    assert "Checkout down" in entry.text and "Maya Chen" in entry.text


@pytest.mark.parametrize(
    ("incident_id", "status", "error"),
    [
        ("I-9999999999", Status.INVESTIGATING, NotFoundError),
        ("nonsense", Status.INVESTIGATING, NotFoundError),
        ("I-0000000001", Status.RESOLVED, PayloadError),
    ],
    ids=["unknown", "malformed", "closed"],
)
def test_only_an_open_incident_takes_a_link(incident_id, status, error) -> None:
    incidents, lines = _incidents(status), list[Entry]()
    with pytest.raises(error):
        link_to_incident(
            incidents, lambda tid, e: lines.extend(e), ticket("T-1", Priority.P1), incident_id, "maya", "Maya", NOW
        )
    assert incidents.links == {} and lines == []
