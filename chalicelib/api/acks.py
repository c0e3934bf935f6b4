"""Acknowledgement links: GET shows the page on a phone, POST acknowledges it (a link never acts on GET:
mail scanners and link previews fetch URLs, and must not stop an escalation). The same signed fields
let the person reply to the customer (POST …/reply) or call them back (POST …/call), and, on a suspected
incident's page, confirm, dismiss or update the incident (POST …/incident/{confirm,dismiss,update})."""

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
    from chalicelib.paging.ack_incident import IncidentPanel

acks = Blueprint(__name__)

HTML: dict[str, str | list[str]] = {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"}
#: the POST carries three short fields (p, e, s): anything much larger is not our form
ACK_BODY_LIMIT = 2048
#: a reply's form: the signed fields, a token and up to 4,000 characters (percent-encoded, often 2-3x)
REPLY_BODY_LIMIT = 16 * 1024
#: an incident's update: the signed fields, a status or impact, components and up to 5,000 characters
INCIDENT_BODY_LIMIT = 32 * 1024
#: a dismissal: the signed fields and a reason of up to 300 characters
DISMISS_BODY_LIMIT = 4 * 1024


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
    return dict(_pairs(limit, what))


def _pairs(limit: int, what: str) -> list[tuple[str, str]]:
    """The posted form's fields in order, repeats kept (a multiple select sends one per choice)."""
    raw = acks.current_request.raw_body or b""
    body = raw if isinstance(raw, bytes) else raw.encode("utf-8")
    if len(body) > limit:
        raise TooLargeError(f"the form is {len(body):,} bytes; {what} is under {limit:,}")
    return parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)


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
    from chalicelib.paging.ack_incident import incident_block
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
    path = f"{request.context.get('path') or ''}"
    panel = _incident_panel(page, path)
    incident = "" if panel is None else incident_block(panel, path, hidden)
    console = _console_link(page, person)
    return _html(confirm_page(page, name_of(page, person), path, hidden, conversation, incident, console))


def _console_link(page: Page, person: str) -> str | None:
    """A sign-in link for the verified person that lands on the page's ticket in the console; None without
    the console's secret (the ack page must work without it)."""
    from chalicelib.api.console_session import stage_prefix
    from chalicelib.console import session
    from chalicelib.console.sign_in import auth_path

    c = container()
    try:
        secret = c.secret("console").get()
    except SwitchboardError:
        logger.warning("ack page without its console link", extra={"page_id": page.page_id})
        return None
    token = session.issue(person, c.clock(), secret, purpose=session.SIGN_IN, ttl=session.LINK_TTL)
    return stage_prefix(acks.current_request) + auth_path(token, f"/console/tickets/{page.ticket_id}")


def _incident_panel(page: Page, path: str) -> IncidentPanel | None:
    """The incident this page was sent for, with its reports; None for a ticket's page or if it cannot be read."""
    from chalicelib.paging.ack_incident import IncidentPanel
    from chalicelib.paging.escalation import name_of

    c = container()
    try:
        incident = c.ack_incidents.for_page(page)
        if incident is None:
            return None
        reports = c.ack_incidents.reports(incident)
    except SwitchboardError:
        # the page still shows its ticket and can be acknowledged; the CLI runs the incident meanwhile
        logger.warning("ack page without its incident", extra={"page_id": page.page_id})
        return None
    return IncidentPanel(
        incident=incident,
        reports=reports,
        status_url=_status_url(path),
        product=c.settings.status_page_title,
        components=tuple(c.incidents.components),
        names={u.by: name_of(page, u.by) for u in incident.updates},
    )


def _status_url(path: str) -> str:
    from chalicelib.paging.ack_incident import status_url

    return status_url(container().settings.public_base_url, path)


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


# ---- a suspected incident's page: confirm, dismiss, update --------------------------------------


def _page(page_id: str) -> Page:
    page: Page | None = container().pages.get(page_id)
    if page is None:
        raise NotFoundError(f"there is no page {page_id}")
    return page


def _incident_answer(title: str, message: str, fields: dict[str, str], status_page: str | None = None) -> Response:
    """The result page, with the status page's link and the way back to the page (its signed link again)."""
    from urllib.parse import urlencode

    from chalicelib.paging.ack_page import result_page

    path = f"{acks.current_request.context.get('path') or ''}".rsplit("/incident/", 1)[0]
    links = [("The status page", status_page)] if status_page else []
    links.append(("Back to the page", f"{path}?{urlencode({k: fields.get(k, '') for k in ('p', 'e', 's')})}"))
    return _html(result_page(title, message, "ok", links))


def _incident_refusal(exc: SwitchboardError, otherwise: str) -> Response:
    from chalicelib.paging.ack_page import result_page
    from chalicelib.services.ack_incidents import IncidentStateError

    if isinstance(exc, IncidentStateError):
        # a repeat, or someone else was first: what already happened, not an error
        return _html(result_page(exc.title, exc.reason, "info"), exc.http_status)
    return _refusal(exc, otherwise)


@acks.route("/ack/{page_id}/incident/confirm", methods=["POST"], content_types=["application/x-www-form-urlencoded"])
def confirm_incident(page_id: str) -> Response:
    """Confirm the page's suspected incident: public, investigating, in the person's words; the page is taken."""
    from chalicelib.paging.ack_incident import confirmed_message

    c = container()
    try:
        pairs = _pairs(INCIDENT_BODY_LIMIT, "an incident's confirmation")
        fields = dict(pairs)
        person = _verified(page_id, fields)
        page = _page(page_id)
        components = [v for k, v in pairs if k == "component"]
        done = c.ack_incidents.confirm(page, person, fields.get("body", ""), fields.get("impact", ""), components)
        linked = len(c.ack_incidents.reports(done.incident))
    except SwitchboardError as exc:
        return _incident_refusal(exc, "Not confirmed")
    logger.info("incident confirmed from the page", extra={"page_id": page_id, "incident": done.incident.incident_id})
    url = _status_url(f"{acks.current_request.context.get('path') or ''}")
    return _incident_answer(
        "Incident confirmed", confirmed_message(done.incident, linked, url, done.page_note), fields, url
    )


@acks.route("/ack/{page_id}/incident/dismiss", methods=["POST"], content_types=["application/x-www-form-urlencoded"])
def dismiss_incident(page_id: str) -> Response:
    """A false alarm: nothing is published or unlinked, and reports page one by one again."""
    from chalicelib.paging.ack_incident import dismissed_message

    c = container()
    try:
        fields = _form(DISMISS_BODY_LIMIT, "a dismissal")
        person = _verified(page_id, fields)
        page = _page(page_id)
        dismissed = c.ack_incidents.dismiss(page, person, fields.get("reason", ""))
        linked = len(c.ack_incidents.reports(dismissed))
    except SwitchboardError as exc:
        return _incident_refusal(exc, "Not dismissed")
    logger.info("incident dismissed from the page", extra={"page_id": page_id, "incident": dismissed.incident_id})
    return _incident_answer("Dismissed as a false alarm", dismissed_message(dismissed, linked), fields)


@acks.route("/ack/{page_id}/incident/update", methods=["POST"], content_types=["application/x-www-form-urlencoded"])
def update_incident(page_id: str) -> Response:
    """A public update from the page; the status "resolved" resolves the incident."""
    from chalicelib.paging.ack_incident import updated_message

    c = container()
    try:
        fields = _form(INCIDENT_BODY_LIMIT, "an incident's update")
        person = _verified(page_id, fields)
        page = _page(page_id)
        updated = c.ack_incidents.update(
            page, person, fields.get("status", ""), fields.get("body", ""), fields.get("seen", "")
        )
    except SwitchboardError as exc:
        return _incident_refusal(exc, "Not posted")
    logger.info("incident updated from the page", extra={"page_id": page_id, "incident": updated.incident_id})
    url = _status_url(f"{acks.current_request.context.get('path') or ''}")
    title = "Incident resolved" if updated.status.closed else "Update posted"
    return _incident_answer(title, updated_message(updated, url), fields, url)
