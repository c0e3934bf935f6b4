"""An incident from the console: the Now view links it; its page confirms, updates and resolves it as the
signed-in person, with the same forms as the ack page; CSRF is checked (moto, the API's IAM user)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from chalice.test import Client

import app as app_module
from chalicelib import bootstrap
from chalicelib.console import session
from chalicelib.incidents.model import Status
from tests.functional.test_ack_incident import _burst, _form

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _cookie(person: str, clock: Any) -> dict[str, str]:
    secret = bootstrap.container().secret("console").get()
    return {"cookie": f"{session.COOKIE}={session.issue(person, clock(), secret)}"}


def _get(path: str, cookie: dict[str, str]) -> Any:
    with Client(app_module.app) as client:
        return client.http.get(path, headers=cookie)


def _post(path: str, fields: list[tuple[str, str]], cookie: dict[str, str]) -> Any:
    with Client(app_module.app) as client:
        return client.http.post(path, headers={**FORM, **cookie}, body=urlencode(fields).encode())


def test_a_signed_in_person_runs_an_incident_from_the_console(aws, clock):
    # GIVEN a burst's suspected incident, and Maya signed in to the console (she is not on its page's ladder)
    incident, _link = _burst(aws, clock)
    cookie = _cookie("maya", clock)
    path = f"/console/incidents/{incident.incident_id}"
    # WHEN she opens Now THEN the incident is there, linked to its own page in the console
    now = _get("/console", cookie).body.decode()
    assert f'href="{path}"' in now and "confirm or dismiss it" in now
    # WHEN she opens it THEN the ack page's forms, carrying her session's CSRF token, not a link's signature
    shown = _get(path, cookie)
    html = shown.body.decode()
    assert shown.status_code == 200 and shown.headers["X-Frame-Options"] == "DENY"
    hidden = _form(html, "incident/confirm")
    assert set(hidden) == {"csrf"}
    # WHEN a confirm comes without the token THEN 403 and nothing changes
    refused = _post(f"{path}/incident/confirm", [("body", "Down."), ("impact", "major")], cookie)
    assert refused.status_code == 403
    assert bootstrap.container().incidents_table.get(incident.incident_id).status is Status.SUSPECTED
    # WHEN she confirms it with the token, in her words
    clock.now += timedelta(minutes=2)
    confirmed = _post(f"{path}/incident/confirm", [*hidden.items(), ("body", "Logins fail."), ("impact", "major")],
                      cookie)  # fmt: skip
    # THEN it is public, investigating, in her name; the reporters are told (their replies are in the outbox)
    assert confirmed.status_code == 200 and "Confirmed: it is on the status page" in confirmed.body.decode()
    done = bootstrap.container().incidents_table.get(incident.incident_id)
    assert done.status is Status.INVESTIGATING and done.updates[-1].by == "maya" and done.updates[-1].notified
    # WHEN she resolves it from the same page
    html = confirmed.body.decode()
    update = _form(html, "incident/update")
    clock.now += timedelta(minutes=5)
    resolved = _post(f"{path}/incident/update",
                     [*update.items(), ("status", "resolved"), ("body", "Fixed: logins work.")], cookie)  # fmt: skip
    # THEN it is resolved, its reporters' tickets closed
    assert resolved.status_code == 200 and "Resolved" in resolved.body.decode()
    assert bootstrap.container().incidents_table.get(incident.incident_id).status is Status.RESOLVED
    assert {t["status"]["S"] for t in aws.tickets()} == {"resolved"}


def test_without_a_session_the_incident_page_goes_to_sign_in_and_a_post_is_refused(aws, clock):
    # GIVEN a suspected incident and nobody signed in
    incident, _link = _burst(aws, clock)
    path = f"/console/incidents/{incident.incident_id}"
    # WHEN its console page is asked for, or a confirm posted THEN sign in first / 403, and nothing changes
    assert _get(path, {}).status_code == 303
    assert _post(f"{path}/incident/confirm", [("body", "x"), ("impact", "major")], {}).status_code == 403
    assert bootstrap.container().incidents_table.get(incident.incident_id).status is Status.SUSPECTED
