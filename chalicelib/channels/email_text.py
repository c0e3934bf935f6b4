"""What a human wrote in an email: headers, MIME → text, quoted replies trimmed, and the SupportEvent."""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32
from email.utils import parseaddr
from html.parser import HTMLParser

from chalicelib.channels.bounds import clean_text, clip
from chalicelib.channels.email_threads import message_ids, reply_signals, thread_key
from chalicelib.channels.quotes import tidy, trim_quoted
from chalicelib.errors import PayloadError
from chalicelib.model.event import Channel, Sender, SupportEvent

#: SupportEvent.text's bound; a longer message is cut (the start is what a human triages on)
MAX_TEXT = 20_000
MAX_SUBJECT = 500
#: a real email has a handful of parts; thousands are an attack on the parser
MAX_MIME_PARTS = 200
#: metadata lists at most this many attachments
MAX_LISTED_ATTACHMENTS = 20

_FOLD = re.compile(r"\r?\n(?=[ \t])")
_LINE_BREAK = re.compile(r"\r?\n")
_HEADER_END = re.compile(rb"\r?\n\r?\n")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Headers:
    """An email header block: unfolded values by lower-cased name, in order; decoded only on request."""

    fields: Mapping[str, tuple[str, ...]]

    @classmethod
    def parse(cls, block: bytes | str) -> Headers:
        # RFC 6532 allows raw UTF-8 in headers; anything else undecodable becomes U+FFFD, not an error
        text = block.decode("utf-8", "replace") if isinstance(block, bytes) else block
        fields: dict[str, list[str]] = {}
        for line in _LINE_BREAK.split(_FOLD.sub("", text)):
            name, colon, value = line.partition(":")
            if colon and name and " " not in name and "\t" not in name:  # not an mbox "From " line, not junk
                fields.setdefault(name.lower(), []).append(value.strip())
        return cls({name: tuple(values) for name, values in fields.items()})

    def get(self, name: str) -> str | None:
        values = self.fields.get(name.lower())
        return values[0] if values else None

    def get_all(self, name: str) -> tuple[str, ...]:
        return self.fields.get(name.lower(), ())

    def text(self, name: str) -> str | None:
        """The value with RFC 2047 encoded words decoded ("=?UTF-8?Q?Gr=C3=BC=C3=9Fe?=" → "Grüße")."""
        value = self.get(name)
        return None if value is None else decode_words(value)


def decode_words(value: str) -> str:
    """Decode RFC 2047 encoded words and collapse whitespace; a malformed word is left as written."""
    if "=?" in value:
        with suppress(HeaderParseError, LookupError, UnicodeError, ValueError):
            value = str(make_header(decode_header(value)))
    return " ".join(value.split())


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Text in its declared charset; a wrong or unknown label falls back to UTF-8, then to replacement characters."""
    for candidate in (charset or "utf-8", "utf-8"):
        try:
            # cleaned: codecs such as unicode_escape can produce lone surrogates, which nothing downstream encodes
            return clean_text(data.decode(candidate))
        # LookupError: unknown label, or a non-text codec ("base64"); ValueError: UnicodeDecodeError, and the
        # plain UnicodeError that codecs such as punycode, idna and "undefined" raise for any bytes they refuse
        except (LookupError, ValueError):
            continue
    return data.decode("utf-8", "replace")


def header_block(raw: bytes) -> bytes:
    """The header block of a raw MIME message: everything before the first empty line."""
    end = _HEADER_END.search(raw)
    return raw[: end.start()] if end else raw


@dataclass(frozen=True)
class Attachment:
    name: str
    content_type: str
    size: int


@dataclass(frozen=True)
class Mail:
    """One email, provider-neutral: what the adapters extract and ``to_event`` maps."""

    headers: Headers
    sender_name: str | None
    sender_email: str | None
    subject: str | None
    text: str
    html: str = ""
    attachments: tuple[Attachment, ...] = ()


def sender_of(value: str | None) -> tuple[str | None, str | None]:
    """(display name, address) of a From value; encoded words in the name are decoded."""
    name, address = parseaddr(value or "")
    return (decode_words(name) or None), (address.strip() or None)


def parse_mime(raw: bytes) -> Mail:
    """A whole RFC 5322 message (SES content, SendGrid raw mode) → Mail; attachments are measured, not kept.

    compat32 rather than policy.default: it decodes transfer encodings the same way without building a
    header object per header (policy.default parses a message about four times slower); headers come
    from ``Headers``, which also reads the raw UTF-8 headers compat32 would hand back as Header objects.
    """
    headers = Headers.parse(header_block(raw))
    try:
        message = BytesParser(policy=compat32).parsebytes(raw)
    except RecursionError:  # the feed parser recurses once per nesting level
        raise PayloadError("email: MIME parts nested too deeply", field="email") from None
    plain: str | None = None
    html: str | None = None
    attachments: list[Attachment] = []
    for count, part in enumerate(message.walk(), start=1):
        if count > MAX_MIME_PARTS:
            raise PayloadError(f"email: more than {MAX_MIME_PARTS} MIME parts", field="email")
        if part.is_multipart():
            continue
        filename = part.get_filename()
        content_type = part.get_content_type()
        if filename or part.get_content_disposition() == "attachment" or not content_type.startswith("text/"):
            payload = part.get_payload(decode=True)
            size = len(payload) if isinstance(payload, bytes) else 0
            attachments.append(Attachment(decode_words(filename or ""), content_type, size))
        elif content_type == "text/plain" and plain is None:
            plain = _part_text(part)
        elif content_type == "text/html" and html is None:
            html = _part_text(part)
    name, address = sender_of(headers.get("from"))
    return Mail(headers, name, address, headers.text("subject"), plain or "", html or "", tuple(attachments))


def _part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    return decode_bytes(payload, part.get_content_charset()) if isinstance(payload, bytes) else ""


class _HtmlText(HTMLParser):
    """Visible text of an HTML body; block elements become line breaks, quoted replies (<blockquote>) drop."""

    _HIDDEN = frozenset({"script", "style", "head", "title", "template"})
    _BLOCKS = frozenset(
        {"br", "p", "div", "li", "tr", "td", "th", "table", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "pre"}
    )

    def __init__(self, keep_quotes: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.hidden = set(self._HIDDEN) if keep_quotes else {*self._HIDDEN, "blockquote"}
        self.depth = 0
        self.chunks: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.hidden:
            self.depth += 1
        elif tag in self._BLOCKS:
            self.chunks.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._BLOCKS:  # <br/>: one break, not the two a start and an end tag would make
            self.chunks.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.hidden:
            self.depth = max(0, self.depth - 1)
        elif tag in self._BLOCKS:
            self.chunks.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.depth:  # HTML whitespace collapses to one space, kept at the edges ("a <b>b</b>")
            self.chunks.append(_SPACES.sub(" ", data))


def html_to_text(html: str, keep_quotes: bool = False) -> str:
    """HTML → plain text with the stdlib parser (lenient with broken markup); quoted replies dropped unless asked."""
    parser = _HtmlText(keep_quotes)
    parser.feed(html)
    parser.close()
    return tidy([line.strip() for line in "".join(parser.chunks).split("\n")])


def body_text(mail: Mail) -> str:
    """The new part of the message: the plain part trimmed, else the HTML part as text, bounded."""
    text = trim_quoted(mail.text) if mail.text.strip() else ""
    if not text and mail.html.strip():
        text = html_to_text(mail.html) or html_to_text(mail.html, keep_quotes=True)
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def to_event(
    mail: Mail,
    *,
    event_id: str,
    provider: str,
    received_at: datetime,
    fallback_id: str | None = None,
    support_domains: Collection[str] = (),
    metadata: Mapping[str, str] | None = None,
) -> SupportEvent:
    """Map one email to the canonical event; pure. ``fallback_id`` stands in for a missing Message-ID."""
    headers = mail.headers
    meta = {key: clean_text(value) for key, value in (metadata or {}).items() if value}
    if own := message_ids(headers.get("message-id")):
        meta["message_id"] = clip(clean_text(own[0]), 998) or ""  # RFC 5322's line limit
    # whether to answer (auto-replies, lists) and how to thread the answer: read by the reply guard and sender
    meta |= {key: clean_text(value) for key, value in reply_signals(headers).items()}
    if mail.attachments:
        listed = [{"name": a.name, "type": a.content_type, "size": a.size} for a in mail.attachments]
        listing = json.dumps(listed[:MAX_LISTED_ATTACHMENTS], ensure_ascii=False, separators=(",", ":"))
        meta["attachments"] = clean_text(listing)  # file names are the sender's to choose
        meta["attachment_count"] = str(len(listed))
    subject = clean_text(mail.subject or "")[:MAX_SUBJECT] or None
    return SupportEvent(
        event_id=event_id,
        channel=Channel.EMAIL,
        provider=provider,
        received_at=received_at,
        # headers decoded with surrogateescape (compat32) or RFC 2047 words may hold lone surrogates
        sender=Sender(name=_cleaned(mail.sender_name, 200), email=_cleaned(mail.sender_email, 254)),
        text=clean_text(body_text(mail)),
        subject=subject,
        thread_key=thread_key(
            message_id=headers.get("message-id"),
            in_reply_to=headers.get("in-reply-to"),
            references=" ".join(headers.get_all("references")),
            recipients=(*headers.get_all("to"), *headers.get_all("cc")),
            support_domains=support_domains,
            fallback_id=fallback_id,
        ),
        metadata=meta,
    )


def _cleaned(value: str | None, limit: int) -> str | None:
    return clip(clean_text(value), limit) if value else None
