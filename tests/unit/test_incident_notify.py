"""What each reporter of an incident is told, and when: every channel every update, SMS only confirm and resolve."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.incidents import notify
from chalicelib.incidents.lifecycle import confirm, move
from chalicelib.incidents.model import Incident, Status
from chalicelib.model.event import Channel

AT = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)
URL = "https://status.example.com/prod/status"


def suspected(source: str = "burst") -> Incident:
    return Incident(incident_id="I-0123456789", title="Possible incident: 7 customers on X report an outage",
                    status=Status.SUSPECTED, opened_at=AT, source=source)  # fmt: skip


def story() -> Incident:
    """Confirmed, identified, monitoring, resolved: four public updates."""
    incident = confirm(suspected(), "Logins fail for many of you.", "dana", AT)
    for n, (status, body) in enumerate(
        [(Status.IDENTIFIED, "A bad deploy."), (Status.MONITORING, "Rolled back."), (Status.RESOLVED, "All good.")]
    ):
        incident = move(incident, status, body, "dana", AT + timedelta(minutes=5 * (n + 1)))
    return incident


@pytest.mark.parametrize(
    ("channel", "heard"),
    [
        pytest.param(Channel.X, [True, True, True, True], id="x-every-update"),
        pytest.param(Channel.EMAIL, [True, True, True, True], id="email-every-update"),
        pytest.param(Channel.WIDGET, [True, True, True, True], id="chat-every-update"),
        pytest.param(Channel.SMS, [True, False, False, True], id="sms-confirm-and-resolve"),
        pytest.param(Channel.VOICE, [True, False, False, True], id="caller-by-sms-confirm-and-resolve"),
    ],
)
def test_each_channel_hears_its_updates(channel, heard):
    # GIVEN an incident confirmed, updated twice and resolved
    incident = story()
    # WHEN each update is weighed for a customer on `channel` THEN SMS hears only the first and the last
    assert [notify.hears(channel, incident, u) for u in incident.updates] == heard


def test_a_suspected_or_dismissed_incident_is_told_to_nobody():
    # GIVEN a suspected incident dismissed as a false alarm
    dismissed = move(suspected(), Status.DISMISSED, "Unrelated reports.", "dana", AT)
    # THEN its update is nobody's business, on any channel
    assert not any(notify.hears(c, dismissed, dismissed.updates[-1]) for c in Channel)


def test_an_operator_opened_incident_counts_its_first_update_as_the_confirmation():
    # GIVEN an incident opened by hand (public at once), then updated and resolved
    opened = Incident(incident_id="I-1", title="Email delayed", status=Status.INVESTIGATING, opened_at=AT,
                      source="operator")  # fmt: skip
    opened = move(opened, Status.INVESTIGATING, "Looking.", "dana", AT)
    opened = move(opened, Status.IDENTIFIED, "Found it.", "dana", AT)
    opened = move(opened, Status.RESOLVED, "Fixed.", "dana", AT)
    # THEN SMS hears the first and the last
    assert [notify.hears(Channel.SMS, opened, u) for u in opened.updates] == [True, False, True]


def test_confirming_gives_the_incident_a_public_title():
    # GIVEN the burst's title, written for the on-call person
    # WHEN confirmed without a title, and with one THEN the public one is plain, or the operator's
    assert confirm(suspected(), "On it.", "dana", AT).title == "Service disruption"
    assert confirm(suspected(), "On it.", "dana", AT, title="  Logins failing ").title == "Logins failing"


@pytest.mark.parametrize(
    ("index", "has"),
    [
        pytest.param(
            0, ["Hi Dana,", "We're investigating: Logins fail for many of you.", f"Follow along: {URL}"], id="confirmed"
        ),
        pytest.param(1, ["We've found the cause: A bad deploy."], id="identified"),
        pytest.param(3, ["Resolved: All good.", "Thank you for your patience.", URL], id="resolved"),
    ],
)
def test_an_update_is_in_the_operators_words_with_the_link(index, has):
    # GIVEN the story's updates WHEN worded for Dana THEN her name, the status, the operator's words and the link
    text = notify.update_text(story().updates[index], "Dana", URL)
    assert all(part in text for part in has), text
    assert "Possible incident" not in text  # the page's words are never the customer's


def test_a_long_update_is_cut_to_the_channels_limit_and_keeps_the_link():
    # GIVEN an update far longer than an SMS takes
    long = move(confirm(suspected(), "x" * 3000, "dana", AT), Status.RESOLVED, "y " * 2000, "dana", AT)
    # WHEN worded for SMS (1,600 characters) THEN it fits, ends with the link, and says it was cut
    text = notify.update_text(long.updates[-1], "Dana", URL, limit=1600)
    assert len(text) <= 1600 and text.endswith(URL) and "…" in text


@pytest.mark.parametrize(
    ("incident", "has"),
    [
        pytest.param(suspected(), "our on-call engineer has been paged", id="suspected"),
        pytest.param(
            confirm(suspected(), "Logins fail.", "dana", AT),
            "we know, and we're on it. We're investigating: Logins fail.",
            id="confirmed",
        ),
    ],
)
def test_a_new_reporter_hears_where_the_incident_stands(incident, has):
    # WHEN a new report links to the incident THEN its answer says where it stands
    text = notify.linked_text(incident, "Sam", URL)
    assert text.startswith("Hi Sam,") and has in text


def test_a_maintenance_report_hears_the_notice_and_the_window():
    # GIVEN maintenance 02:00-03:00 with its notice
    window = Incident(incident_id="I-2", title="Database upgrade", status=Status.SCHEDULED, opened_at=AT,
                      source="maintenance", starts_at=AT - timedelta(hours=1), ends_at=AT)  # fmt: skip
    window = move(window, Status.SCHEDULED, "Read-only for an hour.", "dana", AT)
    # THEN a report inside it is told so, with when it ends
    text = notify.linked_text(window, "Sam", URL)
    assert "scheduled maintenance until 03:00 UTC: Read-only for an hour." in text


def test_an_x_post_fits_280_with_the_link_counted_as_23():
    # GIVEN an update of 400 characters
    incident = confirm(suspected(), "z" * 400, "dana", AT)
    # WHEN posted THEN the words are cut so that the post, its link counted as X counts it, fits
    post = notify.announcement_text(incident.updates[-1], URL)
    assert post.endswith(" " + URL)
    assert len(post) - len(URL) + notify.X_LINK <= notify.X_LIMIT
