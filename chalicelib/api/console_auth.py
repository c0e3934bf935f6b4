"""Console sign-in: ask for a link (GET/POST /console/sign-in), follow it (GET /console/auth), sign out.

The link is the only credential: it arrives over the person's own pager subscription, works for 15
minutes, and trades for a 12-hour session cookie. A POST to /console/sign-in is answered with the same
page whatever the address (known, unknown, over its limit), so the form cannot be used to learn who is
on the team; only a source IP over its limit gets 429.
"""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.api import console_session
from chalicelib.bootstrap import container
from chalicelib.errors import SwitchboardError
from chalicelib.observability import logger

console_auth = Blueprint(__name__)

#: the sign-in form carries an address (≤ 254) and a next path (≤ 512), percent-encoded
SIGN_IN_BODY_LIMIT = 4096
#: sign-out carries the CSRF token only
SIGN_OUT_BODY_LIMIT = 1024


def _page(template: str, status: int = 200, headers: dict[str, str] | None = None, **values: object) -> Response:
    from chalicelib.console import auth_pages
    from chalicelib.console.session import LINK_TTL

    prefix = console_session.stage_prefix(console_auth.current_request)
    minutes = int(LINK_TTL.total_seconds() // 60)
    body = auth_pages.render(template, prefix=prefix, minutes=minutes, **values)
    return console_session.html(body, status, {**auth_pages.headers(), **(headers or {})})


def _query(name: str) -> str:
    params = console_auth.current_request.query_params
    return str(params.get(name) or "") if params else ""


@console_auth.route("/console/sign-in", methods=["GET"])
def sign_in_form() -> Response:
    from chalicelib.console.sign_in import safe_next

    notice = "You are signed out." if _query("signed_out") else ""
    return _page("sign_in.html", next=safe_next(_query("next")), notice=notice, notice_kind="ok")


@console_auth.route("/console/sign-in", methods=["POST"], content_types=["application/x-www-form-urlencoded"])
def ask_for_link() -> Response:
    from chalicelib.console.sign_in import SENT_WORDS, safe_next
    from chalicelib.services.console_sign_in import Outcome

    request = console_auth.current_request
    c = container()
    try:
        fields = console_session.form_fields(request, SIGN_IN_BODY_LIMIT)
        source = str(((request.context or {}).get("identity") or {}).get("sourceIp") or "unknown")
        outcome = c.sign_in.request(fields.get("address", ""), source, fields.get("next", ""))
    except SwitchboardError as exc:
        # a store that cannot count fails alike for every address: it tells nothing about any of them
        logger.warning("sign-in request refused", extra={"reason": exc.reason})
        return console_session.problem("Sign-in is unavailable", exc.reason, exc.http_status, "/console/sign-in")
    next_path = safe_next(fields.get("next"))
    if outcome is Outcome.LIMITED_IP:
        window = int(c.sign_in.per_ip.window.total_seconds() // 60)
        return _page("too_many.html", 429, {"Retry-After": str(window * 60)}, window=window)
    return _page("sign_in_sent.html", words=SENT_WORDS, next=next_path)


@console_auth.route("/console/auth", methods=["GET"])
def follow_link() -> Response:
    """Trade a sign-in link's token for a session cookie, and go where the link said."""
    from chalicelib.console import session
    from chalicelib.console.sign_in import safe_next

    request = console_auth.current_request
    c = container()
    next_path = safe_next(_query("next"))
    secret = console_session.secret()
    now = c.clock()
    link = session.read(_query("t"), now, secret, purpose=session.SIGN_IN)
    if link is None or link.person not in c.rules.document.people:
        reason = (
            "It has expired (a link works for 15 minutes), was already replaced by a newer way in, or was "
            "copied incompletely. Ask for a new link: it comes to your phone or email within a minute."
        )
        return _page("link_refused.html", 403, reason=reason, next=next_path)
    logger.info("console sign-in", extra={"person": link.person})
    cookie = console_session.session_cookie(request, session.issue(link.person, now, secret))
    prefix = console_session.stage_prefix(request)
    return Response(
        body="",
        status_code=303,
        headers={**console_session.HEADERS, "Location": f"{prefix}{next_path}", "Set-Cookie": cookie},
    )


@console_auth.route("/console/sign-out", methods=["POST"], content_types=["application/x-www-form-urlencoded"])
def sign_out() -> Response:
    request = console_auth.current_request
    prefix = console_session.stage_prefix(request)
    done = {
        "Location": f"{prefix}/console/sign-in?signed_out=1",
        "Set-Cookie": console_session.cleared_cookie(request),
    }
    seen = console_session.viewer(request)
    if seen is None:
        # nobody to sign out: clearing a stale cookie is harmless, and no form of ours could carry a token
        return Response(body="", status_code=303, headers={**console_session.HEADERS, **done})
    try:
        fields = console_session.form_fields(request, SIGN_OUT_BODY_LIMIT)
    except SwitchboardError as exc:
        return console_session.problem("Not signed out", exc.reason, exc.http_status)
    if not console_session.check_csrf(seen, fields):
        return console_session.forbidden()
    logger.info("console sign-out", extra={"person": seen.person})
    return Response(body="", status_code=303, headers={**console_session.HEADERS, **done})
