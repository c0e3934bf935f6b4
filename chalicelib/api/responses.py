"""Maps our errors to HTTP answers: a status and a JSON reason an integrator can act on."""

from __future__ import annotations

from chalice.app import Response

from chalicelib.errors import PayloadError, SwitchboardError
from chalicelib.observability import logger


def error_response(exc: SwitchboardError, provider: str) -> Response:
    body: dict[str, str] = {"error": exc.code, "reason": exc.reason}
    if isinstance(exc, PayloadError) and exc.field:
        body["field"] = exc.field
    headers: dict[str, str | list[str]] = {"Retry-After": "5"} if exc.retryable else {}
    # the reason is ours (field names, header names), never the customer's text
    logger.warning(
        "webhook rejected",
        extra={"provider": provider, "status": exc.http_status, "error": exc.code, "reason": exc.reason},
    )
    return Response(status_code=exc.http_status, body=body, headers=headers)


def accepted(event_id: str) -> Response:
    return Response(status_code=202, body={"event_id": event_id})
