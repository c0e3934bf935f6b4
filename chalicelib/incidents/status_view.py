"""What every form of the status page shows (HTML, JSON, Atom), decided once from the public incidents.

Pure: the incidents and the time come in, a StatusView comes out. The words and indicators are
Statuspage's, so readers and tools that know one status page know ours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from chalicelib.incidents.model import Impact, Incident, Status

#: Statuspage's page indicator for the worst open impact, and its words
_DESCRIPTIONS = {
    "none": "All Systems Operational",
    "minor": "Minor Service Outage",
    "major": "Partial System Outage",
    "critical": "Major System Outage",
    "maintenance": "Service Under Maintenance",
}
_RANK = {Impact.NONE: 0, Impact.MINOR: 1, Impact.MAJOR: 2, Impact.CRITICAL: 3}
#: a component's status while an open incident of this impact names it (Statuspage's component statuses)
_COMPONENT_STATUS = {
    Impact.NONE: "operational",
    Impact.MINOR: "degraded_performance",
    Impact.MAJOR: "partial_outage",
    Impact.CRITICAL: "major_outage",
}


@dataclass(frozen=True)
class Component:
    name: str
    description: str = ""


@dataclass(frozen=True)
class PageConfig:
    """The page's identity: the company's name, its components, and where the page lives (for links)."""

    title: str = "Status"
    components: tuple[Component, ...] = ()
    #: the public URL the API answers on (scheme://host[/stage]); "" gives relative links
    base_url: str = ""
    days: int = 90

    @property
    def url(self) -> str:
        return f"{self.base_url}/status"

    def link(self, incident: Incident) -> str:
        return f"{self.url}#{incident.incident_id}"


@dataclass(frozen=True)
class ComponentState:
    component: Component
    status: str  # operational | degraded_performance | partial_outage | major_outage | under_maintenance


@dataclass(frozen=True)
class StatusView:
    config: PageConfig
    now: datetime
    indicator: str  # none | minor | major | critical | maintenance
    description: str
    open: tuple[Incident, ...]  # incidents in progress, newest first
    maintenance: tuple[Incident, ...]  # scheduled or in progress, soonest first
    history: tuple[Incident, ...]  # closed within config.days, most recently closed first
    components: tuple[ComponentState, ...]


def updated_at(incident: Incident) -> datetime:
    return max([incident.opened_at, *(u.at for u in incident.updates), *incident.status_times.values()])


def closed_at(incident: Incident) -> datetime | None:
    """When it was resolved (or the maintenance completed); None while open."""
    if not incident.status.closed:
        return None
    return incident.status_times.get(incident.status.value) or updated_at(incident)


def build(incidents: list[Incident], now: datetime, config: PageConfig) -> StatusView:
    # the reader promises public incidents only; filtering again costs nothing and keeps a suspected
    # incident (nobody has confirmed it) off the public page even if an adapter got that wrong
    public = [i for i in incidents if i.status.public]
    since = now - timedelta(days=config.days)
    open_ = sorted((i for i in public if not i.status.closed and not i.maintenance), key=updated_at, reverse=True)
    planned = sorted(
        (i for i in public if not i.status.closed and i.maintenance), key=lambda i: i.starts_at or i.opened_at
    )
    history = sorted(
        (i for i in public if (c := closed_at(i)) is not None and c >= since), key=_closed_key, reverse=True
    )
    active = [i for i in planned if i.status is Status.IN_PROGRESS]
    # the worst open incident sets the page's colour; maintenance in progress only when nothing is broken
    worst = max((i.impact for i in open_), key=_RANK.__getitem__, default=Impact.NONE)
    indicator = worst.value if worst is not Impact.NONE else "maintenance" if active else "none"
    return StatusView(
        config=config,
        now=now,
        indicator=indicator,
        description=_DESCRIPTIONS[indicator],
        open=tuple(open_),
        maintenance=tuple(planned),
        history=tuple(history),
        components=tuple(_component_state(c, open_, active) for c in config.components),
    )


def _closed_key(incident: Incident) -> datetime:
    return closed_at(incident) or incident.opened_at


def _component_state(component: Component, open_: list[Incident], active: list[Incident]) -> ComponentState:
    impacts = [i.impact for i in open_ if component.name in i.components]
    if impacts:
        return ComponentState(component, _COMPONENT_STATUS[max(impacts, key=_RANK.__getitem__)])
    if any(component.name in i.components or not i.components for i in active):
        return ComponentState(component, "under_maintenance")
    return ComponentState(component, "operational")


def describe(moment: datetime) -> str:
    """A time as the page prints it: in UTC, labelled, so nobody has to guess the zone."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def iso(moment: datetime) -> str:
    """RFC 3339 in UTC with a Z (what <time datetime>, JSON and Atom carry)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
