"""GET /status, /status.json and /status.atom through the Chalice app, with incidents from an in-memory reader."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from chalice.test import Client

import app as app_module
from chalicelib import bootstrap
from chalicelib.errors import DependencyError
from chalicelib.settings import Settings
from local.samples import ROOT
from tests.incident_fakes import NOW, FakeIncidentReader, outage

SETTINGS = Settings(
    stage="test",
    region="us-east-1",
    tickets_table="tickets",
    customers_table="customers",
    events_queue_url="https://sqs.invalid/events",
    public_base_url="https://status.acme.test",
    status_page_title="Acme",
)
ROUTES = {
    "/status": "text/html; charset=utf-8",
    "/status.json": "application/json",
    "/status.atom": "application/atom+xml; charset=utf-8",
}


class BrokenReader:
    def public(self, now: Any, days: int = 90) -> list[Any]:
        raise DependencyError("the incidents cannot be read")


@pytest.fixture
def serve() -> Iterator[Any]:
    def wire(**overrides: Any) -> Client:
        bootstrap.use(bootstrap.Container(SETTINGS, clock=lambda: NOW, **overrides))
        return Client(app_module.app)

    try:
        yield wire
    finally:
        bootstrap.use(None)


@pytest.mark.parametrize(("path", "content_type"), sorted(ROUTES.items()))
def test_each_form_is_public_cacheable_and_locked_down(serve: Any, path: str, content_type: str) -> None:
    # GIVEN an open incident
    reader = FakeIncidentReader([outage()])
    with serve(incident_reader=reader) as client:
        # WHEN anyone asks, without credentials
        response = client.http.get(path)
    # THEN it answers with the incident, cacheable for a minute, under the ack page's security headers
    assert response.status_code == 200
    assert response.headers["Content-Type"] == content_type
    assert response.headers["Cache-Control"] == "public, max-age=60"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "script-src" not in response.headers["Content-Security-Policy"]
    assert "Messages are not being delivered" in response.body.decode("utf-8")
    # the reader was asked once, at the app's clock, for the last 90 days
    assert reader.calls == [(NOW, 90)]


def test_the_page_names_the_company_and_links_to_itself(serve: Any) -> None:
    # GIVEN the settings' title and public URL, WHEN the JSON is fetched
    with serve(incident_reader=FakeIncidentReader([outage()])) as client:
        document = json.loads(client.http.get("/status.json").body)
    # THEN the page carries them
    assert document["page"]["name"] == "Acme"
    assert document["incidents"][0]["shortlink"] == "https://status.acme.test/status#I-0123456789"


@pytest.mark.parametrize("reader", [BrokenReader()], ids=["store-unavailable"])
def test_an_unreadable_store_answers_503_never_all_clear(serve: Any, reader: Any) -> None:
    # GIVEN a reader that fails, or none wired at all
    overrides = {"incident_reader": reader} if reader is not None else {}
    with serve(**overrides) as client:
        # WHEN the page is asked for
        response = client.http.get("/status")
    # THEN 503, not cached, and never a claim that all is well
    assert response.status_code == 503
    assert response.headers["Cache-Control"] == "no-store"
    assert b"Operational" not in response.body


def test_importing_the_app_does_not_load_jinja2() -> None:
    # GIVEN a fresh interpreter, WHEN it imports the app as a webhook's cold start does
    code = "import sys, app\nprint('jinja2' in sys.modules, 'chalicelib.incidents.status_page' in sys.modules)\n"
    env = {"AWS_DEFAULT_REGION": "us-east-1", "POWERTOOLS_SERVICE_NAME": "switchboard", "PATH": ""}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT, env=env)
    # THEN neither Jinja2 nor the page's renderer is loaded: only the status routes pay for them
    assert done.stdout.split() == ["False", "False"]


@pytest.mark.parametrize(("title", "shown"), [("Acme Inc", "Acme Inc"), ("", "Switchboard")], ids=["set", "default"])
def test_the_title_is_a_setting(title: str, shown: str) -> None:
    # GIVEN STATUS_PAGE_TITLE set or not, WHEN the settings are read
    env = {
        "TICKETS_TABLE": "t",
        "CUSTOMERS_TABLE": "c",
        "EVENTS_QUEUE_URL": "https://sqs.invalid/q",
        "PAGER_TOPICS": "{}",
        "WIDGET_SIGNING_SECRET": "s",
        "STATUS_PAGE_TITLE": title,
    }
    # THEN the page is titled with it, or with the product's name
    assert Settings.from_env(env).status_page_title == shown


def test_the_components_come_from_the_rules_incidents_section() -> None:
    # GIVEN rules whose incidents section lists components (the shape the rules file gives them)
    listed = [SimpleNamespace(name="API", description="The public API"), SimpleNamespace(name="Dashboard")]
    rules = SimpleNamespace(incidents=SimpleNamespace(components=listed))
    # WHEN the container builds the page's identity
    config = bootstrap.Container(SETTINGS, rules=rules).status_page
    # THEN each component is on the page in the rules' order, with the settings' title and URL
    assert [(c.name, c.description) for c in config.components] == [("API", "The public API"), ("Dashboard", "")]
    assert (config.title, config.url) == ("Acme", "https://status.acme.test/status")
    # and rules without an incidents section give a page without components
    assert bootstrap.Container(SETTINGS, rules=SimpleNamespace()).status_page.components == ()
