"""The Now view: who is on call and until when, the next handoff, open pages and their timers, open incidents."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from chalicelib.console.views.clock import Time, at, maybe, until

if TYPE_CHECKING:
    from chalicelib.incidents.model import Incident
    from chalicelib.model.page import Page
    from chalicelib.routing.engine import CompiledRules


@dataclass(frozen=True)
class OnCallRow:
    rotation: str
    person: str
    name: str
    until: Time
    override: bool  # on call by an override, not the rotation's turn
    next_name: str  # who takes over at the handoff
    next_at: Time


@dataclass(frozen=True)
class PageRow:
    page_id: str
    ticket_id: str
    priority: str
    customer: str
    summary: str
    step: str  # "level 2 of 3", with the round when the ladder repeats
    notified: tuple[str, ...]  # names of everyone reached so far
    next_escalation: Time | None
    timer: str  # "in 4 min"


@dataclass(frozen=True)
class IncidentRow:
    incident_id: str
    title: str
    status: str
    opened: Time
    url: str


@dataclass(frozen=True)
class NowView:
    on_call: tuple[OnCallRow, ...]
    pages: tuple[PageRow, ...]
    incidents: tuple[IncidentRow, ...]


def person_name(rules: CompiledRules, person: str) -> str:
    who = rules.document.people.get(person)
    return who.name if who is not None else person


def on_call_rows(rules: CompiledRules, zone: ZoneInfo, now: datetime) -> tuple[OnCallRow, ...]:
    rows = []
    for name in sorted(rules.rotations):
        rotation = rules.rotations[name]
        current, _, ends = rotation.on_call_through(now)
        following, _, _ = rotation.on_call_through(ends)
        rows.append(
            OnCallRow(
                rotation=name,
                person=current.person,
                name=person_name(rules, current.person),
                until=at(ends, zone),
                override=current.override is not None,
                next_name=person_name(rules, following.person),
                next_at=at(ends, zone),
            )
        )
    return tuple(rows)


def page_row(page: Page, zone: ZoneInfo, now: datetime) -> PageRow:
    step = f"level {page.level + 1} of {len(page.levels)}"
    if page.repeat:
        step += f", round {page.round + 1} of {page.repeat + 1}"
    return PageRow(
        page_id=page.page_id,
        ticket_id=page.ticket_id,
        priority=page.priority,
        customer=page.customer,
        summary=page.summary,
        step=step,
        notified=tuple(r.name for r in page.paged_people()),
        next_escalation=maybe(page.next_due, zone),
        timer=until(page.next_due, now) if page.next_due is not None else "",
    )


def now_view(
    rules: CompiledRules,
    pages: Sequence[Page],
    incidents: Sequence[Incident],
    zone: ZoneInfo,
    now: datetime,
    status_url: str,
) -> NowView:
    """Most urgent page first (priority, then the sooner escalation); incidents oldest first."""
    ordered = sorted(pages, key=lambda p: (p.priority, p.next_due or p.opened_at))
    return NowView(
        on_call=on_call_rows(rules, zone, now),
        pages=tuple(page_row(p, zone, now) for p in ordered),
        incidents=tuple(
            IncidentRow(i.incident_id, i.title, i.status.value, at(i.opened_at, zone), f"{status_url}#{i.incident_id}")
            for i in sorted(incidents, key=lambda i: i.opened_at)
        ),
    )
