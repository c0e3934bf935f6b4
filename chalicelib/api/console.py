"""The console's pages for a signed-in person: Now, Tickets, Ticket (with its actions) and Schedule.

Server-rendered, no JavaScript: each GET reads a few items, a pure view (console/views/) shapes them, and a
template lays them out; each action is a POST form carrying the session's CSRF token that answers 303 back
to the ticket with a one-line notice. Jinja2 and the views are imported inside the routes: app.py imports
this module, and a webhook's cold start must not pay for them.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from chalice.app import Blueprint, Request, Response

from chalicelib.api import console_session
from chalicelib.bootstrap import container
from chalicelib.console import session
from chalicelib.errors import NotFoundError, PayloadError, SwitchboardError
from chalicelib.observability import logger

if TYPE_CHECKING:
    from chalicelib.console.session import Viewer
    from chalicelib.model.page import Page
    from chalicelib.model.ticket import Ticket
    from chalicelib.model.timeline import Entry

console = Blueprint(__name__)

PAGE_SIZE = 25
#: a reply of up to 4,000 characters, percent-encoded (often 2-3x), and a few short fields
FORM_LIMIT = 24 * 1024
#: a reply form's one-time token (random per render): a double submit sends one reply
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_TICKET = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
#: what a redirect back to the ticket says; codes, not text, in the URL, so a link cannot put words in our mouth
NOTICES = {
    "acknowledged": "You have the page: escalation stopped.",
    "replied": "Reply recorded: it goes to the customer on their channel.",
    "calling": "Calling: your phone rings first, then the customer's.",
    "resolved": "Ticket resolved.",
    "reopened": "Ticket reopened.",
    "linked": "Linked to the incident: its updates will reach this customer.",
    "already-linked": "The ticket was already linked to that incident.",
}


# ---- rendering


def _page(
    request: Request, viewer: Viewer, template: str, title: str, active: str, status: int = 200, **ctx: Any
) -> Response:
    from chalicelib.console.render import render
    from chalicelib.console.views.clock import viewer_zone
    from chalicelib.console.views.now import person_name

    rules = container().rules
    body = render(
        template,
        title=title,
        active=active,
        prefix=console_session.stage_prefix(request),
        viewer_name=person_name(rules, viewer.person),
        zone=viewer_zone(rules, viewer.person).key,
        csrf=session.csrf_token(viewer, console_session.secret()),
        notice=ctx.pop("notice", None),
        error=ctx.pop("error", None),
        **ctx,
    )
    return console_session.html(body, status)


def _trouble(request: Request, viewer: Viewer, exc: SwitchboardError, title: str = "Not available") -> Response:
    from chalicelib.console.render import render

    body = render(
        "base.html",
        title=title,
        active="",
        prefix=console_session.stage_prefix(request),
        viewer_name=viewer.person,
        zone="",
        csrf=session.csrf_token(viewer, console_session.secret()),
        notice=None,
        error=exc.reason,
    )
    return console_session.html(body, exc.http_status)


def _params(request: Request) -> dict[str, str]:
    return {str(k): str(v) for k, v in (request.query_params or {}).items()}


@console.route("/console/static/console.css", methods=["GET"])
def stylesheet() -> Response:
    from chalicelib.console.render import stylesheet as css

    headers = {"Content-Type": "text/css; charset=utf-8", "Cache-Control": "public, max-age=3600"}
    return Response(body=css(), status_code=200, headers={**headers, "X-Content-Type-Options": "nosniff"})


@console.route("/console", methods=["GET"])
def now_page() -> Response:
    from chalicelib.console.views.clock import viewer_zone
    from chalicelib.console.views.now import now_view

    request = console.current_request
    viewer = console_session.require(request)
    if isinstance(viewer, Response):
        return viewer
    c = container()
    try:
        now = c.clock()
        view = now_view(
            c.rules,
            c.pages.open_pages(),
            c.incidents_table.open_incidents(),
            viewer_zone(c.rules, viewer.person),
            now,
            c.status_url,
        )
    except SwitchboardError as exc:
        return _trouble(request, viewer, exc)
    return _page(request, viewer, "now.html", "Now", "now", view=view)


@console.route("/console/tickets", methods=["GET"])
def tickets_page() -> Response:
    from chalicelib.console.views.clock import viewer_zone
    from chalicelib.console.views.tickets import filters_from, tickets_view

    request = console.current_request
    viewer = console_session.require(request)
    if isinstance(viewer, Response):
        return viewer
    c = container()
    params = _params(request)
    try:
        filters = filters_from(params)
        # one Query on the ByQueue index (adapters/ticket_queries.py)
        listing = c.ticket_queries.listing(filters, params.get("cursor") or None, PAGE_SIZE)
        view = tickets_view(
            listing, filters, list(c.rules.document.teams), viewer_zone(c.rules, viewer.person), c.clock()
        )
    except SwitchboardError as exc:
        return _trouble(request, viewer, exc)
    return _page(request, viewer, "tickets.html", "Tickets", "tickets", view=view)


@console.route("/console/schedule", methods=["GET"])
def schedule_page() -> Response:
    from chalicelib.console.views.clock import viewer_zone
    from chalicelib.console.views.schedule import schedule_view

    request = console.current_request
    viewer = console_session.require(request)
    if isinstance(viewer, Response):
        return viewer
    c = container()
    view = schedule_view(c.rules, viewer_zone(c.rules, viewer.person), c.clock())
    return _page(request, viewer, "schedule.html", "Schedule", "schedule", view=view)


@console.route("/console/tickets/{ticket_id}", methods=["GET"])
def ticket_page(ticket_id: str) -> Response:
    request = console.current_request
    viewer = console_session.require(request)
    if isinstance(viewer, Response):
        return viewer
    notice = NOTICES.get(_params(request).get("notice", ""))
    return _ticket(request, viewer, ticket_id, notice=notice)


def _ticket(request: Request, viewer: Viewer, ticket_id: str, status: int = 200, **notes: str | None) -> Response:
    import secrets

    from chalicelib.console.views.clock import viewer_zone
    from chalicelib.console.views.ticket import Context, ticket_view
    from chalicelib.paging.contact import company_line, customer_phone

    c = container()
    try:
        if not _TICKET.match(ticket_id):
            raise NotFoundError(f"there is no ticket {ticket_id[:64]}")
        # the ticket's partition (the ticket, its messages, timeline and replies) in one query, its pages, and
        # the customer's history: three requests for a ticket with one page (adapters/ticket_page.py)
        read = c.ticket_page(ticket_id)
        ticket = read.ticket
        me = c.rules.document.people.get(viewer.person)
        s = c.settings
        ctx = Context(
            follow_ups=read.follow_ups,
            history=[t for t in read.history if t.ticket_id != ticket.ticket_id],
            pages=read.pages,
            timeline=read.timeline,
            replies=read.replies,
            incidents=c.incidents_table.open_incidents(),
            # no Twilio account or no company line, no call-back: the button would only fail
            can_call=bool(me is not None and me.phone and s.outbound.twilio_account_sid)
            and company_line(ticket.event, s.support_phone) is not None,
            customer_phone=customer_phone(ticket),
        )
        view = ticket_view(ticket, ctx, viewer.person, viewer_zone(c.rules, viewer.person), c.clock())
    except SwitchboardError as exc:
        return _trouble(request, viewer, exc, "No such ticket" if exc.http_status == 404 else "Not available")
    return _page(
        request,
        viewer,
        "ticket.html",
        f"{ticket.ticket_id} {ticket.customer.name}",
        "tickets",
        status,
        view=view,
        reply_token=secrets.token_urlsafe(24),
        **notes,
    )


def _pages(timeline: list[Entry]) -> list[Page]:
    """The ticket's pages, found through its timeline (each page's entries name it): one read per page."""
    pages = container().pages
    found = (pages.get(page_id) for page_id in dict.fromkeys(e.page_id for e in timeline if e.page_id))
    return [p for p in found if p is not None]


def _load(ticket_id: str) -> Ticket:
    ticket: Ticket | None = container().tickets.get(ticket_id) if _TICKET.match(ticket_id) else None
    if ticket is None:
        raise NotFoundError(f"there is no ticket {ticket_id[:64]}")
    return ticket


@console.route(
    "/console/tickets/{ticket_id}/{action}", methods=["POST"], content_types=["application/x-www-form-urlencoded"]
)
def ticket_action(ticket_id: str, action: str) -> Response:
    request = console.current_request
    viewer = console_session.viewer(request)
    if viewer is None:
        # a POST is not replayed after signing in: say so, rather than redirect to a URL that only takes POSTs
        return console_session.html(
            "<!doctype html><title>Sign in</title><p>Your session ended: sign in again.</p>", 403
        )
    try:
        fields = console_session.form_fields(request, FORM_LIMIT)
    except SwitchboardError as exc:
        return _trouble(request, viewer, exc)
    if not console_session.check_csrf(viewer, fields):
        return console_session.html(
            "<!doctype html><title>Refused</title><p>The form is stale: reload the page.</p>", 403
        )
    act = ACTIONS.get(action)
    if act is None:
        return _trouble(request, viewer, NotFoundError(f"there is no action {action[:40]}"))
    try:
        ticket = _load(ticket_id)
        done = act(ticket, viewer, fields)
    except SwitchboardError as exc:
        logger.info("console action refused", extra={"action": action, "reason": exc.reason})
        return _ticket(request, viewer, ticket_id, status=exc.http_status, error=exc.reason)
    where = f"{console_session.stage_prefix(request)}/console/tickets/{quote(ticket_id)}?notice={done}"
    return Response(body="", status_code=303, headers={"Location": where, "Cache-Control": "no-store"})


# ---- the actions: each returns its notice's code, or raises a SwitchboardError whose reason the ticket shows


def _page_of(ticket: Ticket, fields: dict[str, str]) -> str:
    page_id = fields.get("page", "")
    page = container().pages.get(page_id) if page_id.startswith("P-") else None
    if page is None or page.ticket_id != ticket.ticket_id:
        raise PayloadError("that page is not this ticket's: reload the ticket", field="page")
    return page_id


def _acknowledge(ticket: Ticket, viewer: Viewer, fields: dict[str, str]) -> str:
    c = container()
    c.paging.acknowledge(_page_of(ticket, fields), viewer.person, c.clock(), via="the console")
    return "acknowledged"


def _reply(ticket: Ticket, viewer: Viewer, fields: dict[str, str]) -> str:
    from chalicelib.channels.bounds import clean_text
    from chalicelib.console.views.now import person_name
    from chalicelib.model.page import PageState

    c = container()
    token = fields.get("token", "")
    if not _TOKEN.match(token):
        raise PayloadError("the form has no valid token: reload the page and send again", field="token")
    now = c.clock()
    # as the ack page's box: a browser's CRLF as LF, control characters out (services/page_replies.py)
    text = clean_text(fields.get("text", "")).replace("\r\n", "\n").replace("\r", "\n").strip()
    c.replies.reply_as_person(ticket.ticket_id, viewer.person, person_name(c.rules, viewer.person), text, token, now)
    # answering the customer is taking the ticket, as a reply from the ack page is (services/page_replies.py)
    for page in _pages(c.pages.timeline(ticket.ticket_id)):
        if page.state is PageState.OPEN and viewer.person in {r.person for r in page.everyone()}:
            try:
                c.paging.acknowledge(page.page_id, viewer.person, now, via="a reply from the console")
            except SwitchboardError:
                logger.warning("replied, but could not take the page", extra={"page_id": page.page_id})
    return "replied"


def _call(ticket: Ticket, viewer: Viewer, fields: dict[str, str]) -> str:
    c = container()
    c.callbacks.call(_page_of(ticket, fields), viewer.person, c.clock())
    return "calling"


def _resolve(ticket: Ticket, viewer: Viewer, fields: dict[str, str]) -> str:
    c = container()
    # its pages stop escalating, and the timeline says who (services/tickets.py)
    c.ticket_service.resolve(ticket.ticket_id, viewer.person, c.clock())
    return "resolved"


def _reopen(ticket: Ticket, viewer: Viewer, fields: dict[str, str]) -> str:
    c = container()
    c.ticket_service.reopen(ticket.ticket_id, viewer.person, c.clock())
    return "reopened"


def _link(ticket: Ticket, viewer: Viewer, fields: dict[str, str]) -> str:
    from chalicelib.console.actions import link_to_incident
    from chalicelib.console.views.now import person_name

    c = container()
    name = person_name(c.rules, viewer.person)
    linked = link_to_incident(
        c.incidents_table, c.pages.record, ticket, fields.get("incident", ""), viewer.person, name, c.clock()
    )
    return "linked" if linked else "already-linked"


ACTIONS = {
    "acknowledge": _acknowledge,
    "reply": _reply,
    "call": _call,
    "resolve": _resolve,
    "reopen": _reopen,
    "link": _link,
}


# ---- an incident: confirm, dismiss, update, as on its page's ack link (the same forms, signed in instead)

_INCIDENT = re.compile(r"^I-[0-9a-f]{10}$")
INCIDENT_FORM_LIMIT = 32 * 1024


@console.route("/console/incidents/{incident_id}", methods=["GET"])
def incident_page(incident_id: str) -> Response:
    request = console.current_request
    viewer = console_session.require(request)
    if isinstance(viewer, Response):
        return viewer
    try:
        return _incident(request, viewer, incident_id)
    except SwitchboardError as exc:
        return _trouble(request, viewer, exc)


def _incident(request: Request, viewer: Viewer, incident_id: str, status: int = 200, **notes: str | None) -> Response:
    from chalicelib.paging.ack_incident import IncidentPanel, incident_block

    c = container()
    incident = c.incidents_table.get(incident_id) if _INCIDENT.match(incident_id) else None
    if incident is None:
        raise NotFoundError(f"there is no incident {incident_id[:64]}")
    panel = IncidentPanel(
        incident=incident,
        reports=c.incidents_table.reports(incident.incident_id),
        status_url=c.status_url,
        product=c.settings.status_page_title,
        components=tuple(c.incidents.components),
    )
    action = f"{console_session.stage_prefix(request)}/console/incidents/{incident.incident_id}"
    block = incident_block(panel, action, {"csrf": session.csrf_token(viewer, console_session.secret())})
    title = f"Incident {incident.incident_id}"
    return _page(request, viewer, "incident.html", title, "now", status, incident_id=incident_id, block=block, **notes)


@console.route(
    "/console/incidents/{incident_id}/incident/{move}",
    methods=["POST"],
    content_types=["application/x-www-form-urlencoded"],
)
def incident_move(incident_id: str, move: str) -> Response:
    """Confirm, dismiss or update an incident as the signed-in person; its page (if any) is taken on a confirm."""
    request = console.current_request
    viewer = console_session.require(request)
    if isinstance(viewer, Response):
        return viewer
    c = container()
    try:
        pairs = console_session.form_pairs(request, INCIDENT_FORM_LIMIT)
        fields = dict(pairs)
        if not console_session.check_csrf(viewer, fields):
            return console_session.forbidden()
        incident = c.incidents_table.get(incident_id) if _INCIDENT.match(incident_id) else None
        if incident is None:
            raise NotFoundError(f"there is no incident {incident_id[:64]}")
        page = c.pages.get(incident.page_id) if incident.page_id else None
        moves = c.ack_incidents
        if move == "confirm":
            components = [v for k, v in pairs if k == "component"]
            moves.confirm(page, viewer.person, fields.get("body", ""), fields.get("impact", ""), components,
                          incident_id=incident.incident_id)  # fmt: skip
            notice = "Confirmed: it is on the status page, and its reporters are being told."
        elif move == "dismiss":
            moves.dismiss(page, viewer.person, fields.get("reason", ""), incident_id=incident.incident_id)
            notice = "Dismissed as a false alarm: reports page one by one again."
        elif move == "update":
            done = moves.update(page, viewer.person, fields.get("status", ""), fields.get("body", ""),
                                fields.get("seen", ""), incident_id=incident.incident_id)  # fmt: skip
            notice = "Resolved: its reporters are being told, and their tickets close." if done.status.closed else (
                "Update posted: on the status page, and on its way to the reporters.")  # fmt: skip
        else:
            raise NotFoundError(f"there is no incident action {move[:32]}")
    except SwitchboardError as exc:
        try:
            return _incident(request, viewer, incident_id, exc.http_status, error=exc.reason)
        except SwitchboardError:
            return _trouble(request, viewer, exc)
    logger.info("incident moved from the console", extra={"incident": incident_id, "move": move})
    return _incident(request, viewer, incident_id, notice=notice)
