"""Acknowledgement links: GET shows the page on a phone, POST acknowledges it (a link never acts on GET:
mail scanners and link previews fetch URLs, and must not stop an escalation). The same signed fields
let the person reply to the customer (POST …/reply) or call them back (POST …/call)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from chalice.app import Blueprint, Response

from chalicelib.bootstrap import container
from chalicelib.errors import NotFoundError, SwitchboardError, TooLargeError
from chalicelib.observability import logger

if TYPE_CHECKING:
    from chalicelib.model.page import Page
    from chalicelib.paging.ack_details import Conversation

acks = Blueprint(__name__)

HTML: dict[str, str | list[str]] = {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"}
#: the POST carries three short fields (p, e, s): anything much larger is not our form
ACK_BODY_LIMIT = 2048
#: a reply's form: the signed fields, a token and up to 4,000 characters (percent-encoded, often 2-3x)
REPLY_BODY_LIMIT = 16 * 1024


def _html(body: str, status: int = 200) -> Response:
    from chalicelib.paging.ack_page import SECURITY_HEADERS

    return Response(body=body, status_code=status, headers={**HTML, **SECURITY_HEADERS})


def _verified(page_id: str, fields: dict[str, str]) -> str:
    """The person the link was signed for; LinkError (403) for a forged, altered or expired link."""
    from chalicelib.paging.links import verify

    c = container()
    return verify(page_id, fields.get("p"), fields.get("e"), fields.get("s"), c.secret("ack").get(), c.clock())


def _refusal(exc: SwitchboardError, otherwise: str = "Not acknowledged") -> Response:
    from chalicelib.paging.ack_page import result_page

    titles = {403: "This link does not work", 404: "No such page"}
    title = titles.get(exc.http_status, otherwise)
    return _html(result_page(title, exc.reason, "error"), exc.http_status)


def _form(limit: int, what: str) -> dict[str, str]:
    """The posted form's fields; TooLargeError (413) past ``limit`` bytes, before anything is parsed."""
    raw = acks.current_request.raw_body or b""
    body = raw if isinstance(raw, bytes) else raw.encode("utf-8")
    if len(body) > limit:
        raise TooLargeError(f"the form is {len(body):,} bytes; {what} is under {limit:,}")
    return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))


def _conversation(page: Page, person: str) -> Conversation | None:
    """The ticket behind the page, for the message, contact, reply box and call-back; None if it cannot be read."""
    import secrets

    from chalicelib.paging.ack_details import Conversation
    from chalicelib.paging.contact import company_line, customer_phone

    c = container()
    try:
        ticket = c.tickets.get(page.ticket_id)
    except SwitchboardError:
        # the page still shows its summary and can be acknowledged: a ticket read must not block that
        logger.warning("ack page without its ticket", extra={"page_id": page.page_id})
        return None
    if ticket is None:
        return None
    me = next((r for r in page.everyone() if r.person == person), None)
    s = c.settings
    return Conversation(
        ticket=ticket,
        now=c.clock(),
        token=secrets.token_urlsafe(24),
        person_phone=me.phone if me is not None else None,
        customer_phone=customer_phone(ticket),
        # no Twilio account, no call-back: the button would only fail
        company_line=company_line(ticket.event, s.support_phone) if s.outbound.twilio_account_sid else None,
    )


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
    conversation = _conversation(page, person)
    return _html(
        confirm_page(page, name_of(page, person), f"{request.context.get('path') or ''}", hidden, conversation)
    )


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


@acks.route("/ack/{page_id}/reply", methods=["POST"], content_types=["application/x-www-form-urlencoded"])
def reply(page_id: str) -> Response:
    """The reply box: verified like the acknowledgement, then through the outbox to the customer's channel."""
    from chalicelib.paging.ack_page import result_page

    c = container()
    try:
        fields = _form(REPLY_BODY_LIMIT, "a reply")
        person = _verified(page_id, fields)
        answered = c.page_replies.from_page(page_id, person, fields.get("text", ""), fields.get("token", ""), c.clock())
    except SwitchboardError as exc:
        return _refusal(exc, "Not sent")
    took = " You have the ticket now: escalation stopped." if answered.took else ""
    message = f"Sent to {answered.to}. The ticket shows your reply, and its first-response timer has stopped.{took}"
    return _html(result_page("Reply sent", message, "ok"))


@acks.route("/ack/{page_id}/call", methods=["POST"], content_types=["application/x-www-form-urlencoded"])
def call_back(page_id: str) -> Response:
    """The call-back button: ring the person's phone from the company line, then bridge the customer."""
    from chalicelib.paging.ack_page import result_page

    c = container()
    try:
        fields = _form(ACK_BODY_LIMIT, "a call-back")
        person = _verified(page_id, fields)
        placed = c.callbacks.call(page_id, person, c.clock())
    except SwitchboardError as exc:
        return _refusal(exc, "Not called")
    message = (
        f"Your phone ({placed.person_phone}) will ring from the company line {placed.company_number}. "
        f"Answer it and you are connected to {placed.customer}, who sees the company line."
    )
    return _html(result_page("Calling you now", message, "ok"))
