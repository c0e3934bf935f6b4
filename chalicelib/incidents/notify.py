"""What each customer who reported an incident is told, and when; pure (the clock and the link are parameters).

Every public update goes to every linked customer on the channel they wrote on, with the status page
link, except by text message: SMS (and a caller, answered by SMS) hears only that the incident is
confirmed and that it is resolved. That is Statuspage's rule for SMS subscribers, and it keeps a night
of updates from becoming a night of texts. A customer whose report links to an incident already open
is answered at once with where it stands, instead of the generic auto-reply.
"""

from __future__ import annotations

from chalicelib.incidents.model import Incident, Status, Update
from chalicelib.model.event import Channel

#: channels that hear only the confirmation and the resolution
FEW_MESSAGES = frozenset({Channel.SMS, Channel.VOICE})
#: an X post is 280 characters; a link counts as 23 whatever its length (X's t.co wrapping)
X_LIMIT = 280
X_LINK = 23

_STATUS_WORDS = {
    Status.INVESTIGATING: "We're investigating",
    Status.IDENTIFIED: "We've found the cause",
    Status.MONITORING: "A fix is in place and we're watching it",
    Status.RESOLVED: "Resolved",
    Status.SCHEDULED: "Scheduled maintenance",
    Status.IN_PROGRESS: "Maintenance in progress",
    Status.COMPLETED: "Maintenance complete",
}


def first_public(incident: Incident) -> Update | None:
    """The update that made the incident public: its confirmation (or an operator's first words)."""
    return next((u for u in incident.updates if u.status.public), None)


def hears(channel: Channel, incident: Incident, update: Update) -> bool:
    """Whether a customer who wrote on ``channel`` is sent ``update``."""
    if not update.status.public:
        return False  # a suspected or dismissed incident is nobody's business
    if channel not in FEW_MESSAGES:
        return True
    confirmed = first_public(incident)
    return update.status.closed or (confirmed is not None and confirmed.update_id == update.update_id)


def update_text(update: Update, first_name: str, status_url: str, limit: int = 4000) -> str:
    """One update, in the operator's words, to one customer, cut to the channel's ``limit`` (the link kept)."""
    headline = _STATUS_WORDS.get(update.status, update.status.value)
    closing = f"Thank you for your patience. {status_url}" if update.status.closed else f"Follow along: {status_url}"
    opening = f"Hi {first_name}, an update on the problem you reported. {headline}: "
    return f"{opening}{_cut(update.body, limit - len(opening) - len(closing) - 1)} {closing}"


def linked_text(incident: Incident, first_name: str, status_url: str) -> str:
    """A new report's answer: the incident as it stands, not the generic auto-reply."""
    if incident.maintenance:
        until = f" until {incident.ends_at:%H:%M} UTC" if incident.ends_at else ""
        notice = incident.updates[-1].body if incident.updates else incident.title
        return f"Hi {first_name}, this is scheduled maintenance{until}: {notice} Details: {status_url}"
    if not incident.status.public:
        return (
            f"Hi {first_name}, thank you for telling us. Other customers report the same problem, and our on-call "
            "engineer has been paged. We'll update you here as soon as we know more."
        )
    latest = incident.updates[-1]
    headline = _STATUS_WORDS.get(latest.status, latest.status.value)
    return (
        f"Hi {first_name}, thank you for telling us: we know, and we're on it. {headline}: {latest.body} "
        f"We'll update you here. Follow along: {status_url}"
    )


def announcement_text(update: Update, status_url: str) -> str:
    """One short post on our own account: the status, the operator's words (cut to fit), the link."""
    headline = _STATUS_WORDS.get(update.status, update.status.value)
    return f"{_cut(f'{headline}: {update.body}', X_LIMIT - X_LINK - 1)} {status_url}"


def _cut(text: str, room: int) -> str:
    return text if len(text) <= room else text[: max(1, room - 1)].rstrip() + "…"
