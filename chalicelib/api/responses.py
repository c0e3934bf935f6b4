"""Maps our errors to HTTP answers: a status and a JSON reason an integrator can act on."""

from __future__ import annotations

from chalice.app import Response

from chalicelib.errors import PayloadError, SwitchboardError, TooLargeError
from chalicelib.observability import logger

#: the largest body each provider genuinely sends; SendGrid forwards attachments (API Gateway's cap is 10 MB)
BODY_LIMITS = {"sendgrid": 10 * 1024 * 1024}
DEFAULT_BODY_LIMIT = 256 * 1024


def check_size(provider: str, body: bytes) -> None:
    """Refuse a body no genuine delivery would have, before spending time verifying it."""
    limit = BODY_LIMITS.get(provider, DEFAULT_BODY_LIMIT)
    if len(body) > limit:
        raise TooLargeError(f"body is {len(body):,} bytes; {provider} webhooks are at most {limit:,} bytes")


def count_rejection(provider: str, code: str) -> None:
    """A CloudWatch metric per rejected webhook (EMF on stdout: no API call), by provider and reason."""
    from aws_lambda_powertools.metrics import MetricUnit, single_metric

    with single_metric(name="WebhookRejected", unit=MetricUnit.Count, value=1, namespace="Switchboard") as metric:
        metric.add_dimension(name="provider", value=provider)
        metric.add_dimension(name="error", value=code)


def error_response(exc: SwitchboardError, provider: str) -> Response:
    body: dict[str, str] = {"error": exc.code, "reason": exc.reason}
    if isinstance(exc, PayloadError) and exc.field:
        body["field"] = exc.field
    headers: dict[str, str | list[str]] = {"Retry-After": "5"} if exc.retryable else {}
    if exc.http_status < 500:
        count_rejection(provider, exc.code)
    # the reason is ours (field names, header names), never the customer's text
    logger.warning(
        "webhook rejected",
        extra={"provider": provider, "status": exc.http_status, "error": exc.code, "reason": exc.reason},
    )
    return Response(status_code=exc.http_status, body=body, headers=headers)


#: Providers whose signed body we cannot map are answered 200 "skipped: <reason>" rather than 400: a
#: retry repeats the same bytes, so it cannot help, and failures count against the webhook itself.
#: Slack disables an app's event subscriptions when too many deliveries get no 2xx (Events API docs);
#: Meta retries any non-200 "until successfully completed" and unsubscribes an app whose webhook fails
#: for an extended period (Messenger FAQ); X retries a failed delivery within minutes, too soon for a
#: fix to help. The others keep 4xx: Twilio does not retry a 4xx (it runs the Fallback URL and shows
#: the error in its console); SendGrid retries a non-2xx for up to 3 days, so a fix deployed meanwhile
#: still gets the email; the widget is ours (its sender stops only on 410, and our team reads the reason).
SKIP_UNREADABLE = frozenset({"slack", "meta", "x"})


def unreadable_response(exc: PayloadError, provider: str) -> Response:
    """A signed body we cannot map: 200 "skipped" for providers in SKIP_UNREADABLE, else the error's 4xx."""
    if provider not in SKIP_UNREADABLE:
        return error_response(exc, provider)
    count_rejection(provider, exc.code)
    logger.warning("webhook skipped", extra={"provider": provider, "error": exc.code, "reason": exc.reason})
    return Response(status_code=200, body={"event_ids": [], "skipped": f"{exc.code}: {exc.reason}"})


def accepted(event_id: str) -> Response:
    return Response(status_code=202, body={"event_id": event_id})
