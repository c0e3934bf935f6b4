"""A suspected incident run from its page, against moto with the API's own IAM user: the burst's one page shows
the incident; the on-call person confirms it in their words (the page is taken), posts updates and resolves it,
or dismisses it as a false alarm. Forged forms change nothing; a repeat answers 409 with what already happened.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from chalice.test import Client

import app as app_module
from chalicelib import bootstrap
from chalicelib.incidents.model import Impact, Incident, Status
from chalicelib.model.page import PageState
from local.burst import x_mention
from local.samples import local_secrets, signed
from local.worker import QueueWorker
from tests.functional.conftest import PUBLIC_URL
from tests.functional.paging_helpers import LINK, paged

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
WORDS = "Logins fail for many of you since 08:00 UTC.\r\nWe are on it; next update by 08:45 UTC."


def _burst(aws: Any, clock: Any, people: int = 4) -> tuple[Incident, str]:
    """``people`` X accounts report the app down a minute apart: the suspected incident and its page's link."""
    worker = QueueWorker(aws.clients["sqs"], aws.stack.outputs["EventsQueueUrl"], app_module.triage, "triage")
    start = clock.now
    with Client(app_module.app) as client:
        for n in range(people):
            clock.now = start + timedelta(minutes=n)
            ready = signed(x_mention(n), local_secrets(), clock.now, PUBLIC_URL)
            assert client.http.post(ready.path, headers=ready.headers, body=ready.body).status_code in (200, 202)
            while worker.run_once(wait_seconds=0).received:
                pass
    (incident,) = bootstrap.container().incidents_table.open_incidents()
    (page,) = paged(aws)
    link = str(LINK.findall(page["text"])[0])
    assert incident.status is Status.SUSPECTED and incident.page_id == _page_id(link)
    return incident, link


def _page_id(link: str) -> str:
    return urlsplit(link).path.rsplit("/", 1)[-1]


def _get(link: str) -> Any:
    with Client(app_module.app) as client:
        return client.http.get(link)


def _post(path: str, fields: dict[str, str] | list[tuple[str, str]]) -> Any:
    with Client(app_module.app) as client:
        return client.http.post(path, headers=FORM, body=urlencode(fields).encode())


def _signed(link: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}


def _form(html: str, action: str) -> dict[str, str]:
    """A form's hidden fields, found by the end of its action."""
    [fields] = re.findall(rf'<form method="post" action="[^"]*/{action}">(.*?)</form>', html, re.S)
    return {k: unescape(v) for k, v in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', fields)}


def _incident(incident_id: str) -> Incident:
    found: Incident | None = bootstrap.container().incidents_table.get(incident_id)
    assert found is not None
    return found


def test_the_burst_page_shows_the_incident_and_a_confirm_runs_it_from_the_phone(aws, clock):
    # GIVEN four people on X reported the app down within four minutes: one suspected incident, one page
    incident, link = _burst(aws, clock)
    person = _signed(link)["p"]
    # WHEN the paged person opens their link
    shown = _get(link)
    html = shown.body.decode()
    # THEN above the ticket: the incident's title, the linked customers with their words, and both forms
    assert shown.status_code == 200 and shown.headers["X-Frame-Options"] == "DENY"
    assert html.index('aria-label="Incident"') < html.index("<dl>")
    assert unescape(incident.title) in unescape(html) and "4 customers linked so far" in html
    assert "X · Customer 0: @switchboard_app is the app down? nothing loads for me (0)" in unescape(html)
    assert "We&#x27;re investigating reports that" in html and "Confirm and tell customers" in html
    assert '<option value="major" selected>' in html and '<option value="app">app</option>' in html
    assert "Dismiss as a false alarm" in html
    # WHEN they confirm it in their own words, naming a component
    path = urlsplit(link).path
    fields = [*_form(html, "incident/confirm").items(), ("body", WORDS), ("impact", "critical"), ("component", "app")]
    clock.now += timedelta(minutes=2)
    confirmed = _post(f"{path}/incident/confirm", fields)
    # THEN it is public, investigating, their words its first update, in their name
    assert confirmed.status_code == 200, confirmed.body
    after = _incident(incident.incident_id)
    assert (after.status, after.impact, after.components) == (Status.INVESTIGATING, Impact.CRITICAL, ("app",))
    [first] = after.updates
    assert (first.body, first.by, first.at) == (WORDS.replace("\r\n", "\n"), person, clock.now)
    answer = confirmed.body.decode()
    assert f"Incident {incident.incident_id} is public: investigating, critical impact (app)" in answer
    assert f'href="{PUBLIC_URL}/status"' in answer and "You have the page: escalation stopped." in answer
    # AND a way back to the page: its own signed link again
    [back] = re.findall(r'<a href="([^"]*)">Back to the page</a>', answer)
    assert urlsplit(unescape(back)).path == path and _signed(unescape(back)) == _signed(link)
    # AND the page is taken: escalation stopped, in their name
    page = bootstrap.container().pages.get(_page_id(link))
    assert page is not None and (page.state, page.acked_by) == (PageState.ACKED, person)
    # AND the public status JSON shows it with their words
    with Client(app_module.app) as client:
        status = json.loads(client.http.get("/status.json").body)
    [public] = status["incidents"]
    assert public["id"] == incident.incident_id and public["status"] == "investigating"
    assert public["incident_updates"][0]["body"] == WORDS.replace("\r\n", "\n")
    # AND the page now shows its status, the status page's link and the update form
    again = _get(link).body.decode()
    assert "Confirmed by" in again and f'<a href="{PUBLIC_URL}/status">' in again
    assert "Confirm and tell customers" not in again and "Post update" in again


def test_confirming_twice_answers_409_with_who_confirmed_and_when(aws, clock):
    # GIVEN a burst's incident confirmed from its page
    incident, link = _burst(aws, clock)
    path = urlsplit(link).path
    fields = {**_form(_get(link).body.decode(), "incident/confirm"), "body": WORDS, "impact": "major"}
    assert _post(f"{path}/incident/confirm", fields).status_code == 200
    # WHEN the same form is sent again (a double tap, a resent POST)
    clock.now += timedelta(minutes=1)
    again = _post(f"{path}/incident/confirm", fields)
    # THEN 409, an HTML answer saying who confirmed it and when, and still one update
    assert again.status_code == 409 and again.headers["Content-Type"].startswith("text/html")
    body = again.body.decode()
    assert "Already confirmed" in body and "Nothing changed: Confirmed by " in body and " UTC on " in body
    assert len(_incident(incident.incident_id).updates) == 1
    # AND the dismiss form of the stale page is refused the same way
    dismissed = _post(f"{path}/incident/dismiss", {**fields, "reason": "oops"})
    assert dismissed.status_code == 409 and _incident(incident.incident_id).status is Status.INVESTIGATING


@pytest.mark.parametrize(
    ("route", "extra"),
    [
        pytest.param("confirm", {"body": "We are on it.", "impact": "major"}, id="confirm"),
        pytest.param("dismiss", {"reason": "noise"}, id="dismiss"),
        pytest.param("update", {"status": "resolved", "body": "Fixed."}, id="update"),
    ],
)
@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda f: {**f, "s": "AAAA"}, id="forged-signature"),
        pytest.param(lambda f: {**f, "p": "nobody"}, id="other-person"),
        pytest.param(lambda f: {k: v for k, v in f.items() if k != "s"}, id="unsigned"),
    ],
)
def test_a_forged_form_is_refused_and_changes_nothing(aws, clock, route, extra, tamper):
    # GIVEN a burst's suspected incident and its page
    incident, link = _burst(aws, clock, people=3)
    # WHEN a form with an altered signature is posted to one of the incident's routes
    refused = _post(f"{urlsplit(link).path}/incident/{route}", tamper({**_signed(link), **extra}))
    # THEN 403, and neither the incident nor the page moved
    assert refused.status_code == 403 and "This link does not work" in refused.body.decode()
    assert _incident(incident.incident_id) == incident
    page = bootstrap.container().pages.get(_page_id(link))
    assert page is not None and page.acked_by is None


@pytest.mark.parametrize(
    ("route", "fields", "status", "title"),
    [
        pytest.param("confirm", {"body": "x" * 40_000}, 413, "Not confirmed", id="oversized-confirm"),
        pytest.param("dismiss", {"reason": "x" * 5_000}, 413, "Not dismissed", id="oversized-dismiss"),
        pytest.param("confirm", {"body": "   "}, 400, "Not confirmed", id="no-words"),
        pytest.param("confirm", {"body": "On it.", "impact": "apocalyptic"}, 400, "Not confirmed", id="bad-impact"),
        pytest.param("confirm", {"body": "On it.", "component": "kitchen"}, 400, "Not confirmed", id="bad-component"),
        pytest.param("update", {"status": "monitoring", "body": "Fixed?"}, 409, "Not confirmed yet", id="too-early"),
    ],
)
def test_a_bad_form_is_refused_in_html_and_the_incident_stays_suspected(aws, clock, route, fields, status, title):
    incident, link = _burst(aws, clock, people=3)
    refused = _post(f"{urlsplit(link).path}/incident/{route}", {**_signed(link), **fields})
    assert refused.status_code == status and title in refused.body.decode()
    assert _incident(incident.incident_id).status is Status.SUSPECTED


def test_dismissing_from_the_page_closes_it_as_a_false_alarm(aws, clock):
    # GIVEN a burst's suspected incident
    incident, link = _burst(aws, clock, people=3)
    path = urlsplit(link).path
    # WHEN the paged person dismisses it with no reason
    dismissed = _post(f"{path}/incident/dismiss", {**_signed(link), "reason": ""})
    # THEN it is dismissed in their name as a "False alarm", and no longer the open one reports link to
    assert dismissed.status_code == 200 and "nothing was published" in dismissed.body.decode()
    after = _incident(incident.incident_id)
    assert after.status is Status.DISMISSED and [(u.body, u.by) for u in after.updates] == [
        ("False alarm", _signed(link)["p"])
    ]
    repo = bootstrap.container().incidents_table
    assert repo.active() is None and repo.open_incidents() == []
    # AND its reports stay linked, and the page says what became of it, with no forms left
    assert len(repo.reports(incident.incident_id)) == 3
    html = _get(link).body.decode()
    assert "Dismissed as a false alarm by" in html and "/incident/" not in html


def test_updates_from_the_page_walk_it_to_monitoring_then_resolve_it(aws, clock):
    # GIVEN a confirmed incident
    incident, link = _burst(aws, clock, people=3)
    path = urlsplit(link).path
    confirm = {**_signed(link), "body": "Investigating.", "impact": "major"}
    assert _post(f"{path}/incident/confirm", confirm).status_code == 200
    # WHEN the person posts "monitoring" from the page's update form
    form = _form(_get(link).body.decode(), "incident/update")
    assert form["seen"] == "1"
    clock.now += timedelta(minutes=10)
    watching = {**form, "status": "monitoring", "body": "A fix is out; we are watching."}
    posted = _post(f"{path}/incident/update", watching)
    # THEN it is monitoring, with their words as its second update
    assert posted.status_code == 200 and "Update posted" in posted.body.decode()
    after = _incident(incident.incident_id)
    assert after.status is Status.MONITORING and after.updates[-1].body == "A fix is out; we are watching."
    # WHEN the same form is sent again: 409, nothing posted twice
    again = _post(f"{path}/incident/update", watching)
    assert again.status_code == 409 and "Already posted" in again.body.decode()
    assert len(_incident(incident.incident_id).updates) == 2
    # WHEN they resolve it
    clock.now += timedelta(minutes=10)
    form = _form(_get(link).body.decode(), "incident/update")
    resolved = _post(f"{path}/incident/update", {**form, "status": "resolved", "body": "All working again."})
    # THEN it is resolved, closed, and shown as such on the page and the status page
    assert resolved.status_code == 200 and "Incident resolved" in resolved.body.decode()
    done = _incident(incident.incident_id)
    assert [u.status for u in done.updates] == [Status.INVESTIGATING, Status.MONITORING, Status.RESOLVED]
    assert bootstrap.container().incidents_table.open_incidents() == []
    html = _get(link).body.decode()
    assert "Resolved by" in html and "Post update" not in html
    with Client(app_module.app) as client:
        status = json.loads(client.http.get("/status.json").body)
    assert status["incidents"] == [] and status["status"]["indicator"] == "none"
    # AND a late update answers 409
    late = _post(f"{path}/incident/update", {**form, "status": "monitoring", "body": "Hm."})
    assert late.status_code == 409 and "Already closed" in late.body.decode()
