"""An incident and its updates, on the model Statuspage, incident.io, Instatus and Cachet share.

Statuses move investigating → identified → monitoring → resolved; a suspected incident (opened by a
burst of reports, never published by itself) becomes one of them when a person confirms it, or is
dismissed as a false alarm. Scheduled maintenance is an incident planned ahead with a window.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class Status(StrEnum):
    SUSPECTED = "suspected"  # opened by a burst of reports; nothing public until a person confirms it
    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"  # a false alarm: its reports page on their own again
    # scheduled maintenance
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"

    @property
    def public(self) -> bool:
        """Whether the status page shows it (a suspected or dismissed incident is nobody's business)."""
        return self not in (Status.SUSPECTED, Status.DISMISSED)

    @property
    def closed(self) -> bool:
        return self in (Status.RESOLVED, Status.DISMISSED, Status.COMPLETED)


class Impact(StrEnum):
    NONE = "none"
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"


class Update(BaseModel):
    """One public update: the status at that moment and the operator's own words."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    update_id: str  # "U-" + the incident id + a sequence number: the key each customer's reply is made once under
    status: Status
    body: str = Field(min_length=1, max_length=5000)
    at: AwareDatetime
    by: str  # a person's key from the rules
    #: the customers were told (each linked ticket on its channel, through the reply outbox)
    notified: bool = False


class Report(BaseModel):
    """A customer's message linked to the incident: who reported it, on which channel, on which ticket."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ticket_id: str
    sender_key: str  # the distinct-sender key ("email#dana@…", "handle#x:dana_w"): bursts count these
    channel: str
    customer: str  # the customer's name as the ticket has it
    at: AwareDatetime
    summary: str = ""


class Incident(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    incident_id: str  # "I-" + ten hex digits
    title: str = Field(min_length=1, max_length=255)
    status: Status
    impact: Impact = Impact.NONE
    components: tuple[str, ...] = ()  # names from the rules' incidents.components
    opened_at: AwareDatetime
    #: when each status was first reached (Statuspage keeps created_at, resolved_at, …)
    status_times: dict[str, AwareDatetime] = Field(default_factory=dict)
    updates: tuple[Update, ...] = ()
    #: how it was opened: "burst" (detected), "operator" (by hand), "maintenance" (scheduled)
    source: str = "burst"
    #: scheduled maintenance's window
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    #: the page that told the on-call person (a suspected incident pages once)
    page_id: str | None = None

    @property
    def maintenance(self) -> bool:
        return self.source == "maintenance"
