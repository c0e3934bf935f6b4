"""What the routing engine decided for one event, and why."""

from __future__ import annotations

from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class Priority(StrEnum):
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"

    @property
    def pages(self) -> bool:
        """P1 and P2 wake a human; P3 and P4 wait in the queue."""
        return self in (Priority.P1, Priority.P2)


class Contact(BaseModel):
    """One person on a live call's dial list."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    person: str
    name: str
    phone: str
    via: str  # why they are on the list: "rotation primary", "team founders", "named"


class Decision(BaseModel):
    """The engine's answer: where the message goes, how urgently, who is reached, and every reason.

    Decisions are data; services carry them out (page, dial, reply, hold until open).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    route: str
    route_path: tuple[str, ...] = ()
    team: str
    priority: Priority
    tier: str = "standard"
    escalation: str | None = None
    #: who the first level reaches, in words
    notify: tuple[str, ...] = ()
    #: the pager topics (PAGER_TOPICS keys) to publish to
    page_targets: tuple[str, ...] = ()
    dial: tuple[Contact, ...] = ()
    sla: str | None = None
    sla_due: AwareDatetime | None = None
    auto_reply: str | None = None
    #: the page waits until then (the team's calendar opens); None: page now
    deferred_until: AwareDatetime | None = None
    reasons: tuple[str, ...] = Field(default=())
    facts: dict[str, str | int | float | bool] = Field(default_factory=dict)
    rules_version: str

    @property
    def pages(self) -> bool:
        """Whether someone is paged now."""
        return bool(self.page_targets) and self.deferred_until is None
