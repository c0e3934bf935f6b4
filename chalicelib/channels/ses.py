"""Amazon SES receiving: a receipt rule's SNS action, delivered to our Lambda by an SNS subscription."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Collection
from dataclasses import replace
from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from chalicelib.channels.base import Inbound
from chalicelib.channels.bounds import load_json
from chalicelib.channels.email_text import parse_mime, sender_of, to_event
from chalicelib.channels.email_threads import automated_reason, bounded_key
from chalicelib.errors import PayloadError

PROVIDER = "ses"
#: SNS messages are at most 256 KiB; the SES SNS action bounces mail over 150 KB before we see it
MAX_MESSAGE_CHARS = 262_144


class Verdict(BaseModel):
    model_config = ConfigDict(extra="ignore")

    # a string, not a Literal of today's values (PASS, FAIL, GRAY, PROCESSING_FAILED, DISABLED):
    # a value AWS adds later must not turn every email into a rejected notification
    status: str = Field(pattern=r"^[A-Z_]{1,40}$")


class Action(BaseModel):
    model_config = ConfigDict(extra="ignore")

    type: str = Field(min_length=1, max_length=40)
    topic_arn: str | None = Field(default=None, alias="topicArn")
    # the rule's setting is "UTF-8" or "Base64"; notifications have been seen spelling it "UTF8"/"BASE64"
    encoding: Literal["UTF8", "UTF-8", "BASE64", "Base64"] = "UTF8"


class Receipt(BaseModel):
    model_config = ConfigDict(extra="ignore")

    recipients: list[str] = Field(default_factory=list, max_length=100)
    spam_verdict: Verdict = Field(alias="spamVerdict")
    virus_verdict: Verdict = Field(alias="virusVerdict")
    spf_verdict: Verdict = Field(alias="spfVerdict")
    dkim_verdict: Verdict = Field(alias="dkimVerdict")
    dmarc_verdict: Verdict | None = Field(default=None, alias="dmarcVerdict")
    action: Action


class CommonHeaders(BaseModel):
    model_config = ConfigDict(extra="ignore")

    from_: list[str] = Field(default_factory=list, alias="from")
    subject: str | None = None


class MailObject(BaseModel):
    model_config = ConfigDict(extra="ignore")

    message_id: str = Field(alias="messageId", min_length=1, max_length=200)
    timestamp: AwareDatetime
    #: the envelope MAIL FROM; empty for bounces and other delivery notifications
    source: str = Field(max_length=998)
    destination: list[str] = Field(default_factory=list, max_length=100)
    common_headers: CommonHeaders = Field(alias="commonHeaders")


class ReceivedNotification(BaseModel):
    """An SES "Received" notification: the mail's metadata, the receipt verdicts and (SNS action) the MIME."""

    model_config = ConfigDict(extra="ignore")

    notification_type: Literal["Received"] = Field(alias="notificationType")
    mail: MailObject
    receipt: Receipt
    content: str | None = None


def handle_notification(message: str, received_at: datetime, *, support_domains: Collection[str] = ()) -> Inbound:
    """Map the SNS message an SES receipt rule published: one event, or a skip with the reason; pure.

    Nothing to verify: the Lambda is subscribed to the topic, so IAM decided who may publish.
    """
    if len(message) > MAX_MESSAGE_CHARS:
        raise PayloadError(f"Message: longer than {MAX_MESSAGE_CHARS} characters", field="Message")
    try:
        raw = load_json(message)  # bounded nesting; lone surrogates (a JSON escape can name one) replaced
    except PayloadError:
        raise PayloadError("Message: not JSON (expected an SES notification)", field="Message") from None
    if not isinstance(raw, dict):
        raise PayloadError("Message: expected a JSON object (an SES notification)", field="Message")
    kind = raw.get("notificationType")
    if kind != "Received":  # e.g. AMAZON_SES_SETUP_NOTIFICATION when the rule is created: no email in it
        return Inbound(skipped=(f"notification type {str(kind)[:60]!r}: not a received email",))
    note = _validate(raw)
    receipt = note.receipt
    if receipt.action.type != "SNS":
        return Inbound(skipped=(f"action {receipt.action.type}: the email is not in the notification",))
    for name, verdict in (("virus", receipt.virus_verdict), ("spam", receipt.spam_verdict)):
        if verdict.status == "FAIL":
            return Inbound(skipped=(f"{name} verdict FAIL",))
    if note.content is None:
        raise PayloadError("content: missing from an SNS action notification", field="content")
    mail = parse_mime(_content_bytes(note.content, receipt.action.encoding))
    if reason := automated_reason(mail.headers, mail.sender_email, note.mail.source):
        return Inbound(skipped=(reason,))
    if mail.sender_email is None:  # no usable From: the header SES parsed, else the envelope sender
        common = note.mail.common_headers.from_
        display, address = sender_of(common[0]) if common else (None, None)
        mail = replace(mail, sender_name=display, sender_email=address or note.mail.source or None)
    verdicts = {"spf": receipt.spf_verdict, "dkim": receipt.dkim_verdict, "spam": receipt.spam_verdict}
    verdicts["virus"] = receipt.virus_verdict  # FAIL was skipped above; GRAY and the rest reach the guard
    if receipt.dmarc_verdict:
        verdicts["dmarc"] = receipt.dmarc_verdict
    metadata = {name: verdict.status for name, verdict in verdicts.items()}
    metadata["recipients"] = ",".join(receipt.recipients)[:500]
    event = to_event(
        mail,
        event_id=bounded_key(PROVIDER, note.mail.message_id),
        provider=PROVIDER,
        received_at=received_at,
        fallback_id=note.mail.message_id,
        support_domains=support_domains,
        metadata=metadata,
    )
    return Inbound(events=(event,))


def _validate(raw: object) -> ReceivedNotification:
    try:
        return ReceivedNotification.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"]) or "Message"
        raise PayloadError(f"{field}: {error['msg']}", field=field) from None


def _content_bytes(content: str, encoding: str) -> bytes:
    if encoding.upper() != "BASE64":
        # UTF8: SES decoded the message as UTF-8 for JSON; bytes in other charsets were already lost
        return content.encode("utf-8", "surrogatepass")
    try:
        # strict alphabet, but line breaks are allowed: MIME-style wrapped base64 is still base64
        return base64.b64decode("".join(content.split()), validate=True)
    except (binascii.Error, ValueError):
        raise PayloadError("content: not valid base64 (receipt.action.encoding is BASE64)", field="content") from None
