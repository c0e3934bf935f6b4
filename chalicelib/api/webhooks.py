"""Webhook routes, one per provider: verify the raw bytes, parse, queue, answer fast."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.api.responses import accepted, check_size, error_response
from chalicelib.bootstrap import container
from chalicelib.errors import SwitchboardError
from chalicelib.observability import logger

webhooks = Blueprint(__name__)


@webhooks.route("/webhooks/widget", methods=["POST"], content_types=["application/json"])
def widget_webhook() -> Response:
    # imported here: the triage function loads this module too (app.py) and never needs the widget's models
    from chalicelib.channels import widget

    request = webhooks.current_request
    raw = request.raw_body or b""
    body = raw if isinstance(raw, bytes) else raw.encode("utf-8")
    c = container()
    try:
        check_size(widget.PROVIDER, body)
        webhook_id = widget.verify(c.widget_secret.get(), body, request.headers)
        event = widget.to_event(widget.parse(body), webhook_id, c.clock())
        event_id = c.intake.accept(event)
    except SwitchboardError as exc:
        return error_response(exc, widget.PROVIDER)
    logger.info("webhook accepted", extra={"provider": widget.PROVIDER, "event_id": event_id})
    return accepted(event_id)


@webhooks.route("/health", methods=["GET"])
def health() -> dict[str, str]:
    return {"status": "ok", "stage": container().settings.stage}
