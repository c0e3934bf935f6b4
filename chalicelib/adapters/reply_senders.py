"""The reply senders: each reply to its channel's pure adapter, over HTTP or SES; they classify, never raise.

``HttpReplySender`` picks the adapter by the answered event's channel (email goes to ``SesReplySender``,
whichever provider the email came in by) and sends through an ``HttpTransport``. Credentials are values
or callables from the caller (bootstrap reads them from SSM once and caches them): nothing here reads
the environment. A channel with no configuration refuses its replies with a permanent reason.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeAlias, TypeVar

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    HTTPClientError,
    ProxyConnectionError,
    SSLError,
)

from chalicelib.channels import email_reply, meta_reply, slack_reply, twilio_reply, widget_reply, x_reply
from chalicelib.channels.reply_wire import UnsendableReplyError
from chalicelib.errors import SwitchboardError
from chalicelib.model.event import Channel
from chalicelib.replies.model import HttpRequest, Reply, SendResult, TransportError
from chalicelib.replies.ports import HttpTransport, ReplySender

C = TypeVar("C")
#: a configuration, or what returns it when first needed (a secret read from SSM)
Source: TypeAlias = C | Callable[[], C]

Build: TypeAlias = Callable[[Reply, datetime], HttpRequest]
Read: TypeAlias = Callable[[int, Mapping[str, str], bytes, datetime | None], SendResult]


@dataclass(frozen=True)
class SenderConfigs:
    """One configuration per HTTP channel; None: that channel's replies are off."""

    twilio: Source[twilio_reply.Config] | None = None
    slack: Source[slack_reply.Config] | None = None
    x: Source[x_reply.Config] | None = None
    meta: Source[meta_reply.Config] | None = None
    widget: Source[widget_reply.Config] | None = None


def _resolve(source: Source[C]) -> C:
    return source() if callable(source) else source


def outcome_of(error: SwitchboardError) -> SendResult:
    """A reply that cannot be built: unsendable or misconfigured is permanent; an unreachable secret store is not."""
    if error.retryable:
        return SendResult.transient(error.reason)
    return SendResult.permanent(error.reason)


class HttpReplySender:
    """``ReplySender`` for every channel: HTTP providers through ``transport``, email through ``email``."""

    def __init__(self, transport: HttpTransport, configs: SenderConfigs, email: ReplySender | None = None) -> None:
        self._transport = transport
        self._configs = configs
        self._email = email

    def send(self, reply: Reply, now: datetime) -> SendResult:
        channel = reply.event.channel
        if channel is Channel.EMAIL:
            if self._email is None:
                return SendResult.permanent("email replies are not configured")
            return self._email.send(reply, now)
        try:
            route = self._route(channel)
            if route is None:
                return SendResult.permanent(f"{channel} replies are not configured")
            build, read = route
            request = build(reply, now)
        except SwitchboardError as exc:  # UnsendableReplyError, ConfigError, a DependencyError reading a secret
            return outcome_of(exc)
        try:
            answer = self._transport.send(request)
        except TransportError as exc:
            return SendResult.transient(exc.reason, uncertain=exc.sent)
        return read(answer.status, answer.headers, answer.body, now)

    def _route(self, channel: Channel) -> tuple[Build, Read] | None:
        configs = self._configs
        match channel:
            case Channel.SMS | Channel.VOICE if configs.twilio is not None:
                twilio = _resolve(configs.twilio)
                return (lambda r, n: twilio_reply.request(r, twilio, n)), twilio_reply.read
            case Channel.SLACK if configs.slack is not None:
                slack = _resolve(configs.slack)
                return (lambda r, n: slack_reply.request(r, slack, n)), slack_reply.read
            case Channel.X if configs.x is not None:
                x = _resolve(configs.x)
                return (lambda r, n: x_reply.request(r, x, n)), x_reply.read
            case Channel.META if configs.meta is not None:
                meta = _resolve(configs.meta)
                return (lambda r, n: meta_reply.request(r, meta, n)), meta_reply.read
            case Channel.WIDGET if configs.widget is not None:
                widget = _resolve(configs.widget)
                return (lambda r, n: widget_reply.request(r, widget, n)), widget_reply.read
        return None


class SesReplySender:
    """``ReplySender`` for email over an injected boto3 ``sesv2`` client.

    Build the client with one attempt (``Config(retries={"max_attempts": 1})``): the outbox owns retries,
    and botocore's own would resend a message whose answer was lost without the outbox knowing.
    """

    def __init__(self, client: Any, config: Source[email_reply.Config]) -> None:
        self._client = client
        self._config = config

    def send(self, reply: Reply, now: datetime) -> SendResult:
        try:
            args = email_reply.send_email_args(reply, _resolve(self._config), now)
        except UnsendableReplyError as exc:
            return SendResult.permanent(exc.reason)
        except SwitchboardError as exc:
            return outcome_of(exc)
        try:
            response = self._client.send_email(**args)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            return email_reply.read_error(str(error.get("Code", "Unknown")), str(error.get("Message", "")), status)
        except (EndpointConnectionError, ConnectTimeoutError, ProxyConnectionError, SSLError) as exc:
            return SendResult.transient(f"could not reach SES: {type(exc).__name__}")
        except HTTPClientError as exc:  # a read timeout, a dropped connection: SES may have sent it
            return SendResult.transient(f"SES did not answer: {type(exc).__name__}", uncertain=True)
        except BotoCoreError as exc:  # credentials, parameters: refused before anything was sent
            return SendResult.transient(f"could not call SES: {type(exc).__name__}")
        return SendResult.sent(response.get("MessageId"))
