"""The SendGrid Inbound Parse adapter: URL token / basic auth, multipart parsing, mapping, loop guards."""

from __future__ import annotations

import base64
import hmac
from dataclasses import replace
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlsplit

import pytest

from chalicelib.channels import sendgrid
from chalicelib.channels.base import RawRequest
from chalicelib.errors import ConfigError, PayloadError, SignatureError
from chalicelib.model.event import Channel
from chalicelib.services.triage import ticket_id_for
from local.samples import EVENTS_DIR, SampleRequest, all_samples, load
from local.signers.sendgrid import LOCAL_SECRET, sign

NOW = datetime(2026, 11, 20, 8, 5, tzinfo=UTC)
BASE_URL = "http://127.0.0.1:8000"
SAMPLES = {s.name.split("/", 1)[1]: s for s in all_samples() if s.name.startswith("sendgrid/")}
SAM = "CAJ7xq3N5m0pL8bV2tR4kW9yZfQ1sD6hG0cE3aU8iO2nX5vB7wQ@mail.gmail.example"
DANA = "6C4D2E1A-9B7F-4C3E-A1D2-5F8E7B9C0A11@northwind.example"

# sample → (event id, (sender name, email), subject, thread key, text start, skipped reason)
EXPECTED = {
    "free-howto": (
        f"sendgrid:{SAM}",
        ("Sam Lee", "sam.lee@gmail.example"),
        "How do I export reports to CSV?",
        f"email:{SAM}",
        "Hi!\n\nHow do I export my reports to CSV?",
        None,
    ),
    "vip-outage": (
        f"sendgrid:{DANA}",
        ("Dana Whitfield", "dana@northwind.example"),
        "Dashboard down — investor meeting in 10 minutes",
        f"email:{DANA}",
        "Our dashboard is down and I have an investor meeting in 10 minutes.",
        None,
    ),
    "vip-outage-retry": (
        f"sendgrid:{DANA}",
        ("Dana Whitfield", "dana@northwind.example"),
        "Dashboard down — investor meeting in 10 minutes",
        f"email:{DANA}",
        "Our dashboard is down",
        None,
    ),
    "reply-in-thread": (
        "sendgrid:CAJ7xq3Pq8Rv2nT5mW0yZ4cX1bL6sD9hF3gK7eU2iO5aN8vB0wQ@mail.gmail.example",
        ("Sam Lee", "sam.lee@gmail.example"),
        "Re: How do I export reports to CSV?",
        f"email:{SAM}",
        "That worked, thanks! Is there a way to schedule the export every Monday?",
        None,
    ),
    "vip-outage-reply-plus-address": (
        "sendgrid:A1F09C77-2E4B-4D5A-9C3E-7B1D8E6F2A40@northwind.example",
        ("Dana Whitfield", "dana@northwind.example"),
        "Re: Dashboard down — investor meeting in 10 minutes",
        f"ticket:{ticket_id_for(f'sendgrid:{DANA}')}",
        "It's back up, thank you!",
        None,
    ),
    "with-attachment": (
        "sendgrid:20261120071502.3F7A1C9E2B@mail.trattoria.example",
        ("Marco Rossi", "marco@trattoria.example"),
        "Import fails with an error - log attached",
        "email:20261120071502.3F7A1C9E2B@mail.trattoria.example",
        "Hello,\n\nour menu import fails",
        None,
    ),
    "non-ascii": (
        "sendgrid:a3f1c2d4-5b6e-4f70-8192-a3b4c5d6e7f8@fabrikam.example",
        ("Jürgen Müller", "juergen@fabrikam.example"),
        "Grüße – Rechnung für November fehlt",
        "email:a3f1c2d4-5b6e-4f70-8192-a3b4c5d6e7f8@fabrikam.example",
        "Hallo zusammen,\n\ndie Rechnung für November fehlt – könnt ihr sie nochmal schicken? 🙏",
        None,
    ),
    "raw-mime": (
        "sendgrid:PH0PR11MB49521C3A2F7E8D9B0A1C2D3E4F5A6B7C@PH0PR11MB4952.namprd11.prod.outlook.example",
        ("Priya Raman", "priya@contoso.example"),
        "Pricing for 50 seats?",
        "email:PH0PR11MB49521C3A2F7E8D9B0A1C2D3E4F5A6B7C@PH0PR11MB4952.namprd11.prod.outlook.example",
        "Hello,\n\nwhat would pricing look like for 50 seats? The pricing page (screenshot attached) only goes up to 20.",
        None,
    ),
    "out-of-office": (None, None, None, None, None, "auto-reply: Auto-Submitted: auto-replied"),
    # a ticket (no Precedence, so not skipped here); its List-Id keeps it from being answered (replies/guard.py)
    "newsletter": (
        "sendgrid:a41f0c9be7d2f3a8c6e1b5d9.7c3e2f1a0b@mail181-7.suw21.mcsv.example",
        ("CloudMetrics", "news@cloudmetrics.example"),
        "November product news: faster dashboards 🚀",
        "email:a41f0c9be7d2f3a8c6e1b5d9.7c3e2f1a0b@mail181-7.suw21.mcsv.example",
        "November product news\n\nDashboards now load",
        None,
    ),
}


def raw_request(sample: SampleRequest, **changes: object) -> RawRequest:
    """The request as the route would build it from Chalice's: lower-cased headers, query parameters."""
    query = dict(parse_qsl(urlsplit(sample.path).query, keep_blank_values=True))
    request = RawRequest("POST", BASE_URL + sample.path, sample.headers, sample.body, query)
    return replace(request, **changes)  # type: ignore[arg-type]


def signed(name: str, secret: str = LOCAL_SECRET) -> RawRequest:
    return raw_request(sign(SAMPLES[name], secret, NOW, BASE_URL))


def test_every_sample_has_an_expectation():
    assert sorted(SAMPLES) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_sample_verifies_parses_and_maps(name):
    event_id, sender, subject, thread, text_start, skipped = EXPECTED[name]
    # GIVEN a sample post carrying the local token, as SendGrid would post it
    request = signed(name)
    # WHEN it is verified and handled
    sendgrid.verify(request, LOCAL_SECRET, NOW)
    inbound = sendgrid.handle(request, NOW)
    # THEN it is one event with the Message-ID as dedup key and the right thread, or a named skip
    if skipped:
        assert (inbound.events, inbound.skipped) == ((), (skipped,))
        return
    (event,) = inbound.events
    assert text_start is not None
    assert inbound.reply is None and inbound.skipped == ()
    assert event.event_id == event_id
    assert (event.sender.name, event.sender.email) == sender
    assert event.subject == subject
    assert event.thread_key == thread
    assert event.text.startswith(text_start)
    assert event.channel is Channel.EMAIL and event.provider == "sendgrid" and event.received_at == NOW
    assert ">" not in event.text  # no quoted lines reach a human


def test_a_retry_maps_to_the_same_event_and_a_reply_to_its_first_messages_thread():
    # GIVEN the original, SendGrid's retry of it, and a later reply in the thread
    first, retry, reply = (
        sendgrid.handle(signed(n), NOW).events[0] for n in ("vip-outage", "vip-outage-retry", "free-howto")
    )
    in_thread = sendgrid.handle(signed("reply-in-thread"), NOW).events[0]
    # THEN the retry dedups, and the reply joins the thread its References root started
    assert first.event_id == retry.event_id
    assert in_thread.thread_key == reply.thread_key
    assert in_thread.event_id != reply.event_id


def test_attachments_are_listed_not_carried():
    # WHEN the posts with an attachment part (parsed mode) and a MIME attachment (raw mode) are handled
    parsed = sendgrid.handle(signed("with-attachment"), NOW).events[0]
    raw = sendgrid.handle(signed("raw-mime"), NOW).events[0]
    # THEN names, types and sizes are metadata; the content is nowhere in the event
    assert parsed.metadata["attachments"] == '[{"name":"import-error.log","type":"text/plain","size":217}]'
    assert raw.metadata["attachments"] == '[{"name":"pricing-page.png","type":"image/png","size":76}]'
    assert (parsed.metadata["mode"], raw.metadata["mode"]) == ("parsed", "raw")
    assert "prezzo" not in parsed.model_dump_json()
    assert parsed.metadata["spf"] == "pass" and parsed.metadata["envelope_to"] == "support@help.example.com"


def test_the_signer_fills_the_placeholder_token_or_basic_auth():
    # WHEN the sample is signed with a token, and with user:password
    with_token = sign(SAMPLES["free-howto"], "abc", NOW, BASE_URL)
    with_basic = sign(SAMPLES["free-howto"], "parse:s3cret", NOW, BASE_URL)
    # THEN the token replaces the placeholder, or basic auth replaces the token
    assert with_token.path == "/webhooks/sendgrid?token=abc"
    assert with_basic.path == "/webhooks/sendgrid"
    assert with_basic.headers["authorization"] == "Basic " + base64.b64encode(b"parse:s3cret").decode()


def _basic(credentials: str) -> dict[str, str]:
    return {"authorization": "Basic " + base64.b64encode(credentials.encode()).decode()}


UNSIGNED = raw_request(SAMPLES["free-howto"], url=BASE_URL + "/webhooks/sendgrid", query={})
USER_PASSWORD = "parse:s3cret-password"


@pytest.mark.parametrize(
    ("request_", "secret", "expected"),
    [
        pytest.param(signed("free-howto"), LOCAL_SECRET, None, id="token-ok"),
        pytest.param(
            replace(UNSIGNED, url=BASE_URL + f"/webhooks/sendgrid?token={LOCAL_SECRET}"),
            LOCAL_SECRET,
            None,
            id="token-in-url-only",
        ),
        pytest.param(signed("free-howto", "not-the-token"), LOCAL_SECRET, "credentials rejected", id="token-wrong"),
        pytest.param(signed("free-howto", LOCAL_SECRET + "x"), LOCAL_SECRET, "credentials rejected", id="token-longer"),
        pytest.param(signed("free-howto", "tökén-ünïcode"), LOCAL_SECRET, "credentials rejected", id="token-non-ascii"),
        pytest.param(UNSIGNED, LOCAL_SECRET, "missing credentials", id="token-missing"),
        pytest.param(replace(UNSIGNED, query={"token": ""}), LOCAL_SECRET, "missing credentials", id="token-empty"),
        pytest.param(
            replace(UNSIGNED, headers={**UNSIGNED.headers, **_basic(USER_PASSWORD)}), USER_PASSWORD, None, id="basic-ok"
        ),
        pytest.param(signed("free-howto", USER_PASSWORD), USER_PASSWORD, None, id="basic-ok-from-signer"),
        pytest.param(
            replace(UNSIGNED, headers={**UNSIGNED.headers, **_basic("parse:wrong")}),
            USER_PASSWORD,
            "credentials rejected",
            id="basic-wrong",
        ),
        pytest.param(
            replace(UNSIGNED, headers={**UNSIGNED.headers, "authorization": "Basic not*base64"}),
            USER_PASSWORD,
            "malformed Authorization",
            id="basic-malformed",
        ),
        pytest.param(
            replace(UNSIGNED, headers={**UNSIGNED.headers, **_basic("no-colon")}),
            USER_PASSWORD,
            "malformed Authorization",
            id="basic-no-colon",
        ),
        pytest.param(
            replace(UNSIGNED, headers={**UNSIGNED.headers, "authorization": "Bearer abc"}),
            LOCAL_SECRET,
            "missing credentials",
            id="other-scheme-ignored",
        ),
    ],
)
def test_credentials(request_, secret, expected):
    # WHEN a post's credentials are checked against the configured secret
    if expected is None:
        sendgrid.verify(request_, secret, NOW)
        return
    with pytest.raises(SignatureError) as err:
        sendgrid.verify(request_, secret, NOW)
    # THEN the reason tells the integrator what to fix
    assert expected in err.value.reason
    assert err.value.http_status == 401


def test_credentials_are_compared_in_constant_time(monkeypatch):
    # GIVEN a spy on hmac.compare_digest as the adapter uses it
    calls: list[tuple[object, object]] = []
    compare_digest = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return compare_digest(a, b)

    monkeypatch.setattr("hmac.compare_digest", spy)
    # WHEN a post carries both a wrong token and the right basic-auth credentials
    request = replace(
        signed("free-howto", "wrong-token"), headers={**UNSIGNED.headers, **_basic(LOCAL_SECRET.replace("-", ":", 1))}
    )
    sendgrid.verify(request, LOCAL_SECRET.replace("-", ":", 1), NOW)
    # THEN every presented credential went through compare_digest, as bytes (no early exit, no str TypeError)
    assert len(calls) == 2
    assert all(isinstance(a, bytes) and isinstance(b, bytes) for a, b in calls)


def test_an_unconfigured_secret_is_a_configuration_error_not_an_open_door():
    with pytest.raises(ConfigError):
        sendgrid.verify(replace(UNSIGNED, query={"token": ""}), "", NOW)


CT = "multipart/form-data; boundary=xYzZY"


def form(
    *fields: tuple[str, str | bytes], boundary: str = "xYzZY", newline: bytes = b"\r\n", close: bool = True
) -> bytes:
    """A multipart/form-data body the way SendGrid writes one; a field name with ';' carries a filename."""
    out = b""
    for name, value in fields:
        field, _, filename = name.partition(";")
        disposition = f'form-data; name="{field}"' + (f'; filename="{filename}"' if filename else "")
        data = value.encode() if isinstance(value, str) else value
        out += b"--" + boundary.encode() + newline + f"Content-Disposition: {disposition}".encode() + newline
        out += newline + data + newline
    return out + (b"--" + boundary.encode() + b"--" + newline if close else b"")


HEADERS = "From: Ann <ann@example.org>\r\nSubject: Hi\r\nMessage-ID: <m1@example.org>\r\nDate: Fri, 20 Nov 2026 08:00:00 +0000"
MINIMAL = (("headers", HEADERS), ("from", "Ann <ann@example.org>"), ("subject", "Hi"), ("text", "Hello there"))


def handled(body: bytes, content_type: str = CT, **kwargs: object):
    request = RawRequest(
        "POST", BASE_URL + "/webhooks/sendgrid?token=t", {"content-type": content_type}, body, {"token": "t"}
    )
    return sendgrid.handle(request, NOW, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("content_type", "body", "field", "reason"),
    [
        pytest.param("application/json", b"{}", "content-type", "expected multipart/form-data", id="not-multipart"),
        pytest.param("multipart/form-data", form(*MINIMAL), "content-type", "boundary", id="no-boundary"),
        pytest.param(
            "multipart/form-data; boundary=" + "b" * 71,
            form(*MINIMAL),
            "content-type",
            "boundary",
            id="boundary-too-long",
        ),
        pytest.param(CT, form(*MINIMAL, close=False), "body", "no closing boundary", id="truncated"),
        pytest.param(
            CT,
            b"--xYzZY\r\nContent-Type: text/plain\r\n\r\nx\r\n--xYzZY--\r\n",
            "body",
            "Content-Disposition",
            id="no-disposition",
        ),
        pytest.param(
            CT,
            b"--xYzZYjunk\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n--xYzZY--",
            "body",
            "after the boundary",
            id="junk-after-boundary",
        ),
        pytest.param(
            CT,
            b'--xYzZY\r\nContent-Disposition: form-data; name="a"\r\nx\r\n--xYzZY--',
            "body",
            "no empty line",
            id="no-blank-line",
        ),
        pytest.param(CT, form(*MINIMAL, ("text", "again")), "text", "sent twice", id="duplicate-field"),
        pytest.param(
            CT, form(*MINIMAL, *((f"x{i}", "v") for i in range(70))), "body", "more than 64 parts", id="too-many-parts"
        ),
        pytest.param(CT, form(*MINIMAL, ("html", "x" * 1_000_001)), "html", "larger than", id="field-too-large"),
        pytest.param(CT, form(*MINIMAL, ("charsets", "{not json")), "charsets", "not JSON", id="charsets-not-json"),
        pytest.param(
            CT, form(*MINIMAL, ("charsets", '{"text": 8}')), "charsets", "JSON object", id="charsets-not-strings"
        ),
        pytest.param(CT, form(*MINIMAL, ("envelope", "{nope")), "envelope", "JSON", id="envelope-not-json"),
        pytest.param(
            CT, form(*MINIMAL, ("envelope", '{"to": "a@b"}')), "envelope.to", "list", id="envelope-to-not-a-list"
        ),
        pytest.param(
            CT, form(*MINIMAL, ("attachments", "-1")), "attachments", "greater than", id="attachments-negative"
        ),
        pytest.param(
            CT,
            form(*MINIMAL, ("attachment-info", "[1]")),
            "attachment-info",
            "dictionary",
            id="attachment-info-not-object",
        ),
        pytest.param(CT, form(("text", "no headers")), "headers", "missing", id="neither-headers-nor-email"),
    ],
)
def test_malformed_posts_name_the_field(content_type, body, field, reason):
    # WHEN a malformed post is handled
    with pytest.raises(PayloadError) as err:
        handled(body, content_type)
    # THEN the error names the field to fix and says what is wrong
    assert err.value.field == field
    assert reason in err.value.reason and err.value.http_status == 400


def test_text_fields_are_decoded_in_the_charsets_sendgrid_names():
    # GIVEN a post whose text and subject SendGrid marked as ISO-8859-1
    body = form(
        ("headers", HEADERS),
        ("from", "Jürgen <j@fabrikam.example>".encode("iso-8859-1")),
        ("subject", "Grüße".encode("iso-8859-1")),
        ("text", "Die Rechnung für November fehlt.".encode("iso-8859-1")),
        ("charsets", '{"from":"iso-8859-1","subject":"ISO-8859-1","text":"iso-8859-1"}'),
    )
    # WHEN handled THEN the bytes are read in that charset
    event = handled(body).events[0]
    assert (event.sender.name, event.subject, event.text) == ("Jürgen", "Grüße", "Die Rechnung für November fehlt.")


def test_lf_only_line_endings_are_tolerated():
    # GIVEN a hand-made post with bare LF (curl scripts, test tools)
    event = handled(form(*MINIMAL, newline=b"\n")).events[0]
    # THEN it parses as if it had CRLF
    assert (event.event_id, event.text) == ("sendgrid:m1@example.org", "Hello there")


def test_without_a_message_id_the_dedup_key_is_a_stable_hash_of_the_content():
    # GIVEN the same email without a Message-ID posted twice, and a different one
    headers = "From: Ann <ann@example.org>\r\nDate: Fri, 20 Nov 2026 08:00:00 +0000"
    once, twice = (
        handled(form(("headers", headers), ("from", "Ann <ann@example.org>"), ("text", "Hi"))) for _ in range(2)
    )
    other = handled(form(("headers", headers), ("from", "Ann <ann@example.org>"), ("text", "Hi again")))
    # THEN the retry dedups, the new email does not, and the thread is keyed by the same hash
    a, b, c = once.events[0], twice.events[0], other.events[0]
    assert a.event_id == b.event_id != c.event_id
    assert a.event_id.startswith("sendgrid:sha256:")
    assert a.thread_key == "email:" + a.event_id.removeprefix("sendgrid:")


def test_html_only_posts_use_the_html_without_its_quote():
    body = form(("headers", HEADERS), ("html", "<p>New <b>text</b></p><blockquote>old</blockquote>"))
    assert handled(body).events[0].text == "New text"


def test_a_plus_tag_only_counts_on_our_domains_when_they_are_given():
    # GIVEN a reply whose Cc carries a ticket-shaped tag on the customer's own domain
    headers = HEADERS + "\r\nTo: support@help.example.com\r\nCc: tom+T-ABC1234567@northwind.example"
    body = form(("headers", headers), ("text", "hello"))
    # THEN with our domains configured it is ignored; without, it is taken
    assert handled(body, support_domains=["help.example.com"]).events[0].thread_key == "email:m1@example.org"
    assert handled(body).events[0].thread_key == "ticket:T-ABC1234567"


@pytest.mark.parametrize(
    ("headers", "envelope", "reason"),
    [
        pytest.param(
            "From: MAILER-DAEMON@mx.example\r\nSubject: Undelivered",
            '{"to":[],"from":""}',
            "bounce: mailer-daemon sender",
            id="mailer-daemon",
        ),
        pytest.param(
            "From: a@x\r\nSubject: x",
            '{"to":["support@help.example.com"],"from":""}',
            "bounce: empty envelope sender",
            id="null-sender",
        ),
        pytest.param(
            "From: a@x\r\nPrecedence: bulk", '{"to":[],"from":"a@x"}', "bulk mail: Precedence: bulk", id="bulk"
        ),
        pytest.param(
            "From: a@x\r\nX-Autoreply: yes", '{"to":[],"from":"a@x"}', "auto-reply: X-Autoreply", id="x-autoreply"
        ),
    ],
)
def test_bounces_and_bulk_mail_are_skipped(headers, envelope, reason):
    # WHEN a machine's email is posted THEN no event is made, and the reason says why
    inbound = handled(form(("headers", headers), ("text", "x"), ("envelope", envelope)))
    assert (inbound.events, inbound.skipped) == ((), (reason,))


def test_file_parts_are_measured_even_without_attachment_info():
    body = form(*MINIMAL, ("attachment1;notes.txt", b"\x00\x01binary\xff"), ("attachments", "1"))
    event = handled(body).events[0]
    assert event.metadata["attachments"] == '[{"name":"notes.txt","type":"application/octet-stream","size":9}]'


def test_the_samples_are_what_sendgrid_sends():
    # the real format: one fixed boundary, Sendlib's user agent, CRLF, a token placeholder for the signer
    for sample in SAMPLES.values():
        assert sample.headers["content-type"] == "multipart/form-data; boundary=xYzZY"
        assert sample.headers["user-agent"] == "Sendlib/1.0"
        assert sample.path == "/webhooks/sendgrid?token=<placeholder>"
        assert b"\r\n--xYzZY--\r\n" in sample.body and b"\n" not in sample.body.replace(b"\r\n", b"")
    assert (
        load(EVENTS_DIR / "sendgrid" / "vip-outage.json").body
        == load(EVENTS_DIR / "sendgrid" / "vip-outage-retry.json").body
    )
