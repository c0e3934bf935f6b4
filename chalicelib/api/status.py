"""The public status page: GET /status (HTML), /status.json (Statuspage's field names) and /status.atom.

Public and unauthenticated by design, so it says only what a person published: the reader returns
confirmed incidents, never suspected ones. Answers may be cached briefly (a burst of customers
refreshing the page during an outage is exactly when it is read most), and carry the ack page's
security headers: no scripts, no framing, no sniffing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from chalice.app import Blueprint, Response

from chalicelib.bootstrap import container
from chalicelib.errors import SwitchboardError
from chalicelib.observability import logger

if TYPE_CHECKING:
    from chalicelib.incidents.status_view import StatusView

status = Blueprint(__name__)

#: a minute at most: long enough to absorb a burst of refreshes, short enough that an update shows soon
CACHE_CONTROL = "public, max-age=60"


def _answer(content_type: str, render: Callable[[StatusView], str]) -> Response:
    # imported here, not at the top: webhooks share this module's package and never pay for Jinja2
    from chalicelib.incidents.status_page import security_headers
    from chalicelib.incidents.status_view import build

    c = container()
    headers: dict[str, str | list[str]] = {"Content-Type": content_type, **security_headers()}
    try:
        now = c.clock()
        config = c.status_page
        incidents = c.incident_reader.public(now, config.days)
    except SwitchboardError as exc:
        logger.warning("status page unavailable", extra={"reason": exc.reason})
        # never cached: the next reader should get the page as soon as the incidents can be read
        headers.update({"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store", "Retry-After": "30"})
        return Response(body="The status page is temporarily unavailable.\n", status_code=503, headers=headers)
    headers["Cache-Control"] = CACHE_CONTROL
    return Response(body=render(build(incidents, now, config)), status_code=200, headers=headers)


@status.route("/status", methods=["GET"])
def status_html() -> Response:
    from chalicelib.incidents import status_page

    return _answer("text/html; charset=utf-8", status_page.render)


@status.route("/status.json", methods=["GET"])
def status_json() -> Response:
    from chalicelib.incidents import status_json

    return _answer("application/json", status_json.render)


@status.route("/status.atom", methods=["GET"])
def status_atom() -> Response:
    from chalicelib.incidents import status_atom

    return _answer("application/atom+xml; charset=utf-8", status_atom.render)
