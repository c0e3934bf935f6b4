"""Service routes; the providers' webhook routes are in api/providers.py."""

from __future__ import annotations

from chalice.app import Blueprint

from chalicelib.bootstrap import container

webhooks = Blueprint(__name__)


@webhooks.route("/health", methods=["GET"])
def health() -> dict[str, str]:
    return {"status": "ok", "stage": container().settings.stage}
