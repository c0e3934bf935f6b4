"""The incident part of the ack page: what a suspected incident's page shows above the ticket, and the words of
the answers to its forms.

Suspected: the burst's title, how many customers are linked and a few of their messages, a form to confirm it
(the first public update in the operator's words) and one to dismiss it. Once public: its status, the status
page's link and a form to post the next update. Pure HTML builders; every value escaped, since the reports'
summaries are the customers' own words.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html import escape

from chalicelib.incidents.lifecycle import allowed
from chalicelib.incidents.model import Impact, Incident, Report, Status, Update
from chalicelib.paging.escalation import describe_time
from chalicelib.services.incident_intake import CHANNEL_WORDS

#: the statuses the update form offers (maintenance has its own, and is not run from a page)
UPDATE_STATUSES = (Status.INVESTIGATING, Status.IDENTIFIED, Status.MONITORING, Status.RESOLVED)
#: what the confirm form offers: an incident someone confirms from a page affects customers
CONFIRM_IMPACTS = (Impact.MINOR, Impact.MAJOR, Impact.CRITICAL)
DEFAULT_IMPACT = Impact.MAJOR
DEFAULT_DISMISS_REASON = "False alarm"
#: an update's words (the model's limit) and a dismissal's reason (short: it is never published)
BODY_MAX_CHARS = 5000
REASON_MAX_CHARS = 300
#: how many of the reports the page quotes: enough to judge the burst, few enough for a phone
SAMPLES = 5


@dataclass(frozen=True)
class IncidentPanel:
    """What the block needs; built by the route from the incident the page was sent for."""

    incident: Incident
    reports: Sequence[Report]
    #: the public status page, absolute when the API's public URL is known
    status_url: str
    #: how the prefilled first update names the product ("Switchboard")
    product: str
    #: the rules' component names: the confirm form offers them
    components: Sequence[str] = ()
    #: person key → display name, for "confirmed by Maya Chen"
    names: Mapping[str, str] = field(default_factory=dict)


def first_update(product: str) -> str:
    """The confirm box's prefilled words: true whatever the cause, and a promise of the next update."""
    return f"We're investigating reports that {product} is unavailable. We'll post an update within 30 minutes."


def status_url(public_base_url: str | None, request_path: str) -> str:
    """``<base>/status``; without a public URL, the status page beside the ack route on the request's stage."""
    if public_base_url:
        return f"{public_base_url.rstrip('/')}/status"
    cut = request_path.rfind("/ack/")
    return f"{request_path[:cut] if cut > 0 else ''}/status"


def customers(count: int) -> str:
    return "1 customer" if count == 1 else f"{count} customers"


def incident_block(panel: IncidentPanel, action: str, hidden: Mapping[str, str]) -> str:
    """The "Incident" section; its forms post to ``<action>/incident/{confirm,dismiss,update}``."""
    incident = panel.incident
    if incident.status is Status.SUSPECTED:
        body = _suspected(panel) + _confirm_form(panel, f"{action}/incident/confirm", hidden)
        body += _dismiss_form(panel, f"{action}/incident/dismiss", hidden)
    elif incident.status.closed:
        body = f'<p class="state">{escape(done_line(incident, panel.names))}</p>' + _link(panel)
    else:
        body = _public(panel) + _update_form(panel, f"{action}/incident/update", hidden)
    title = f'<p class="subject">{escape(incident.title)}</p>'
    return f'<section class="incident" aria-label="Incident"><h2>Incident</h2>{title}{body}</section>'


def done_line(incident: Incident, names: Mapping[str, str]) -> str:
    """ "Confirmed by Maya Chen at 08:05 UTC on 17 Nov 2026; it is monitoring now." and the like."""
    if incident.status is Status.SUSPECTED or not incident.updates:
        return f"Incident {incident.incident_id} is {incident.status.value}."
    first, last = incident.updates[0], incident.updates[-1]
    if incident.status is Status.DISMISSED:
        return f"Dismissed as a false alarm by {_by(last, names)}."
    if incident.status.closed:
        return f"Resolved by {_by(last, names)}: no more updates from here."
    return f"Confirmed by {_by(first, names)}; it is {incident.status.value} now ({incident.impact.value} impact)."


def _by(update: Update, names: Mapping[str, str]) -> str:
    return f"{names.get(update.by, update.by)} at {describe_time(update.at)}"


def _suspected(panel: IncidentPanel) -> str:
    reports = panel.reports
    count = len(reports)
    shown = "".join(
        f"<li>{escape(CHANNEL_WORDS.get(r.channel, r.channel))} · {escape(r.customer)}: {escape(r.summary or '(no text)')}</li>"
        for r in reports[:SAMPLES]
    )
    more = f'<p class="note">and {customers(count - SAMPLES)} more.</p>' if count > SAMPLES else ""
    lines = f'<ul class="reports">{shown}</ul>{more}' if shown else ""
    return (
        f"<p>Suspected, not public: {customers(count)} linked so far; later reports link to it and page nobody.</p>"
        f"{lines}"
    )


def _confirm_form(panel: IncidentPanel, action: str, hidden: Mapping[str, str]) -> str:
    impacts = "".join(
        f'<option value="{i.value}"{" selected" if i is DEFAULT_IMPACT else ""}>{i.value}</option>'
        for i in CONFIRM_IMPACTS
    )
    components = ""
    if panel.components:
        options = "".join(f'<option value="{escape(c)}">{escape(c)}</option>' for c in panel.components)
        components = (
            '<label for="incident-components">Affected components (optional)</label>'
            f'<select id="incident-components" name="component" multiple size="{min(len(panel.components), 5)}">'
            f"{options}</select>"
        )
    reach = customers(len(panel.reports))
    return (
        f'<form method="post" action="{escape(action)}">{_hidden(hidden)}'
        '<label for="incident-body">What customers read (the first public update)</label>'
        f'<textarea id="incident-body" name="body" rows="4" maxlength="{BODY_MAX_CHARS}" required>'
        f"{escape(first_update(panel.product))}</textarea>"
        f'<label for="incident-impact">Impact</label><select id="incident-impact" name="impact">{impacts}</select>'
        f"{components}"
        '<button type="submit">Confirm and tell customers</button>'
        f'<p class="note">Publishes it on the status page ({escape(panel.status_url)}) and tells the {reach} '
        "linked to it, each on their own channel. Also acknowledges this page.</p></form>"
    )


def _dismiss_form(panel: IncidentPanel, action: str, hidden: Mapping[str, str]) -> str:
    return (
        f'<form method="post" action="{escape(action)}">{_hidden(hidden)}'
        '<label for="incident-reason">Why (optional, never published)</label>'
        f'<input type="text" id="incident-reason" name="reason" maxlength="{REASON_MAX_CHARS}" '
        f'placeholder="{DEFAULT_DISMISS_REASON}">'
        '<button type="submit" class="secondary">Dismiss as a false alarm</button>'
        f'<p class="note">Nothing is published and nothing is unlinked: the {customers(len(panel.reports))} keep '
        "their tickets, and from now on each new report pages on its own again.</p></form>"
    )


def _public(panel: IncidentPanel) -> str:
    incident = panel.incident
    latest = incident.updates[-1] if incident.updates else None
    said = ""
    if latest is not None:
        said = (
            f'<p class="note">Latest update ({escape(latest.status.value)}, '
            f"{escape(panel.names.get(latest.by, latest.by))}, {escape(describe_time(latest.at))}):</p>"
            f'<div class="message">{escape(latest.body)}</div>'
        )
    linked = f"<p>{customers(len(panel.reports))} linked.</p>"
    return f'<p class="state ok">{escape(done_line(incident, panel.names))}</p>{_link(panel)}{linked}{said}'


def _link(panel: IncidentPanel) -> str:
    if not panel.incident.status.public:
        return ""
    url = escape(panel.status_url)
    return f'<p>Status page: <a href="{url}">{url}</a></p>'


def _update_form(panel: IncidentPanel, action: str, hidden: Mapping[str, str]) -> str:
    incident = panel.incident
    choices = [s for s in UPDATE_STATUSES if s in allowed(incident.status)]
    options = "".join(
        f'<option value="{s.value}"{" selected" if s is incident.status else ""}>{s.value}</option>' for s in choices
    )
    # how many updates the form saw: a second submit of the same words finds them posted already
    fields = _hidden({**hidden, "seen": str(len(incident.updates))})
    return (
        f'<form method="post" action="{escape(action)}">{fields}'
        f'<label for="incident-status">Status</label><select id="incident-status" name="status">{options}</select>'
        '<label for="incident-update">The update, in your words (customers read it)</label>'
        f'<textarea id="incident-update" name="body" rows="4" maxlength="{BODY_MAX_CHARS}" required></textarea>'
        '<button type="submit">Post update</button>'
        '<p class="note">Goes on the status page and to the linked customers; "resolved" closes the incident.</p>'
        "</form>"
    )


def _hidden(fields: Mapping[str, str]) -> str:
    return "".join(f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in fields.items())


# ---- the answers to the forms ------------------------------------------------------------------


def confirmed_message(incident: Incident, linked: int, url: str, page_note: str) -> str:
    parts = f" ({', '.join(incident.components)})" if incident.components else ""
    return (
        f"Incident {incident.incident_id} is public: {incident.status.value}, {incident.impact.value} impact{parts}, "
        f"on the status page at {url}. Your words are its first update, for the {customers(linked)} linked to it, "
        f"each on their own channel. {page_note}"
    )


def dismissed_message(incident: Incident, linked: int) -> str:
    return (
        f"Incident {incident.incident_id} is dismissed; nothing was published. The {customers(linked)} linked to it "
        "keep their tickets, and each new outage report pages on its own again."
    )


def updated_message(incident: Incident, url: str) -> str:
    if incident.status.closed:
        return f"Incident {incident.incident_id} is resolved; your words are its final update on {url}."
    return f"Incident {incident.incident_id} is {incident.status.value}; your update is on {url}."
