"""Replies by email: a raw MIME message threaded into the customer's conversation, sent with SES v2; pure.

Threading follows RFC 5322 (In-Reply-To, References, "Re:"), so the reply lands in the customer's
conversation in every client; Reply-To is the ticket's plus address, so their answer joins the ticket
(email_threads.ticket_tag); automatic replies say so (RFC 3834), so autoresponders do not answer them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from typing import Any

from chalicelib.channels.email_threads import message_ids
from chalicelib.channels.reply_wire import UnsendableReplyError
from chalicelib.errors import ConfigError
from chalicelib.model.event import Channel, SupportEvent
from chalicelib.replies.model import Reply, SendResult

#: "Re:", "RE:", "Re[2]:", and the German and Scandinavian "AW:"/"SV:" that clients also write
_ALREADY_REPLY = re.compile(r"^\s*(re|aw|sv)\s*(\[\d+\])?\s*:", re.IGNORECASE)
#: SES errors another attempt may get past; the documented permanent ones need an operator
TRANSIENT_CODES = frozenset(
    {
        "TooManyRequestsException",
        "LimitExceededException",
        "Throttling",
        "ThrottlingException",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "InternalFailure",
        "InternalServerError",
        "RequestTimeout",
    }
)
PERMANENT_CODES = frozenset(
    {
        "MessageRejected",
        "MailFromDomainNotVerifiedException",
        "BadRequestException",
        "AccountSuspendedException",
        "SendingPausedException",
        "NotFoundException",
    }
)


@dataclass(frozen=True)
class Config:
    #: what the customer sees in From ("Acme Support <support@acme.example>"); an identity verified in SES
    from_address: str
    #: the support mailbox whose plus addresses name tickets ("support@acme.example" → support+T-…@acme.example)
    support_address: str
    configuration_set: str | None = None


def reply_to(ticket_id: str, support_address: str) -> str:
    local, at, domain = support_address.rpartition("@")
    if not at or not local or not domain:
        raise ConfigError(f"the support address {support_address!r} is not local@domain")
    return f"{local}+{ticket_id}@{domain}"


def subject(original: str | None) -> str:
    """``Re: <original>``, never "Re: Re:"; one line whatever the customer's subject held."""
    line = " ".join((original or "").split())
    if not line:
        return "Re: your message"
    return line if _ALREADY_REPLY.match(line) else f"Re: {line}"


def references(event: SupportEvent) -> list[str]:
    """The conversation's ids, oldest first, ending with the message we answer.

    Only the answered Message-ID and the thread's root (email_threads.thread_key) reach the event; RFC 5322
    allows References to skip the middle as long as the root comes first, so clients still thread it.
    """
    own = event.metadata.get("message_id")
    chain = message_ids(event.metadata.get("references"))
    key = event.thread_key or ""
    if not chain and key.startswith("email:") and not key.startswith("email:sha256:"):
        chain = [key.removeprefix("email:")]
    return [mid for mid in chain if mid != own] + ([own] if own else [])


def message(reply: Reply, config: Config, now: datetime) -> bytes:
    """The whole MIME message as SES sends it (CRLF line ends, non-ASCII headers RFC 2047 encoded)."""
    event = reply.event
    if event.channel is not Channel.EMAIL:
        raise UnsendableReplyError(f"email answers email, not {event.channel}")
    if not event.sender.email:
        raise UnsendableReplyError("no email address to answer")
    mail = EmailMessage(policy=SMTP)
    try:
        mail["To"] = Address(display_name=" ".join((event.sender.name or "").split()), addr_spec=event.sender.email)
    except (HeaderParseError, ValueError, IndexError):
        raise UnsendableReplyError("the sender's email address cannot be written in a To header") from None
    mail["From"] = config.from_address
    mail["Reply-To"] = reply_to(reply.ticket_id, config.support_address)
    mail["Subject"] = subject(event.subject)
    mail["Date"] = format_datetime(now)
    # stable across retries: a client that sees the same message twice shows it once
    mail["Message-ID"] = f"<{reply.reply_id}@{config.support_address.rpartition('@')[2]}>"
    chain = references(event)
    if own := event.metadata.get("message_id"):
        mail["In-Reply-To"] = f"<{own}>"
    if chain:
        mail["References"] = " ".join(f"<{mid}>" for mid in chain)
    if reply.automatic:
        mail["Auto-Submitted"] = "auto-replied"  # RFC 3834: only on what a machine wrote
        mail["X-Auto-Response-Suppress"] = "All"  # Exchange's out-of-office would otherwise answer it
    # quoted-printable, not 8bit: SES asks for 7-bit content, and every relay on the way passes it untouched
    mail.set_content(reply.text, charset="utf-8", cte="quoted-printable")
    return mail.as_bytes()


def send_email_args(reply: Reply, config: Config, now: datetime) -> dict[str, Any]:
    """Keyword arguments for ``sesv2.send_email``: the raw message to the customer's address."""
    args: dict[str, Any] = {
        "FromEmailAddress": config.from_address,
        "Destination": {"ToAddresses": [reply.event.sender.email]},
        "Content": {"Raw": {"Data": message(reply, config, now)}},
    }
    if config.configuration_set:
        args["ConfigurationSetName"] = config.configuration_set
    return args


def read_error(code: str, text: str, status: int | None) -> SendResult:
    """Classify an SES error by its code, then by its HTTP status (429 and 5xx transient, other 4xx permanent)."""
    reason = f"{code}: {text}" if text else code
    busy = status is not None and (status >= 500 or status == 429)
    if code in TRANSIENT_CODES or (busy and code not in PERMANENT_CODES):
        return SendResult.transient(reason)
    return SendResult.permanent(reason)
