"""The app behind the HTTP API: payload-1.0 events get the answers the REST API's events got.

Each request is sent twice through ``app.app(event, context)``, as the REST API would hand it to Lambda
(PUBLIC_BASE_URL the REST API's URL, with its /api stage) and as the HTTP API does (PUBLIC_BASE_URL the
HTTP API's $default URL), each signed for the URL its provider would call. The answers must match, but
for the public URL and the stage prefix in links, which must name the API that was called.
tests/functional/api_gateway_events.py says how each event is built and from what.
"""

from __future__ import annotations

import base64
import re
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

import pytest

from chalicelib import bootstrap
from chalicelib.console import session
from chalicelib.model.page import PageState
from local.samples import SampleRequest, local_secrets, signed
from tests.functional.api_gateway_events import HTTP_API, REST_API, REST_STAGE, http_event, invoke, rest_event
from tests.functional.conftest import NIGHT
from tests.functional.paging_helpers import LINK, SAMPLES, deliver, paged

FORM = {"content-type": "application/x-www-form-urlencoded"}


def _serve(aws: Any, public_url: str) -> None:
    """The app's containers with ``public_url`` as PUBLIC_BASE_URL (what the template sets per API)."""
    aws.wire(replace(aws.settings, public_base_url=public_url), clock=lambda: NIGHT)


def through_rest(aws: Any, request: SampleRequest) -> tuple[int, dict[str, Any], str]:
    _serve(aws, REST_API)
    return invoke(rest_event(request.method, request.path, request.headers, request.body))


def through_http(aws: Any, request: SampleRequest, encoded: bool | None = None) -> tuple[int, dict[str, Any], str]:
    _serve(aws, HTTP_API)
    return invoke(http_event(request.method, request.path, request.headers, request.body, encoded=encoded))


#: a reply form's one-time key (a fresh random value each time the form is shown, on any API)
_REPLY_KEY = re.compile(r'name="token" value="[^"]*"')


def answered(answer: tuple[int, dict[str, Any], str]) -> tuple[int, str, str]:
    """(status, Location, body) with the reply form's random key blanked."""
    status, headers, body = answer
    return status, str(headers.get("Location", "")), _REPLY_KEY.sub('name="token" value=""', body)


def as_if_called_on_the_http_api(answer: tuple[int, dict[str, Any], str]) -> tuple[int, str, str]:
    """A REST API answer with its public URL and stage prefix written as the HTTP API's: what must remain equal."""
    status, location, body = answered(answer)
    prefix = re.compile(rf'(["= ]|^)/{REST_STAGE}/')
    return status, prefix.sub(r"\1/", location), prefix.sub(r"\1/", body.replace(REST_API, HTTP_API))


WEBHOOKS = [
    # (sample in events/, the status both APIs answer with, what the HTTP API's answer says)
    pytest.param("sendgrid/with-attachment", 200, '{"event_ids":["sendgrid:', id="sendgrid-multipart-base64"),
    pytest.param("twilio/sms-01-urgent", 200, "<Response />", id="twilio-sms-form-signed-over-the-public-url"),
    # the TwiML sends Twilio back to the API it called: the HTTP API's URL, no stage
    pytest.param(
        "twilio/call-01-incoming", 200, f'<Dial action="{HTTP_API}/webhooks/twilio/dial?', id="twilio-live-call-twiml"
    ),
    pytest.param("slack/url-verification", 200, '{"challenge":"3eZbrw1aBm2r', id="slack-url-verification"),
    pytest.param("slack/app-mention", 200, '{"event_ids":["slack:', id="slack-event"),
    pytest.param("widget/vip-outage", 202, '{"event_id":"widget:msg_', id="widget-json"),
    pytest.param("meta/subscribe", 200, "1158201444", id="meta-get-challenge-query-string"),
    pytest.param("meta/messenger-message", 200, '{"event_ids":["meta:', id="meta-post"),
    pytest.param("x/crc", 200, '{"response_token":"sha256=', id="x-get-crc-query-string"),
    pytest.param("x/dm-pricing", 200, '{"event_ids":["x:dm:', id="x-post"),
]


@pytest.mark.parametrize(("name", "status", "says"), WEBHOOKS)
def test_a_webhook_gets_from_the_http_api_the_answer_the_rest_api_gave(aws, name, status, says):
    # GIVEN a provider's request, signed for the URL it calls on each API (Twilio signs the URL)
    sample = SAMPLES[name]
    # WHEN it arrives through the REST API, then through the HTTP API
    rest = through_rest(aws, signed(sample, local_secrets(), NIGHT, REST_API))
    queued_by_rest = len(aws.queue_messages())
    http = through_http(aws, signed(sample, local_secrets(), NIGHT, HTTP_API))
    # THEN both answer the same, the HTTP API's naming its own URL wherever the REST API's named its own
    assert (rest[0], http[0]) == (status, status), (rest, http)
    assert says in http[2]
    assert answered(http) == as_if_called_on_the_http_api(rest)
    # AND the HTTP API's request queued what the REST API's did (nothing, for a challenge)
    assert len(aws.queue_messages()) == 2 * queued_by_rest


@pytest.mark.parametrize(
    ("name", "encoded"),
    [
        pytest.param("twilio/sms-01-urgent", False, id="form-as-text"),
        pytest.param("twilio/sms-01-urgent", True, id="form-base64"),
        pytest.param("widget/vip-outage", False, id="json-as-text"),
        pytest.param("widget/vip-outage", True, id="json-base64"),
        pytest.param("sendgrid/with-attachment", True, id="multipart-base64"),
    ],
)
def test_a_body_is_read_whether_or_not_the_http_api_base64_encoded_it(aws, name, encoded):
    # GIVEN a signed request whose body the HTTP API hands over as text, or base64-encoded
    request = signed(SAMPLES[name], local_secrets(), NIGHT, HTTP_API)
    # WHEN it arrives THEN its signature verifies over the decoded bytes and it is queued
    status, _, _ = through_http(aws, request, encoded=encoded)
    assert status in (200, 202)
    assert len(aws.queue_messages()) == 1


def test_twilio_signed_for_the_rest_apis_url_is_refused_on_the_http_api(aws):
    # GIVEN an SMS Twilio signed for the REST API's URL (a number still configured with the old webhook)
    request = signed(SAMPLES["twilio/sms-01-urgent"], local_secrets(), NIGHT, REST_API)
    # WHEN it reaches the HTTP API THEN the signature does not verify over the URL the app knows, and nothing is queued
    status, _, _ = through_http(aws, request)
    assert status == 401
    assert aws.queue_messages() == []


def _ack_link(aws: Any) -> str:
    """An ack link from a real page: a live call triaged and paged (its path and query, no host)."""
    deliver(aws, "twilio/call-01-incoming")
    [page] = paged(aws)
    [link] = LINK.findall(page["text"])
    return str(link)


def test_an_ack_link_with_its_path_parameter_is_served_and_acknowledged_through_the_http_api(aws):
    # GIVEN an ack link (GET /ack/{page_id}?…): the route's template is what both APIs name as the resource
    link = _ack_link(aws)
    page_id = urlsplit(link).path.rsplit("/", 1)[1]
    request = SampleRequest("ack/link", "", "GET", link, {"accept": "text/html"}, b"")
    # WHEN the page is opened through each API
    rest, http = through_rest(aws, request), through_http(aws, request)
    # THEN the same page is shown; its console link names the stage of the API called
    assert http[0] == 200 and "Acknowledge" in http[2]
    assert answered(http) == as_if_called_on_the_http_api(rest)
    assert f'"/{REST_STAGE}/console/' in rest[2] and '"/console/' in http[2]
    # AND the form's POST (a form body, base64-encoded by the HTTP API) acknowledges the page
    form = SampleRequest("ack/post", "", "POST", urlsplit(link).path, FORM, urlsplit(link).query.encode())
    status, _, _ = through_http(aws, form)
    assert status == 200
    assert bootstrap.container().pages.get(page_id).state == PageState.ACKED


def _signed_in(aws: Any) -> tuple[str, str]:
    """(a ticket id, the session cookie of a person it paged): a widget message triaged and paged."""
    deliver(aws, "widget/vip-outage")
    operator = bootstrap.container()
    [ticket_id] = [i["ticket_id"]["S"] for i in aws.tickets()]
    [page_id] = dict.fromkeys(e.page_id for e in operator.pages.timeline(ticket_id) if e.page_id)
    person = operator.pages.get(page_id).current.recipients[0].person
    token = session.issue(person, NIGHT, operator.secret("console").get())
    return ticket_id, f"{session.COOKIE}={token}"


@pytest.mark.parametrize("signed_in", [True, False], ids=["signed-in", "sent-to-sign-in"])
def test_a_console_page_with_a_path_parameter_is_the_same_on_both_apis(aws, signed_in):
    # GIVEN a ticket's page in the console (GET /console/tickets/{ticket_id}), with or without a session
    ticket_id, cookie = _signed_in(aws)
    headers = {"accept": "text/html", **({"cookie": cookie} if signed_in else {})}
    request = SampleRequest("console/ticket", "", "GET", f"/console/tickets/{ticket_id}", headers, b"")
    # WHEN it is asked for through each API
    rest, http = through_rest(aws, request), through_http(aws, request)
    # THEN the same page, or the same redirect to sign in, comes back; links stay inside the API's stage
    assert answered(http) == as_if_called_on_the_http_api(rest)
    if signed_in:
        assert http[0] == 200 and ticket_id in http[2]
    else:
        location = f"/console/sign-in?next=%2Fconsole%2Ftickets%2F{ticket_id}"
        assert (http[0], http[1]["Location"], rest[1]["Location"]) == (303, location, f"/{REST_STAGE}{location}")


def test_the_events_name_the_route_template_and_the_stage_as_each_api_does():
    # GIVEN a request to a route with a path parameter and a query string
    rest = rest_event("GET", "/ack/P-0123456789?p=a&s=b", {"Accept": "text/html"})
    http = http_event("GET", "/ack/P-0123456789?p=a&s=b", {"Accept": "text/html"})
    # THEN both name the route's template, which is what Chalice routes on
    assert rest["requestContext"]["resourcePath"] == http["requestContext"]["resourcePath"] == "/ack/{page_id}"
    assert http["resource"] == "/ack/{page_id}" and http["pathParameters"] == {"page_id": "P-0123456789"}
    # AND only the REST API puts its stage in the path; the HTTP API's headers are lower case
    assert (rest["requestContext"]["path"], http["requestContext"]["path"]) == (
        "/api/ack/P-0123456789",
        "/ack/P-0123456789",
    )
    assert http["requestContext"]["stage"] == "$default" and "accept" in http["headers"]
    assert http["multiValueQueryStringParameters"] == {"p": ["a"], "s": ["b"]}
    assert base64.b64decode(http_event("POST", "/webhooks/twilio/sms", FORM, b"a=1")["body"]) == b"a=1"
