"""Shared email helpers: thread keys, header parsing, MIME → text, quote trimming and loop guards."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest

from chalicelib.channels import email_text
from chalicelib.channels.email_text import (
    Headers,
    Mail,
    body_text,
    decode_bytes,
    html_to_text,
    parse_mime,
    to_event,
)
from chalicelib.channels.email_threads import (
    automated_reason,
    bounded_key,
    message_ids,
    reply_references,
    reply_signals,
    thread_key,
    ticket_tag,
)
from chalicelib.channels.quotes import trim_quoted
from chalicelib.errors import PayloadError

NOW = datetime(2026, 11, 20, 8, 5, tzinfo=UTC)
LONG_ID = "x" * 300 + "@mail.example"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("<a@x.example>", ["a@x.example"], id="one"),
        pytest.param("<root@x> <mid@y>\r\n <last@z>", ["root@x", "mid@y", "last@z"], id="several-folded"),
        pytest.param("<a@x>\t<b@y>", ["a@x", "b@y"], id="tab-separated"),
        pytest.param('<a@x> (Dana\'s message of "Fri, 20 Nov 2026")', ["a@x"], id="comment"),
        pytest.param("bare-id@x.example", ["bare-id@x.example"], id="no-angle-brackets"),
        pytest.param("<CaseKept@Mail.Example>", ["CaseKept@Mail.Example"], id="case-kept"),
        pytest.param("", [], id="empty"),
        pytest.param(None, [], id="absent"),
        pytest.param("no ids here", [], id="junk"),
    ],
)
def test_message_ids_are_extracted_in_order_without_brackets(value, expected):
    # WHEN a Message-ID, In-Reply-To or References value is read THEN its ids come out in order
    assert message_ids(value) == expected


@pytest.mark.parametrize(
    ("recipients", "domains", "expected"),
    [
        pytest.param(["support+T-ABC1234567@help.example.com"], (), "T-ABC1234567", id="plain"),
        pytest.param(["support+t-abc1234567@help.example.com"], (), "T-ABC1234567", id="lower-case-tag"),
        pytest.param(
            ['"Example Support" <support+T-0123456789@help.example.com>'], (), "T-0123456789", id="display-name"
        ),
        pytest.param(
            ["Tom <tom@northwind.example>, Support <support+T-ABCDEF0123@help.example.com>"],
            (),
            "T-ABCDEF0123",
            id="second-address-in-to",
        ),
        pytest.param(
            ["support@help.example.com", "support+T-ABC1234567@help.example.com"], (), "T-ABC1234567", id="cc"
        ),
        pytest.param(["dana+work@northwind.example"], (), None, id="plus-tag-not-a-ticket"),
        pytest.param(["support+T-ABC123@help.example.com"], (), None, id="tag-too-short"),
        pytest.param(["support+T-ABC123456Z@help.example.com"], (), None, id="tag-not-hex"),
        pytest.param(
            ["tom+T-ABC1234567@northwind.example"], (), "T-ABC1234567", id="other-domain-counts-without-domains"
        ),
        pytest.param(
            ["tom+T-ABC1234567@northwind.example"], ("help.example.com",), None, id="other-domain-ignored-with-domains"
        ),
        pytest.param(
            ["tom+T-0000000000@northwind.example", "support+T-ABC1234567@HELP.example.com"],
            ("help.example.com",),
            "T-ABC1234567",
            id="our-domain-any-case",
        ),
        pytest.param([], (), None, id="no-recipients"),
    ],
)
def test_ticket_tags_come_from_plus_addressed_recipients(recipients, domains, expected):
    # WHEN the To/Cc values are searched for our ticket tag THEN only a ticket-shaped tag counts
    assert ticket_tag(recipients, domains) == expected


THREAD_CASES = [
    pytest.param(
        {
            "message_id": "<new@x>",
            "references": "<root@x> <ours@help>",
            "recipients": ["support+T-ABC1234567@help.example.com"],
        },
        "ticket:T-ABC1234567",
        id="plus-tag-beats-references",
    ),
    pytest.param(
        {"message_id": "<new@x>", "in_reply_to": "<ours@help>", "references": "<root@x>\r\n <mid@y> <ours@help>"},
        "email:root@x",
        id="references-root-folded",
    ),
    pytest.param({"message_id": "<new@x>", "in_reply_to": "<ours@help>"}, "email:ours@help", id="in-reply-to-only"),
    pytest.param({"message_id": "<new@x>", "references": "garbage"}, "email:new@x", id="junk-references-ignored"),
    pytest.param({"message_id": "<new@x>"}, "email:new@x", id="new-thread"),
    pytest.param({"message_id": "new@x"}, "email:new@x", id="own-id-without-brackets"),
    pytest.param({"message_id": None, "fallback_id": "sha256:abc"}, "email:sha256:abc", id="no-id-fallback"),
    pytest.param({"message_id": None}, None, id="nothing"),
    pytest.param(
        {"message_id": f"<{LONG_ID}>"},
        bounded_key("email", LONG_ID),
        id="long-id-hashed",
    ),
    pytest.param(
        {
            "message_id": "<new@x>",
            "recipients": ["Tom <tom+T-ABC1234567@northwind.example>"],
            "support_domains": ["help.example.com"],
        },
        "email:new@x",
        id="plus-tag-on-another-address",
    ),
]


@pytest.mark.parametrize(("headers", "expected"), THREAD_CASES)
def test_thread_keys(headers, expected):
    # WHEN an email's threading headers are read THEN ticket tag, then References root, then its own id
    assert thread_key(**headers) == expected


def test_long_keys_are_hashed_to_fit_an_event_id():
    # GIVEN a message id longer than an event id may be
    key = bounded_key("sendgrid", LONG_ID)
    # THEN the key is bounded, stable and still namespaced
    assert len(key) <= 256 and key.startswith("sendgrid:sha256:") and key == bounded_key("sendgrid", LONG_ID)


def test_headers_are_unfolded_case_insensitive_and_decoded_on_request():
    # GIVEN a header block with folding, an mbox line, repeated names, raw UTF-8 and an encoded word
    block = (
        "From dana@northwind.example Fri Nov 20 08:00:00 2026\r\n"
        "Received: from a\r\nReceived: from b\r\n"
        "REFERENCES: <root@x>\r\n <mid@y>\r\n"
        "Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe_=E2=80=93_Rechnung?=\r\n"
        "X-Note: Grüße roh\r\n"
    ).encode()
    # WHEN it is parsed
    headers = Headers.parse(block)
    # THEN names are case-insensitive, folds are joined, repeats kept, words decoded only by text()
    assert headers.get("references") == "<root@x> <mid@y>"
    assert headers.get_all("Received") == ("from a", "from b")
    assert headers.get("from") is None  # the mbox "From " line is not a header
    assert headers.text("subject") == "Grüße – Rechnung"
    assert (headers.get("Subject") or "").startswith("=?UTF-8?Q?")
    assert headers.text("x-note") == "Grüße roh"
    assert Headers.parse("Subject: =?bogus?Q?x?=").text("subject") == "=?bogus?Q?x?="


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("Just a question.\n\nThanks", "Just a question.\n\nThanks", id="nothing-quoted"),
        pytest.param(
            "Thanks!\r\n\r\nOn Fri, 20 Nov 2026 at 09:12, Support <s@help> wrote:\r\n> old\r\n> older\r\n",
            "Thanks!",
            id="top-posted-gmail",
        ),
        pytest.param(
            "Thanks!\n\nOn Fri, 20 Nov 2026 at 09:12, Example Support <\nsupport@help.example.com> wrote:\n\n> old\n",
            "Thanks!",
            id="attribution-wrapped",
        ),
        pytest.param(
            "On Fri, 20 Nov 2026, Alex wrote:\n> Which plan are you on?\nPro.\n> Since when?\nMarch.",
            "Pro.\nMarch.",
            id="interleaved-answers-kept",
        ),
        pytest.param(
            "Danke!\n\nAm 20.11.2026 um 09:12 schrieb Support <s@help>:\n> alt\n", "Danke!", id="german-attribution"
        ),
        pytest.param(
            "Grazie!\n\nIl giorno ven 20 nov 2026 alle ore 09:05 Support <s@help> ha scritto:\n> vecchio\n",
            "Grazie!",
            id="italian-attribution",
        ),
        pytest.param(
            "Merci !\n\nLe ven. 20 nov. 2026 à 09:12, Support <s@help> a écrit :\n> ancien\n", "Merci !", id="french"
        ),
        pytest.param(
            "Fixed, thanks.\n\n-----Original Message-----\nFrom: Support\nSent: Friday\n\nold text",
            "Fixed, thanks.",
            id="outlook-separator",
        ),
        pytest.param(
            "Fixed.\n\n________________________________\nFrom: Support <s@help>\nSent: Friday, November 20\nold",
            "Fixed.",
            id="outlook-underscores",
        ),
        pytest.param(
            "Fixed.\n\nFrom: Support <s@help>\nSent: Friday\nTo: me\n\nold", "Fixed.", id="outlook-header-block"
        ),
        pytest.param(
            "New text\n\nOn Friday Alex wrote:\nold text without prefixes", "New text", id="unprefixed-quote-cut"
        ),
        pytest.param("> only\n> quoted\n", "> only\n> quoted", id="all-quoted-kept-whole"),
        pytest.param("Use a > b in the filter\n\n\n\nBye  ", "Use a > b in the filter\n\nBye", id="inline-gt-and-tidy"),
        pytest.param(
            "From: my side, the export works.\nThanks", "From: my side, the export works.\nThanks", id="from-prose"
        ),
    ],
)
def test_quoted_replies_are_trimmed_to_the_new_message(text, expected):
    # WHEN a reply's text is trimmed THEN only what the customer newly wrote remains
    assert trim_quoted(text) == expected


@pytest.mark.parametrize(
    ("html", "keep_quotes", "expected"),
    [
        pytest.param("<div>Hi!</div><div><br></div><div>Line two</div>", False, "Hi!\n\nLine two", id="blocks"),
        pytest.param("<p>f&uuml;r &amp; &ndash; 🙏</p>", False, "für & – 🙏", id="entities"),
        pytest.param(
            "<style>p{color:red}</style><script>alert(1)</script><p>Visible</p>", False, "Visible", id="hidden"
        ),
        pytest.param("<p>New</p><blockquote>old <b>quote</b></blockquote>", False, "New", id="blockquote-dropped"),
        pytest.param("<p>New</p><blockquote>old</blockquote>", True, "New\nold", id="blockquote-kept"),
        pytest.param("<p>unclosed <b>bold<p>next", False, "unclosed bold\nnext", id="broken-markup"),
        pytest.param("a<br/>b<br>c", False, "a\nb\nc", id="br-self-closing"),
    ],
)
def test_html_becomes_plain_text(html, keep_quotes, expected):
    # WHEN HTML is reduced to text THEN the visible text remains, with blocks as line breaks
    assert html_to_text(html, keep_quotes=keep_quotes) == expected


def _headers(**values: str) -> Headers:
    return Headers.parse("\r\n".join(f"{name.replace('_', '-')}: {value}" for name, value in values.items()))


@pytest.mark.parametrize(
    ("headers", "sender", "envelope", "expected"),
    [
        pytest.param(
            _headers(Auto_Submitted="auto-replied"),
            "t@x",
            "t@x",
            "auto-reply: Auto-Submitted: auto-replied",
            id="auto-replied",
        ),
        pytest.param(
            _headers(Auto_Submitted="Auto-Generated; owner=x"),
            "t@x",
            None,
            "auto-reply: Auto-Submitted: auto-generated",
            id="auto-generated",
        ),
        pytest.param(_headers(Auto_Submitted="no"), "t@x", "t@x", None, id="auto-submitted-no"),
        pytest.param(_headers(Precedence="bulk"), "t@x", "t@x", "bulk mail: Precedence: bulk", id="bulk"),
        pytest.param(_headers(Precedence="List"), "t@x", "t@x", "bulk mail: Precedence: list", id="list"),
        pytest.param(_headers(Precedence="junk"), "t@x", "t@x", "bulk mail: Precedence: junk", id="junk"),
        pytest.param(_headers(X_Autoreply="yes"), "t@x", "t@x", "auto-reply: X-Autoreply", id="x-autoreply"),
        pytest.param(_headers(X_Autorespond="vacation"), "t@x", "t@x", "auto-reply: X-Autorespond", id="x-autorespond"),
        pytest.param(_headers(), "MAILER-DAEMON@mx.example", "", "bounce: mailer-daemon sender", id="mailer-daemon"),
        pytest.param(_headers(), "postmaster@x.example", "x@y", "bounce: mailer-daemon sender", id="postmaster"),
        pytest.param(
            _headers(Content_Type="multipart/report; report-type=delivery-status"),
            "a@x",
            "a@x",
            "bounce: delivery status report",
            id="dsn",
        ),
        pytest.param(_headers(), "a@x", "<>", "bounce: empty envelope sender", id="null-reverse-path"),
        pytest.param(
            _headers(Precedence="first-class"), "dana@northwind.example", "dana@northwind.example", None, id="human"
        ),
    ],
)
def test_machine_mail_is_recognized(headers, sender, envelope, expected):
    # WHEN an email's headers and senders are checked THEN auto-replies, bulk mail and bounces are named
    assert automated_reason(headers, sender, envelope) == expected


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        pytest.param(_headers(Auto_Submitted="Auto-Replied; owner=x"), {"auto_submitted": "auto-replied"}, id="auto"),
        pytest.param(_headers(Auto_Submitted="no"), {}, id="auto-submitted-no"),
        pytest.param(_headers(Precedence="Bulk"), {"precedence": "bulk"}, id="bulk"),
        pytest.param(_headers(Precedence="first-class"), {}, id="precedence-not-bulk"),
        pytest.param(_headers(List_Id="News <n.list.example>"), {"list_id": "News <n.list.example>"}, id="list-id"),
        pytest.param(
            _headers(List_Unsubscribe="<https://x.example/u?1>"), {"list_id": "List-Unsubscribe"}, id="unsubscribe-only"
        ),
        pytest.param(
            _headers(X_Auto_Response_Suppress="OOF, AutoReply"),
            {"auto_response_suppress": "OOF, AutoReply"},
            id="auto-response-suppress",
        ),
        pytest.param(_headers(X_Autorespond="vacation"), {"x_autoreply": "X-Autorespond"}, id="x-autorespond"),
        pytest.param(_headers(X_Autoreply="no"), {}, id="x-autoreply-no"),
        pytest.param(_headers(References="<a@x> <b@y>"), {"references": "<a@x> <b@y>"}, id="references"),
        pytest.param(_headers(In_Reply_To="<a@x>"), {"references": "<a@x>"}, id="in-reply-to-only"),
        pytest.param(_headers(Subject="Hello", From="dana@northwind.example"), {}, id="a-person"),
    ],
)
def test_what_an_email_says_about_answering_it(headers, expected):
    # WHEN a header block is read for the reply guard THEN only the signals it has are set
    assert reply_signals(headers) == expected


@pytest.mark.parametrize(
    ("references", "in_reply_to", "limit", "expected"),
    [
        pytest.param("<a@x> <b@x>", None, 998, "<a@x> <b@x>", id="kept"),
        pytest.param(None, "<p@x>", 998, "<p@x>", id="in-reply-to"),
        pytest.param(None, "<p@x> <q@x>", 998, "", id="in-reply-to-naming-two-is-ambiguous"),
        pytest.param(None, None, 998, "", id="none"),
        # the root and then the latest that fit, whole: <r@x> <4@x> <5@x> is 17 characters
        pytest.param("<r@x> <1@x> <2@x> <3@x> <4@x> <5@x>", None, 17, "<r@x> <4@x> <5@x>", id="root-and-latest"),
        pytest.param(f"<{'x' * 1000}@y> <b@x>", None, 998, "<b@x>", id="an-id-too-long-for-any-line"),
    ],
)
def test_references_for_a_reply_are_bounded_to_whole_ids(references, in_reply_to, limit, expected):
    # WHEN the References a reply threads under are worked out THEN RFC 5322's choice, cut to whole ids
    assert reply_references(references, in_reply_to, limit) == expected


@pytest.mark.parametrize(
    ("data", "charset", "expected"),
    [
        pytest.param("Grüße".encode("iso-8859-1"), "iso-8859-1", "Grüße", id="latin-1-honoured"),
        pytest.param("Grüße".encode(), "us-ascii", "Grüße", id="mislabeled-utf8"),
        pytest.param("Grüße".encode(), "x-unknown", "Grüße", id="unknown-label"),
        pytest.param(b"aGk=", "base64", "aGk=", id="not-a-text-codec"),
        pytest.param(b"\xff\xfe ok", "utf-8", "\ufffd\ufffd ok", id="undecodable"),
        pytest.param("Grüße".encode(), None, "Grüße", id="no-label"),
    ],
)
def test_bytes_are_decoded_in_the_declared_charset_with_fallbacks(data, charset, expected):
    assert decode_bytes(data, charset) == expected


PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(40)).decode()
MIME = (
    "From: =?UTF-8?Q?J=C3=BCrgen?= <j@fabrikam.example>\r\nSubject: Test\r\nMessage-ID: <m1@x>\r\n"
    'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="B1"\r\n\r\n'
    '--B1\r\nContent-Type: multipart/alternative; boundary="B2"\r\n\r\n'
    "--B2\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nGr=FC=DFe\r\n"
    "--B2\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Gr\xfc\xdfe</p>\r\n--B2--\r\n"
    '--B1\r\nContent-Type: image/png\r\nContent-Disposition: attachment; filename="shot.png"\r\n'
    f"Content-Transfer-Encoding: base64\r\n\r\n{PNG}\r\n--B1--\r\n"
).encode()


def test_a_mime_message_yields_its_text_parts_and_measured_attachments():
    # WHEN a multipart/mixed message with an alternative body and a PNG is parsed
    mail = parse_mime(MIME)
    # THEN the plain part is decoded in its charset, the attachment is measured, the sender decoded
    assert mail.text.strip() == "Grüße"
    assert "Grüße" in mail.html
    assert [(a.name, a.content_type, a.size) for a in mail.attachments] == [("shot.png", "image/png", 48)]
    assert (mail.sender_name, mail.sender_email, mail.subject) == ("Jürgen", "j@fabrikam.example", "Test")


def test_too_many_or_too_deeply_nested_mime_parts_are_rejected():
    # GIVEN a message with more parts than a human's email has
    many = b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n' + b"--b\r\n\r\nx\r\n" * 300 + b"--b--\r\n"
    # WHEN parsed THEN a PayloadError names the field, instead of unbounded work
    with pytest.raises(PayloadError) as err:
        parse_mime(many)
    assert err.value.field == "email"
    # GIVEN nesting deep enough to exhaust the parser's recursion
    deep = b"".join(f'Content-Type: multipart/mixed; boundary="b{i}"\r\n\r\n--b{i}\r\n'.encode() for i in range(1200))
    with pytest.raises(PayloadError):
        parse_mime(deep)


def test_html_only_mail_and_long_mail_still_make_bounded_text():
    # GIVEN an HTML-only email and a plain one longer than an event allows
    html_only = Mail(Headers.parse(""), None, "a@x", None, "", "<p>Only <b>HTML</b></p>")
    long_one = Mail(Headers.parse(""), None, "a@x", None, "word " * 10_000)
    # THEN the HTML is the text, and the long one is cut to SupportEvent's limit
    assert body_text(html_only) == "Only HTML"
    assert len(body_text(long_one)) == email_text.MAX_TEXT


def test_to_event_lists_attachments_and_threads_the_mail():
    # GIVEN a parsed multipart mail
    event = to_event(
        parse_mime(MIME), event_id="ses:abc", provider="ses", received_at=NOW, metadata={"spf": "PASS", "x": ""}
    )
    # THEN the event carries the thread, the attachment list, non-empty metadata only
    assert event.thread_key == "email:m1@x"
    assert event.metadata["attachments"] == '[{"name":"shot.png","type":"image/png","size":48}]'
    assert event.metadata["attachment_count"] == "1"
    assert event.metadata["spf"] == "PASS" and "x" not in event.metadata
    assert event.channel == "email" and event.received_at == NOW
