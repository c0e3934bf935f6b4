"""What opens a suspected incident, as the rules' ``incidents:`` section says: how many senders, how fast, which concepts.

The rules compiler validates the section (routing/schema.py ``Incidents``); the Lambda reads the compiled
JSON into this record (routing/reader.py), and ``CompiledRules.incidents`` holds it for detection.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from chalicelib.routing.record import Record

#: PostHog's shipped rule counts distinct customers, never tickets; three in a quarter of an hour is rare enough
DEFAULT_SENDERS = 3
DEFAULT_WINDOW = timedelta(minutes=15)
DEFAULT_VIP_WEIGHT = 3
DEFAULT_CONCEPTS = ("outage", "server_errors")


class Component(Record):
    """A part of the product an incident or maintenance can name (Statuspage's component)."""

    _fields = ("name", "description")
    __slots__ = _fields
    name: str
    description: str

    def __init__(self, name: str, description: str = "") -> None:
        super().__init__(name, description)


class IncidentPolicy(Record):
    _fields = ("distinct_senders", "window", "vip_weight", "concepts", "components", "page", "post_to_x")
    __slots__ = _fields
    #: this many distinct senders reporting an outage-class concept within ``window`` open a suspected incident
    distinct_senders: int
    window: timedelta
    #: a VIP's critical report counts this many senders
    vip_weight: int
    #: the urgency concepts that make a message an outage report, as the rules list them
    concepts: tuple[str, ...]
    components: tuple[Component, ...]
    #: (team, priority, escalation) the suspected incident pages; None: the opening report's own decision
    page: tuple[str, str, str | None] | None
    #: each public update is also posted on the company's X account (off unless the rules say so)
    post_to_x: bool

    def __init__(
        self,
        distinct_senders: int = DEFAULT_SENDERS,
        window: timedelta = DEFAULT_WINDOW,
        vip_weight: int = DEFAULT_VIP_WEIGHT,
        concepts: Iterable[str] = DEFAULT_CONCEPTS,
        components: Iterable[Component] = (),
        page: tuple[str, str, str | None] | None = None,
        post_to_x: bool = False,
    ) -> None:
        super().__init__(distinct_senders, window, vip_weight, tuple(concepts), tuple(components), page, post_to_x)

    def component_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.components)
