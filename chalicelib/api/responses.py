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


def accepted(event_id: str) -> Response:
    return Response(status_code=202, body={"event_id": event_id})
