"""`make run`'s outage scene: a burst of reports becomes one incident and one page; the on-call person confirms
it from the page's link, customers hear it on their own channels, the status page shows it, and it is resolved.

Nothing is staged: the reports are signed sample requests sent through the API, the incident is what
triage made of them, and the confirmation and the resolution are the same GET and POSTs a phone's
browser makes to the page's link.
"""

from __future__ import annotations

import time
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

from local.burst import burst
from local.escalation_demo import _fetch, _title
from local.replay import send
from local.samples import local_secrets, signed

if TYPE_CHECKING:
    from chalicelib.incidents.model import Incident
    from local.platform import Platform

#: the burst: people on X, by email and in the website chat, within a couple of minutes
MENTIONS, EMAILS, CHATS = 6, 2, 2
CONFIRM_TEXT = "Many of you cannot load the app. We're investigating and will update you within 30 minutes."
RESOLVE_TEXT = "A bad deploy broke loading; we rolled it back and the app loads again for everyone. Sorry!"


class _Forms(HTMLParser):
    """Each form's action and its fields' default values, as a browser would submit them."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, dict[str, str]] = {}
        self._form: dict[str, str] | None = None
        self._field: str | None = None  # a textarea being read
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = self.forms.setdefault(a.get("action", ""), {})
        elif self._form is None:
            return
        elif tag == "input" and a.get("name") and a.get("type") not in ("submit", "checkbox", "radio"):
            self._form[a["name"]] = a.get("value", "")
        elif tag == "textarea" and a.get("name"):
            self._field = a["name"]
            self._form[self._field] = ""
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
        elif tag == "option" and self._select and ("selected" in a or self._select not in self._form):
            self._form[self._select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._field = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._field:
            self._form[self._field] += data


def form(html: str, action_suffix: str) -> tuple[str, dict[str, str]] | None:
    """The form whose action ends with ``action_suffix``: (action, its fields), or None."""
    parser = _Forms()
    parser.feed(html)
    return next(((a, f) for a, f in parser.forms.items() if a.endswith(action_suffix)), None)


class OutageDemo:
    def __init__(self, platform: Platform, say: Any) -> None:
        self.platform = platform
        self.say = say

    def run(self, timeout: float = 60.0) -> bool:
        from chalicelib import bootstrap

        p, say = self.platform, self.say
        assert p.worker is not None and p.inbox is not None
        c = bootstrap.container()
        before = c.incidents_table.active()
        if before is not None:
            earlier = c.incidents_table.reports(before.incident_id)
            say(f"\nThe replay's own outage reports already opened suspected incident {before.incident_id}"
                f" ({len(earlier)} reports, {len({r.sender_key for r in earlier})} people): its one page is above.")  # fmt: skip
        reports = burst(MENTIONS, EMAILS, CHATS)
        started = p.now()
        say(f"\nOutage: {len(reports)} people report that the app is down within a few minutes, on X ({MENTIONS}),"
            f" by email ({EMAILS}) and in the website chat ({CHATS}); each is signed and sent through the API.")  # fmt: skip
        statuses = [send(signed(r, local_secrets(), p.now(), p.api_url), p.api_url).status for r in reports]
        say(f"  {len(reports)} webhooks → {', '.join(sorted({str(s) for s in statuses}))}")
        p.worker.drain(timeout)
        incident = self._incident(timeout)
        if incident is None:
            say("⚠  outage scene: the burst opened no incident")
            return False
        linked = c.incidents_table.reports(incident.incident_id)
        p.inbox.drain()
        burst_reports = [r for r in linked if r.at >= started]
        quiet = sum(1 for r in burst_reports if (t := c.tickets.get(r.ticket_id)) and t.page_status.value == "none")
        say(f"\nOne suspected incident, {incident.incident_id}: “{incident.title}”, with {len(linked)} reports linked;"
            f" {quiet} of the burst's {len(burst_reports)} linked reports paged nobody, and each reporter was"
            " answered with where it stands. Nothing is public until a person confirms it.")  # fmt: skip
        page = c.pages.get(incident.page_id) if incident.page_id else None
        if page is None:
            say("⚠  outage scene: the incident has no page")
            return False
        person = page.levels[page.level].recipients[0]
        url = c.paging.link(page, person, p.now())
        shown, html = _fetch(url)
        say(f"\n{person.name} opens the page's link: GET {urlsplit(url).path} → {shown} (the incident, its reports,"
            " Confirm and tell customers, Dismiss as a false alarm)")  # fmt: skip
        confirmed = self._post(html, "/incident/confirm", {"body": CONFIRM_TEXT, "impact": "major"}, person.name,
                               "confirms it, in their own words")  # fmt: skip
        tickets = [r.ticket_id for r in linked]
        told = self._replies(tickets, 1, timeout)
        status_url = f"{p.api_url}/status"
        code, _page = _fetch(status_url)
        say(f"\nThe public status page: {status_url} → {code}; /status.json says {self._public_state()}"
            " (and /status.atom has one entry per update).")  # fmt: skip
        _, html = _fetch(url)
        resolved = self._post(html, "/incident/update", {"status": "resolved", "body": RESOLVE_TEXT}, person.name,
                              "resolves it from the same page")  # fmt: skip
        told = self._replies(tickets, 2, timeout) and told
        closed = sum(1 for r in linked if (t := c.tickets.get(r.ticket_id)) is not None and not t.is_open)
        say(f"\nEvery reporter heard the confirmation and the resolution on their own channel; {closed} of"
            f" {len(linked)} tickets are closed (a customer who writes again reopens only their own).")  # fmt: skip
        say(f"(all of it: .venv/bin/switchboard incident show {incident.incident_id} --local)")
        return shown == 200 and confirmed and resolved and told and code == 200 and closed == len(linked)

    def _public_state(self) -> str:
        """The status page's own words for what is open (Statuspage's JSON fields)."""
        import json

        code, body = _fetch(f"{self.platform.api_url}/status.json")
        if code != 200:
            return f"nothing ({code})"
        doc = json.loads(body)
        open_ = [f"“{i['name']}” ({i['status']}, {i['impact']})" for i in doc.get("incidents", [])]
        return f"“{doc['status']['description']}”: {', '.join(open_) or 'no open incident'}"

    def _incident(self, timeout: float) -> Incident | None:
        from chalicelib import bootstrap

        deadline = time.monotonic() + timeout
        incident: Incident | None = bootstrap.container().incidents_table.active()
        while incident is None and time.monotonic() < deadline:
            time.sleep(0.2)
            incident = bootstrap.container().incidents_table.active()
        return incident

    def _post(self, html: str, action: str, fields: dict[str, str], name: str, what: str) -> bool:
        found = form(html, action)
        if found is None:
            self.say(f"⚠  outage scene: the page has no {action} form")
            return False
        target, defaults = found
        url = target if target.startswith("http") else f"{self.platform.api_url}{target}"
        status, answer = _fetch(url, urlencode(defaults | fields).encode())
        self.say(f"\n{name} {what}: POST …{action} → {status} {_title(answer)}")
        return status == 200

    def _replies(self, tickets: list[str], update_no: int, timeout: float) -> bool:
        """Wait until each ticket's reply for the incident's ``update_no``-th update is settled; whether all were sent.

        The stand-in prints each as the customer gets it (SES's emails are printed by the platform).
        """
        from chalicelib import bootstrap
        from chalicelib.replies.model import ReplyKind, ReplyState

        p = self.platform
        assert p.replies_worker is not None
        outbox = bootstrap.container().reply_outbox
        deadline = time.monotonic() + timeout
        while True:
            p.replies_worker.drain(min(5.0, timeout))
            updates = [[r for r in outbox.for_ticket(t) if r.kind is ReplyKind.INCIDENT] for t in tickets]
            latest = [u[update_no - 1] for u in updates if len(u) >= update_no]
            settled = len(latest) == len(tickets) and all(r.state is not ReplyState.PENDING for r in latest)
            if settled or time.monotonic() >= deadline:
                return settled and all(r.state is ReplyState.SENT for r in latest)
            time.sleep(0.3)
