"""`make run`'s escalation walk-through: one page, nobody answers, it escalates, a founder acknowledges by link
and answers the caller from the same page.

The page is the demo's own: a live call it places (signed as Twilio signs) after the replay, so the
walk-through is the same at any hour. Nothing else is staged: the scheduler's sweep escalates the page (the local stage caps every
acknowledgement timeout, ACK_TIMEOUT_CAP_SECONDS), and the acknowledgement is the same GET and POST
a phone's browser makes to the link in the page.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
import uuid
from dataclasses import replace
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from local.replay import LOOPBACK, send
from local.samples import EVENTS_DIR, SampleRequest, load, local_secrets, signed

if TYPE_CHECKING:
    from chalicelib.model.page import Page
    from local.platform import Platform


def _fetch(url: str, data: bytes | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET")
    if data is not None:
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with LOOPBACK.open(request, timeout=10) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


def _hidden(html: str, name: str) -> str:
    """A hidden field's value in the page's reply form (the one-time token)."""
    import re

    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    return found.group(1) if found else ""


#: what the founder types into the reply box
REPLY_TEXT = "Hi Alex, this is Maya from Switchboard. Sorry we missed your call: I'll ring you back in 5 minutes."


def _href(html: str, text: str) -> str:
    """The address of the link whose text starts with ``text`` ("" when there is none)."""
    import re
    from html import unescape

    found = re.search(rf'<a href="([^"]*)">{re.escape(text)}', html)
    return unescape(found.group(1)) if found else ""


def _notice(html: str) -> str:
    """The console's one-line notice (or its error) after an action."""
    import re
    from html import unescape

    found = re.search(r'<p class="notice[^"]*" role="(?:status|alert)">([^<]*)</p>', html)
    return unescape(found.group(1)) if found else _title(html)


class Browser:
    """What a phone's browser does for the demo: keeps the session cookie, follows redirects, submits a form
    with its hidden fields (the CSRF token among them)."""

    def __init__(self, base_url: str) -> None:
        import http.cookiejar

        self.base_url = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}), urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self.url = base_url

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    def get(self, url: str) -> tuple[int, str]:
        return self._open(urllib.request.Request(url if url.startswith("http") else f"{self.base_url}{url}"))

    def submit(self, html: str, action_suffix: str, fields: dict[str, str]) -> tuple[int, str]:
        from local.outage_demo import form

        found = form(html, action_suffix)
        if found is None:
            return 0, f"no {action_suffix} form on the page"
        action, defaults = found
        url = action if action.startswith("http") else f"{self.base_url}{action}"
        data = urlencode(defaults | fields).encode()
        request = urllib.request.Request(url, data=data, method="POST")
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
        return self._open(request)

    def _open(self, request: urllib.request.Request) -> tuple[int, str]:
        try:
            with self.opener.open(request, timeout=10) as response:
                self.url = response.geturl()
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8", "replace")


def _title(html: str) -> str:
    start, end = html.find("<h1>"), html.find("</h1>")
    return html[start + 4 : end] if 0 <= start < end else html[:60]


#: the demo's own live call: the support line rung by someone who is not a customer, so the call
#: opens a page of its own at any hour (an unknown caller folds into no customer's page), and a live
#: call's ladder (the on-call person, then the founders) does not depend on the hour either. Following
#: "the first open page with two levels" followed whichever opened first: by day, a prospect's.
CALL_SAMPLE = EVENTS_DIR / "twilio" / "call-01-incoming.json"
DEMO_CALLER = {"From": "+13125550199", "Caller": "+13125550199", "CallerName": "Alex Kim", "FromCity": "CHICAGO"}


def demo_call(sample: SampleRequest, call_sid: str) -> SampleRequest:
    """The sample call, placed anew by DEMO_CALLER with its own CallSid (unsigned: sign it before sending)."""
    fields = dict(parse_qsl(sample.body.decode("utf-8"), keep_blank_values=True))
    fields |= {**DEMO_CALLER, "CallSid": call_sid, "FromState": "IL", "CallerCity": "CHICAGO"}
    return replace(sample, name="twilio/demo-live-call", body=urlencode(fields).encode("utf-8"))


class EscalationDemo:
    def __init__(self, platform: Platform, say: Any) -> None:
        self.platform = platform
        self.say = say
        self.call_sid = "CA" + uuid.uuid4().hex
        self.event_id = f"twilio:call:{self.call_sid}"

    def _place_call(self, timeout: float) -> Page | None:
        """Ring the support line as Twilio would (signed at the platform's time), and wait for the call's page."""
        p = self.platform
        request = signed(demo_call(load(CALL_SAMPLE), self.call_sid), local_secrets(), p.now(), p.api_url)
        delivery = send(request, p.api_url)
        self.say(
            f"\nA caller nobody knows ({DEMO_CALLER['CallerName']}) rings the support line: POST {request.path}"
            f" → {delivery.status}, TwiML that rings the on-call person (the demo's own call, at any hour)"
        )
        deadline = time.monotonic() + timeout
        while (page := self._followed_page()) is None and time.monotonic() < deadline:
            if p.worker is not None:
                p.worker.drain(min(5.0, timeout))
            time.sleep(0.2)
        return page

    def _followed_page(self) -> Page | None:
        """The open page the demo's call opened (or was folded into), if any."""
        from chalicelib import bootstrap
        from chalicelib.model.page import PageState

        p = self.platform
        assert p.stack is not None
        items = p.clients["dynamodb"].scan(TableName=p.stack.outputs["TicketsTableName"])["Items"]
        pages = [bootstrap.container().pages.get(i["page_id"]["S"]) for i in items if i["sk"]["S"] == "PAGE"]
        candidates = [pg for pg in pages if pg and pg.state is PageState.OPEN and self.event_id in pg.folded]
        return min(candidates, key=lambda pg: (pg.opened_at, pg.page_id), default=None)

    def run(self, timeout: float = 60.0) -> bool:
        from chalicelib import bootstrap
        from chalicelib.model.page import PageState
        from chalicelib.paging.escalation import describe_recipients
        from local.tables import ticket_for_event

        p, say = self.platform, self.say
        assert p.stack is not None and p.inbox is not None
        c = bootstrap.container()
        page = self._place_call(timeout)
        if page is None or len(page.levels) < 2:
            say(f"⚠  escalation demo: no open page with more than one level for {self.event_id} to follow")
            return False
        row = ticket_for_event(p.clients["dynamodb"], p.stack.outputs["TicketsTableName"], page.folded[0])
        assert row is not None
        first = page.levels[0]
        say(
            f"\nEscalation: {page.customer}'s {page.channel} message ({row.ticket_id}) paged level 1 of"
            f" {len(page.levels)}, {describe_recipients(first)}. "
            f"Nobody answers: the local stage gives each level {first.ack_timeout_seconds} s and sweeps every few"
            " seconds (in AWS: the policy's timeouts, a sweep every minute)."
        )
        page = self._wait(page.page_id, lambda pg: pg.level >= 1 or pg.state is not PageState.OPEN, timeout)
        p.inbox.drain()
        if page.level < 1 or page.state is not PageState.OPEN:
            say(f"⚠  escalation demo: page {page.page_id} did not escalate within {timeout:.0f} s")
            return False
        founder = page.levels[page.level].recipients[0]
        url = c.paging.link(page, founder, p.now())
        shown, ack_html = _fetch(url)
        say(f"\n{founder.name} opens her link: GET {urlsplit(url).path} → {shown} (the page: the whole message, an"
            " Acknowledge button, and Open in the console)")  # fmt: skip
        browser = Browser(p.api_url)
        console_link = _href(ack_html, "Open in the console")
        landed, ticket_html = browser.get(console_link) if console_link else (0, "")
        say(f"She opens it in the console: GET {urlsplit(console_link).path} → {landed} {browser.path}"
            " (signed in for 12 hours by the link, with no password)")  # fmt: skip
        status, html = browser.submit(ticket_html, "/acknowledge", {})
        say(f"{founder.name} presses Acknowledge in the console: POST …/acknowledge → {status} {_notice(html)}")
        before = c.pages.get(page.page_id)
        time.sleep(2 * self._sweep_seconds())
        after = c.pages.get(page.page_id)
        p.inbox.drain()
        quiet = before is not None and after is not None and after.step == before.step
        say(
            f"Later sweeps change nothing: step {after.step if after else '?'}, state {after.state.value if after else '?'}."
        )
        replied = self._reply(browser, founder.name, timeout)
        say(f"\nTimeline of {row.ticket_id} (UTC):")
        # the timeline's own lines and those its settled replies keep, in time order
        lines = [*c.pages.timeline(row.ticket_id), *c.reply_outbox.entries(row.ticket_id)]
        for entry in sorted(lines, key=lambda e: e.at):
            say(f"  {entry.at:%H:%M:%S}  {entry.kind.value:<13} {entry.text}")
        say(f"(all of it: .venv/bin/switchboard tickets show {row.ticket_id} --local)")
        return status == 200 and quiet and after is not None and after.state is PageState.ACKED and replied

    def _reply(self, browser: Browser, name: str, timeout: float) -> bool:
        """The founder answers the caller from the console's reply box; the stand-in shows the customer's SMS."""
        p, say = self.platform, self.say
        assert p.standin is not None and p.replies_worker is not None
        shown, html = browser.get(browser.url)
        before = len(p.standin.received)
        status, answer = browser.submit(html, "/reply", {"text": REPLY_TEXT})
        say(f"\n{name} types a reply in the console: POST …/reply → {status} {_notice(answer)}")
        p.replies_worker.drain(min(20.0, timeout))
        received = p.standin.wait_for(before + 1, timeout=min(20.0, timeout))
        return shown == 200 and status == 200 and len(received) > before

    def _sweep_seconds(self) -> float:
        scheduler = self.platform.scheduler
        periods = [s.period.total_seconds() for s in (scheduler.schedules if scheduler else []) if s.period]
        return min(periods, default=1.0)

    def _wait(self, page_id: str, done: Any, timeout: float) -> Page:
        from chalicelib import bootstrap

        deadline = time.monotonic() + timeout
        page: Page = bootstrap.container().pages.get(page_id)
        while not done(page) and time.monotonic() < deadline:
            time.sleep(0.5)
            page = bootstrap.container().pages.get(page_id)
        return page
