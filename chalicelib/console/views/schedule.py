"""The Schedule view: each rotation's next two weeks, one row per shift, overrides shown where they cut in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from chalicelib.console.views.clock import Time, at
from chalicelib.console.views.now import person_name

if TYPE_CHECKING:
    from chalicelib.routing.engine import CompiledRules

HORIZON = timedelta(days=14)
#: a guard against a pathological rules file (thousands of tiny overrides): the page stays readable
MAX_ROWS = 200


@dataclass(frozen=True)
class Shift:
    start: Time
    end: Time
    person: str
    name: str
    override: bool
    instead_of: str | None  # the rotation's own person, when an override replaced them
    current: bool  # holds now


@dataclass(frozen=True)
class RotationSchedule:
    name: str
    zone: str  # the rotation's own zone (its handoffs are at its local wall-clock time)
    shifts: tuple[Shift, ...]


def schedule_view(
    rules: CompiledRules, zone: ZoneInfo, now: datetime, horizon: timedelta = HORIZON
) -> tuple[RotationSchedule, ...]:
    """Every stretch from the one holding ``now`` until ``now + horizon``, rotations by name."""
    out = []
    for name in sorted(rules.rotations):
        rotation = rules.rotations[name]
        shifts: list[Shift] = []
        moment = now
        while moment < now + horizon and len(shifts) < MAX_ROWS:
            who, start, end = rotation.on_call_through(moment)
            overridden = who.override is not None
            shifts.append(
                Shift(
                    start=at(start, zone),
                    end=at(end, zone),
                    person=who.person,
                    name=person_name(rules, who.person),
                    override=overridden,
                    instead_of=person_name(rules, who.scheduled)
                    if overridden and who.scheduled != who.person
                    else None,
                    current=start <= now < end,
                )
            )
            moment = end
        out.append(RotationSchedule(name, rotation.timezone.key, tuple(shifts)))
    return tuple(out)
