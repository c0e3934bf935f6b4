"""The ack page's incident moves, on an in-memory repository and the real IncidentService: which incident is the
page's, confirm (and take the page), dismiss, update, and what a repeat or a bad form gets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest

from chalicelib.errors import NotFoundError, PayloadError
from chalicelib.incidents.model import Impact, Incident, Report, Status
from chalicelib.model.page import Page, PageState
from chalicelib.paging.escalation import AckRefused
from chalicelib.services.ack_incidents import AckIncidentService, IncidentStateError
from chalicelib.services.incidents import IncidentService
from tests.paging_fixtures import OPENED, make_page

PAGE = make_page()


@dataclass
class FakeIncidents:
    """What the DynamoDB repository promises: incidents by id, the history since a time, a save on the status read."""

    incidents: dict[str, Incident] = field(default_factory=dict)
    linked: dict[str, list[Report]] = field(default_factory=dict)

    def get(self, incident_id: str) -> Incident | None:
        return self.incidents.get(incident_id)

    def since(self, start: datetime) -> list[Incident]:
        return sorted((i for i in self.incidents.values() if i.opened_at >= start), key=lambda i: i.opened_at)

    def reports(self, incident_id: str) -> list[Report]:
        return self.linked.get(incident_id, [])

    # the rest of IncidentService's repository: the ack page never opens, adds or links incidents
    def open(self, incident: Incident, buckets: Sequence[str] = ()) -> Incident | None:
        raise AssertionError("the ack page opens no incident")

    def add(self, incident: Incident) -> None:
        raise AssertionError("the ack page adds no incident")

    def active(self) -> Incident | None:
        return next((i for i in self.incidents.values() if not i.status.closed and i.page_id), None)

    def open_incidents(self) -> list[Incident]:
        return [i for i in self.incidents.values() if not i.status.closed]

    def link(self, incident_id: str, report: Report) -> bool:
        raise AssertionError("the ack page links no report")

    def save(self, incident: Incident, read_status: Status, read_updates: int | None = None) -> bool:
        stored = self.incidents[incident.incident_id]
        if stored.status is not read_status or read_updates not in (None, len(stored.updates)):
            return False
        self.incidents[incident.incident_id] = incident
        return True


@dataclass
class Clock:
    now: datetime = OPENED + timedelta(minutes=5)

    def __call__(self) -> datetime:
        return self.now


@dataclass
class FakePager:
    """PagingService.acknowledge: the first person takes the page; a repeat by them is fine; others are refused."""

    page: Page = PAGE
    calls: list[tuple[str, str, str]] = field(default_factory=list)

    def acknowledge(self, page_id: str, person: str, now: datetime, via: str) -> Page:
        self.calls.append((page_id, person, via))
        if self.page.acked_by not in (None, person):
            raise AckRefused("Priya Nair acknowledged it at 08:01 UTC on 24 Nov 2026.", PageState.ACKED, "priya", now)
        self.page = self.page.model_copy(update={"state": PageState.ACKED, "acked_by": person, "acked_at": now})
        return self.page


def suspected(incident_id: str = "I-0123456789", page_id: str | None = PAGE.page_id, **changes: object) -> Incident:
    fields: dict[str, object] = {
        "incident_id": incident_id,
        "title": "Possible incident: 3 customers on X report an outage in 2 minutes",
        "status": Status.SUSPECTED,
        "opened_at": OPENED,
        "page_id": page_id,
    }
    return Incident(**{**fields, **changes})


def wired(*incidents: Incident, pager: FakePager | None = None) -> tuple[AckIncidentService, FakeIncidents, FakePager]:
    repo = FakeIncidents({i.incident_id: i for i in incidents})
    pager = pager or FakePager()
    clock = Clock()
    service = AckIncidentService(IncidentService(repo, clock, ("app", "api")), repo, pager.acknowledge, clock)
    return service, repo, pager


@pytest.mark.parametrize(
    ("incidents", "expected"),
    [
        pytest.param([suspected()], "I-0123456789", id="the-page-of-the-burst"),
        pytest.param([suspected(page_id="P-FFFFFFFFFF")], None, id="another-incidents-page"),
        pytest.param([suspected(page_id=None, source="operator")], None, id="opened-by-hand"),
        pytest.param([], None, id="no-incident"),
        pytest.param(
            [suspected(status=Status.DISMISSED), suspected("I-00000000bb", page_id="P-FFFFFFFFFF")],
            "I-0123456789",
            id="closed-still-found",
        ),
    ],
)
def test_the_incident_is_the_pages_only_if_it_names_the_page(incidents, expected):
    service, _repo, _pager = wired(*incidents)
    found = service.for_page(PAGE)
    assert (found.incident_id if found else None) == expected


def test_a_confirm_moves_it_in_the_persons_words_names_components_and_takes_the_page():
    service, repo, pager = wired(suspected())
    done = service.confirm(PAGE, "maya", "  Logins fail.\r\nWe are on it.  ", "critical", ["api", "app", "api"])
    stored = repo.incidents["I-0123456789"]
    assert stored == done.incident
    assert (stored.status, stored.impact, stored.components) == (Status.INVESTIGATING, Impact.CRITICAL, ("api", "app"))
    assert [(u.body, u.by) for u in stored.updates] == [("Logins fail.\nWe are on it.", "maya")]
    assert pager.calls == [(PAGE.page_id, "maya", "confirming the incident from the page")]
    assert done.page_note == "You have the page: escalation stopped."


def test_a_confirm_leaves_a_page_someone_else_took_with_them():
    pager = FakePager(make_page(state=PageState.ACKED, acked_by="priya", acked_at=OPENED))
    service, repo, _pager = wired(suspected(), pager=pager)
    done = service.confirm(PAGE, "maya", "On it.", "major")
    assert repo.incidents["I-0123456789"].status is Status.INVESTIGATING
    assert done.page_note == "Priya Nair acknowledged it at 08:01 UTC on 24 Nov 2026."


@pytest.mark.parametrize(
    ("move", "title", "says"),
    [
        pytest.param(lambda s: s.confirm(PAGE, "tom", "Again.", "major"), "Already confirmed", "Confirmed by Maya Chen at 08:05 UTC", id="confirm-again"),
        pytest.param(lambda s: s.dismiss(PAGE, "tom", ""), "Already decided", "Confirmed by Maya Chen", id="dismiss-confirmed"),
        pytest.param(lambda s: s.update(PAGE, "maya", "investigating", "On it.", "0"), "Already posted", "posted already, by Maya Chen at 08:05 UTC", id="same-update-again"),
    ],
)  # fmt: skip
def test_a_repeat_says_what_already_happened_and_changes_nothing(move, title, says):
    # GIVEN Maya confirmed the incident
    service, repo, _pager = wired(suspected())
    service.confirm(PAGE, "maya", "On it.", "major")
    before = repo.incidents["I-0123456789"]
    # WHEN the form is sent again (or a stale one)
    with pytest.raises(IncidentStateError) as refused:
        move(service)
    # THEN a 409 that says who did what when, and the incident is as it was
    assert refused.value.http_status == 409 and refused.value.title == title and says in refused.value.reason
    assert repo.incidents["I-0123456789"] == before


def test_updates_walk_the_lifecycle_and_resolved_resolves():
    service, repo, _pager = wired(suspected())
    service.confirm(PAGE, "maya", "On it.", "major")
    assert service.update(PAGE, "maya", "identified", "A bad deploy.", "1").status is Status.IDENTIFIED
    # the same words again from a form that saw the new update are a new update (news can repeat)
    assert len(service.update(PAGE, "maya", "identified", "A bad deploy.", "2").updates) == 3
    resolved = service.update(PAGE, "tom", "resolved", "Rolled back.", "3")
    assert resolved.status is Status.RESOLVED and resolved.updates[-1].by == "tom"
    with pytest.raises(IncidentStateError, match="Resolved by Tom Okafor"):
        service.update(PAGE, "maya", "monitoring", "Hm.", "4")
    assert repo.incidents["I-0123456789"].status is Status.RESOLVED


def test_dismiss_defaults_its_reason_and_keeps_it_short():
    service, _repo, pager = wired(suspected())
    assert [u.body for u in service.dismiss(PAGE, "maya", "   ").updates] == ["False alarm"]
    service, _repo, pager = wired(suspected())
    assert len(service.dismiss(PAGE, "maya", "x" * 1000).updates[0].body) == 300
    assert pager.calls == []  # a dismissal does not take the page: the ticket behind it is still a customer's


@pytest.mark.parametrize(
    ("move", "error", "field"),
    [
        pytest.param(lambda s: s.confirm(PAGE, "maya", " \r\n ", "major"), PayloadError, "body", id="no-words"),
        pytest.param(lambda s: s.confirm(PAGE, "maya", "x" * 5001, "major"), PayloadError, "body", id="too-long"),
        pytest.param(lambda s: s.confirm(PAGE, "maya", "On it.", "none"), PayloadError, "impact", id="impact-none"),
        pytest.param(lambda s: s.confirm(PAGE, "maya", "On it.", "major", ["db"]), PayloadError, "component", id="component"),
        pytest.param(lambda s: s.update(PAGE, "maya", "identified", "Hm."), IncidentStateError, None, id="update-suspected"),
        pytest.param(lambda s: s.confirm(make_page(page_id="P-FFFFFFFFFF"), "maya", "On it.", "major"), NotFoundError, None, id="not-an-incidents-page"),
    ],
)  # fmt: skip
def test_a_bad_form_is_refused_before_anything_moves(move, error, field):
    service, repo, pager = wired(suspected())
    with pytest.raises(error) as refused:
        move(service)
    assert getattr(refused.value, "field", None) == field
    assert repo.incidents["I-0123456789"] == suspected() and pager.calls == []
