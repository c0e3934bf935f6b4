"""The status page's view: the page's state, what is open, planned and past, and each component's status."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.incidents.model import Impact, Incident, Status
from chalicelib.incidents.status_view import Component, PageConfig, build, closed_at
from tests.incident_fakes import NOW, maintenance, outage

CONFIG = PageConfig(title="Acme", components=(Component("Messaging"), Component("Dashboard")))
RESOLVED = outage("I-00000000r1", status=Status.RESOLVED, opened_at=NOW - timedelta(days=5))


@pytest.mark.parametrize(
    ("incidents", "indicator", "description", "components"),
    [
        pytest.param([], "none", "All Systems Operational", ["operational", "operational"], id="nothing"),
        pytest.param(
            [outage(impact=Impact.MINOR)], "minor", "Minor Service Outage", ["degraded_performance", "operational"],
            id="one-minor",
        ),
        pytest.param(
            [outage(impact=Impact.MAJOR), outage("I-0000000002", impact=Impact.CRITICAL, components=())],
            "critical", "Major System Outage", ["partial_outage", "operational"],
            id="the-worst-open-impact-wins",
        ),
        pytest.param(
            [maintenance(status=Status.IN_PROGRESS)], "maintenance", "Service Under Maintenance",
            ["operational", "under_maintenance"], id="maintenance-in-progress",
        ),
        pytest.param(
            [maintenance(status=Status.SCHEDULED)], "none", "All Systems Operational", ["operational", "operational"],
            id="maintenance-announced-not-started",
        ),
        pytest.param(
            [outage(impact=Impact.MINOR), maintenance(status=Status.IN_PROGRESS)], "minor", "Minor Service Outage",
            ["degraded_performance", "under_maintenance"], id="an-outage-outranks-maintenance",
        ),
        pytest.param(
            [outage(impact=Impact.NONE), maintenance(status=Status.IN_PROGRESS)], "maintenance",
            "Service Under Maintenance", ["operational", "under_maintenance"], id="a-no-impact-incident-does-not",
        ),
        pytest.param([RESOLVED], "none", "All Systems Operational", ["operational", "operational"], id="resolved"),
        pytest.param(
            [outage(status=Status.SUSPECTED), outage("I-0000000003", status=Status.DISMISSED)],
            "none", "All Systems Operational", ["operational", "operational"], id="unconfirmed-never-shows",
        ),
    ],
)  # fmt: skip
def test_the_page_state_follows_the_worst_open_incident(
    incidents: list[Incident], indicator: str, description: str, components: list[str]
) -> None:
    # GIVEN the public incidents, WHEN the view is built
    view = build(incidents, NOW, CONFIG)
    # THEN the indicator, its words and each component's status are Statuspage's for that state
    assert (view.indicator, view.description) == (indicator, description)
    assert [c.status for c in view.components] == components


def test_incidents_are_sorted_into_open_planned_and_past() -> None:
    # GIVEN an open incident, two announced maintenances, a suspected one and three closed ones
    old = outage("I-00000000r2", status=Status.RESOLVED, opened_at=NOW - timedelta(days=91))
    recent = outage("I-00000000r3", status=Status.RESOLVED, opened_at=NOW - timedelta(days=1))
    later, sooner = maintenance("I-00000000m1", starts_at=NOW + timedelta(days=9)), maintenance("I-00000000m2")
    done = maintenance("I-00000000m3", status=Status.COMPLETED)
    live, rumour = outage(), outage("I-00000000s1", status=Status.SUSPECTED)
    # WHEN the view is built
    view = build([old, later, RESOLVED, live, rumour, sooner, recent, done], NOW, CONFIG)
    # THEN open, planned (soonest first) and the last 90 days (latest closed first) are apart; nothing unconfirmed
    assert [i.incident_id for i in view.open] == [live.incident_id]
    assert [i.incident_id for i in view.maintenance] == ["I-00000000m2", "I-00000000m1"]
    assert [i.incident_id for i in view.history] == ["I-00000000r3", "I-00000000m3", "I-00000000r1"]


def test_closed_at_is_when_the_closing_status_was_reached() -> None:
    # GIVEN a resolved incident whose last update resolved it, and an open one
    # WHEN asked when each closed, THEN the resolved one's time, and None for the open one
    assert closed_at(RESOLVED) == RESOLVED.updates[-1].at
    assert closed_at(outage()) is None
