"""The status page read from the incidents table itself (moto, the API function's own IAM policy)."""

from __future__ import annotations

import json

from chalice.test import Client

import app as app_module
from chalicelib import bootstrap
from chalicelib.incidents.model import Incident, Status


def test_the_page_shows_what_a_person_opened_and_resolved_and_nothing_unconfirmed(aws, clock):
    # GIVEN an incident opened by hand and resolved, and one opened and still investigating
    service = bootstrap.container().incidents
    done = service.open("Logins failing", "We are looking into failed logins.", "maya")
    service.resolve(done.incident_id, "Logins work again.", "maya")
    live = service.open("Email delayed", "Outbound email is delayed.", "leo")
    # AND a suspected one, which nobody confirmed
    suspected = Incident(
        incident_id="I-5005005005", title="A burst nobody confirmed", status=Status.SUSPECTED, opened_at=clock()
    )
    bootstrap.container().incidents_table.add(suspected)
    # WHEN the status page's JSON is asked for (as the API function, under its own policy)
    with Client(app_module.app) as client:
        response = client.http.get("/status.json")
    # THEN both are there with their updates, the open one as open, and the reads were allowed
    assert response.status_code == 200
    page = json.loads(response.body)
    assert [i["id"] for i in page["incidents"]] == [live.incident_id]
    assert [i["id"] for i in page["history"]] == [done.incident_id]
    bodies = {u["body"] for u in page["history"][0]["incident_updates"]}
    assert bodies == {"We are looking into failed logins.", "Logins work again."}
    assert "A burst nobody confirmed" not in response.body.decode()
    assert aws.users["api_handler"].denied == []
