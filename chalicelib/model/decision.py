"""What the routing engine decided for one event, and why."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Priority(StrEnum):
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"

    @property
    def pages(self) -> bool:
        """P1 and P2 wake a human; P3 and P4 wait in the queue."""
        return self in (Priority.P1, Priority.P2)


class Decision(BaseModel):
    """The engine's answer: a route, a team, a priority, who to page, and every reason.

    Decisions are data; services carry them out (page, store, reply).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    route: str
    team: str
    priority: Priority
    page_targets: tuple[str, ...] = ()
    reasons: tuple[str, ...] = Field(default=())
    facts: dict[str, str | int | float | bool] = Field(default_factory=dict)
    rules_version: str

    @property
    def pages(self) -> bool:
        return bool(self.page_targets)
