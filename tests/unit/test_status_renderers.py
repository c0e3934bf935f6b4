"""The status page's three forms: HTML (escaped, self-contained), Statuspage-style JSON, and a valid Atom feed."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from datetime import timedelta
from xml.etree import ElementTree as ET

import pytest

from chalicelib.incidents import status_atom, status_json, status_page
from chalicelib.incidents.model import Incident, Status
from chalicelib.incidents.status_view import Component, PageConfig, build
from tests.incident_fakes import NOW, maintenance, outage

CONFIG = PageConfig(title="Acme", components=(Component("Messaging", "SMS and chat"),), base_url="https://acme.test")
ODD = "<script>alert('x')</script> & \"quotes\" <b>bold</b>"
RESOLVED = outage(
    "I-00000000r1",
    "Slow dashboards",
    Status.RESOLVED,
    opened_at=NOW - timedelta(days=3),
    bodies=("Slow.", "Fast again."),
)
CASES = {
    "nothing": [],
    "one-open": [outage()],
    "maintenance": [maintenance()],
    "resolved-history": [RESOLVED],
    "odd-characters": [outage(title=ODD, bodies=(ODD, "second " + ODD), components=(ODD,))],
}
A = "{http://www.w3.org/2005/Atom}"


def _render(name: str, renderer: object) -> str:
    view = build(CASES[name], NOW, CONFIG)
    return renderer.render(view)  # type: ignore[attr-defined, no-any-return]


@pytest.mark.parametrize(
    ("case", "shown", "hidden"),
    [
        ("nothing", ["All Systems Operational", "No incidents in the last 90 days."], ["Open incidents"]),
        (
            "one-open",
            ["Partial System Outage", "Open incidents", "Messages are not being delivered", "Identified",
             "rolling it back", 'datetime="2026-11-17T09:00:00Z">2026-11-17 09:00 UTC</time>'],
            ["Scheduled maintenance", "No impact"],
        ),
        ("maintenance", ["Scheduled maintenance", "Dashboard database upgrade", "Maintenance from", "2026-11-19 10:30 UTC</time>"], []),
        ("resolved-history", ["Past incidents (last 90 days)", "Slow dashboards", "Resolved", "Fast again."], []),
        (
            "odd-characters",
            ["&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &#34;quotes&#34; &lt;b&gt;bold&lt;/b&gt;"],
            ["<script", "<b>bold"],
        ),
    ],
)  # fmt: skip
def test_the_html_page_shows_each_state_and_escapes_every_value(case: str, shown: list[str], hidden: list[str]) -> None:
    # GIVEN the incidents of one case, WHEN the page is rendered
    html = _render(case, status_page)
    # THEN what must show shows, and nothing else does (no markup of anyone's making among it)
    for text in shown:
        assert text in html
    for text in hidden:
        assert text not in html


def test_the_page_is_self_contained_and_its_style_is_the_one_the_csp_allows() -> None:
    # GIVEN a rendered page and its headers
    html = _render("one-open", status_page)
    headers = status_page.security_headers()
    # WHEN the inline style is hashed as a browser does
    style = re.search(r"<style>(.*?)</style>", html, re.S)
    assert style is not None
    digest = base64.b64encode(hashlib.sha256(style.group(1).encode("utf-8")).digest()).decode("ascii")
    # THEN the CSP allows exactly it and nothing else: no scripts, no external assets, no framing
    csp = headers["Content-Security-Policy"]
    assert f"style-src 'sha256-{digest}'" in csp and "default-src 'none'" in csp and "script" not in csp
    assert headers["X-Frame-Options"] == "DENY"
    assert not re.search(r"<(script|img|iframe)|src=", html)
    assert '<meta name="viewport"' in html and "prefers-color-scheme:dark" in html


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_json_has_statuspages_field_names(case: str) -> None:
    # GIVEN each case, WHEN rendered as JSON
    document = json.loads(_render(case, status_json))
    # THEN the top level and every incident and update carry Statuspage's names
    assert set(document) == {"page", "status", "components", "incidents", "scheduled_maintenances", "history"}
    assert set(document["status"]) == {"indicator", "description"}
    assert document["page"]["url"] == "https://acme.test/status"
    assert document["components"] == [
        {"name": "Messaging", "description": "SMS and chat", "status": document["components"][0]["status"]}
    ]
    every = document["incidents"] + document["scheduled_maintenances"] + document["history"]
    assert len(every) == len(CASES[case])
    for incident in every:
        assert {"id", "name", "status", "impact", "created_at", "updated_at", "resolved_at", "shortlink"} <= set(
            incident
        )
        assert incident["shortlink"] == f"https://acme.test/status#{incident['id']}"
        for update in incident["incident_updates"]:
            assert set(update) == {"id", "status", "body", "created_at"}


def test_the_json_keeps_the_operators_words_and_the_times_exactly() -> None:
    # GIVEN an open incident with odd characters, WHEN rendered as JSON
    document = json.loads(_render("odd-characters", status_json))
    incident = document["incidents"][0]
    # THEN the words come back unchanged (JSON escapes them), newest update first, times in UTC with a Z
    assert incident["name"] == ODD and incident["resolved_at"] is None
    assert [u["body"] for u in incident["incident_updates"]] == ["second " + ODD, ODD]
    assert incident["created_at"] == "2026-11-17T08:50:00Z"
    assert document["status"] == {"indicator": "major", "description": "Partial System Outage"}


def test_a_resolved_incident_says_when_and_maintenance_its_window() -> None:
    # GIVEN a resolved incident and an announced maintenance, WHEN rendered as JSON
    past = json.loads(_render("resolved-history", status_json))["history"][0]
    planned = json.loads(_render("maintenance", status_json))["scheduled_maintenances"][0]
    # THEN resolved_at is the resolving update's time, and the window is given as Statuspage names it
    assert past["resolved_at"] == "2026-11-14T09:40:00Z"
    assert (planned["scheduled_for"], planned["scheduled_until"]) == ("2026-11-19T09:30:00Z", "2026-11-19T10:30:00Z")


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_atom_feed_is_valid_with_one_entry_per_update(case: str) -> None:
    # GIVEN each case, WHEN rendered as Atom and parsed back as XML
    feed = ET.fromstring(_render(case, status_atom))
    # THEN it is an Atom feed with the elements RFC 4287 requires, and one entry per public update
    assert feed.tag == f"{A}feed"
    for required in ("id", "title", "updated", "author"):
        assert feed.find(f"{A}{required}") is not None
    entries = feed.findall(f"{A}entry")
    incidents: list[Incident] = CASES[case]
    assert len(entries) == sum(len(i.updates) for i in incidents)
    ids = [e.findtext(f"{A}id") for e in entries]
    assert len(set(ids)) == len(ids)
    for entry in entries:
        for required in ("id", "title", "updated", "content"):
            assert entry.find(f"{A}{required}") is not None
    updated = [e.findtext(f"{A}updated") or "" for e in entries]
    assert updated == sorted(updated, reverse=True)  # newest first
    if entries:
        assert feed.findtext(f"{A}updated") == updated[0]


def test_the_atom_feed_carries_odd_characters_as_text() -> None:
    # GIVEN updates full of markup characters, WHEN rendered as Atom and parsed back
    feed = ET.fromstring(_render("odd-characters", status_atom))
    # THEN the parser returns the operator's words exactly (they were escaped, not interpreted)
    contents = [e.findtext(f"{A}content") for e in feed.findall(f"{A}entry")]
    assert contents == ["second " + ODD, ODD]
    assert feed.findall(f"{A}entry")[0].findtext(f"{A}title") == f"{ODD}: Identified"
