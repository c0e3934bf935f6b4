"""Acknowledgement links: GET shows the page on a phone, POST acknowledges it (a link never acts on GET:
mail scanners and link previews fetch URLs, and must not stop an escalation)."""

from __future__ import annotations

from urllib.parse import parse_qsl

from chalice.app import Blueprint, Response

from chalicelib.bootstrap import container
from chalicelib.errors import NotFoundError, SwitchboardError, TooLargeError

acks = Blueprint(__name__)

HTML: dict[str, str | list[str]] = {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"}
#: the POST carries three short fields (p, e, s): anything much larger is not our form
ACK_BODY_LIMIT = 2048


def _html(body: str, status: int = 200) -> Response:
    from chalicelib.paging.ack_page import SECURITY_HEADERS

    return Response(body=body, status_code=status, headers={**HTML, **SECURITY_HEADERS})


def _verified(page_id: str, fields: dict[str, str]) -> str:
    """The person the link was signed for; LinkError (403) for a forged, altered or expired link."""
    from chalicelib.paging.links import verify

    c = container()
    return verify(page_id, fields.get("p"), fields.get("e"), fields.get("s"), c.secret("ack").get(), c.clock())


def _refusal(exc: SwitchboardError) -> Response:
    from chalicelib.paging.ack_page import result_page

    titles = {403: "This link does not work", 404: "No such page"}
    title = titles.get(exc.http_status, "Not acknowledged")
    return _html(result_page(title, exc.reason, "error"), exc.http_status)


@acks.route("/ack/{page_id}", methods=["GET"])
def show(page_id: str) -> Response:
    from chalicelib.paging.ack_page import confirm_page
    from chalicelib.paging.escalation import name_of

    request = acks.current_request
    fields = {str(k): str(v) for k, v in (request.query_params or {}).items()}
    try:
        person = _verified(page_id, fields)
        page = container().pages.get(page_id)
    except SwitchboardError as exc:
        return _refusal(exc)
    if page is None:
        return _refusal(NotFoundError(f"there is no page {page_id}"))
    hidden = {k: fields[k] for k in ("p", "e", "s")}
    return _html(confirm_page(page, name_of(page, person), f"{request.context.get('path') or ''}", hidden))


@acks.route("/ack/{page_id}", methods=["POST"], content_types=["application/x-www-form-urlencoded"])
def acknowledge(page_id: str) -> Response:
    from chalicelib.paging.ack_page import result_page
    from chalicelib.paging.escalation import describe_time

    raw = acks.current_request.raw_body or b""
    body = raw if isinstance(raw, bytes) else raw.encode("utf-8")
    if len(body) > ACK_BODY_LIMIT:
        return _refusal(
            TooLargeError(f"the form is {len(body):,} bytes; an acknowledgement is under {ACK_BODY_LIMIT:,}")
        )
    fields = dict(parse_qsl(body.decode("utf-8", "replace")))
    c = container()
    try:
        person = _verified(page_id, fields)
        page = c.paging.acknowledge(page_id, person, c.clock(), via="the page's link")
    except SwitchboardError as exc:
        return _refusal(exc)
    when = describe_time(page.acked_at) if page.acked_at else "now"
    message = f"You have ticket {page.ticket_id} ({page.customer}) since {when}. Nobody else will be paged for it."
    return _html(result_page("Acknowledged — escalation stopped", message, "ok"))
