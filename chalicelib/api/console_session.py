"""The console's request side: who is signed in (the session cookie), forms' CSRF tokens, HTML answers.

Every console route goes through here: ``require()`` gives the signed-in viewer, or the answer for
someone who is not (a redirect to the sign-in page for a GET, 403 for a POST); ``form_fields()``
reads a POST's body within a size limit; ``check_csrf()`` checks the form's ``csrf`` field against
the session; ``html()`` adds the headers every page carries (no framing, a strict
Content-Security-Policy, no caching of a person's queue).

In a route::

    seen = console_session.require(request)
    if isinstance(seen, Response):
        return seen
    fields = console_session.form_fields(request, 16 * 1024)   # TooLargeError (413) past the limit
    if not console_session.check_csrf(seen, fields):
        return console_session.forbidden()
    ... render with csrf=console_session.csrf(seen) in every form ...
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, quote

from chalice.app import Request, Response

from chalicelib.bootstrap import container
from chalicelib.console import session
from chalicelib.errors import TooLargeError

if TYPE_CHECKING:
    from chalicelib.console.session import Viewer

#: no scripts but our own files, no framing, forms post only to us
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-store",
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def secret() -> str:
    return str(container().secret("console").get())


def viewer(request: Request) -> Viewer | None:
    """The signed-in person, or None (no cookie, a forged or expired one)."""
    seen = session.read(_cookie_value(str(request.headers.get("cookie") or "")), container().clock(), secret())
    # a person taken out of the rules loses the console at once, not when their 12 hours run out
    return seen if seen is not None and seen.person in container().rules.document.people else None


def _cookie_value(header: str) -> str | None:
    """Our cookie's value from a Cookie header. Not SimpleCookie: it raises on a name it finds illegal
    ("a@b=1"), and any cookie another app on the domain sets would then sign everyone out."""
    for part in header.split(";"):
        name, _, value = part.strip().partition("=")
        if name == session.COOKIE:
            return value.strip().strip('"')
    return None


def require(request: Request) -> Viewer | Response:
    """The signed-in viewer; else a redirect to the sign-in page (GET) or 403 (anything else)."""
    seen = viewer(request)
    if seen is not None:
        return seen
    return to_sign_in(request) if request.method in ("GET", "HEAD") else forbidden("You are not signed in.")


def csrf(seen: Viewer) -> str:
    """The value of every console form's hidden ``csrf`` field for this session."""
    return session.csrf_token(seen, secret())


def check_csrf(seen: Viewer, fields: dict[str, str]) -> bool:
    """Whether a POST's ``csrf`` field is this session's: a page on another site cannot know it."""
    return session.csrf_ok(seen, fields.get("csrf"), secret())


def form_fields(request: Request, limit: int) -> dict[str, str]:
    """A urlencoded POST body's fields (the last of a repeated name); TooLargeError (413) past ``limit`` bytes,
    before anything is parsed."""
    return dict(form_pairs(request, limit))


def form_pairs(request: Request, limit: int) -> list[tuple[str, str]]:
    """The fields in order, repeats kept (a multiple select sends one per choice)."""
    raw = request.raw_body or b""
    body = raw if isinstance(raw, bytes) else raw.encode("utf-8")
    if len(body) > limit:
        raise TooLargeError(f"the form is {len(body):,} bytes; this form takes up to {limit:,}")
    return parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)


def forbidden(reason: str = "This form could not be checked: reload the page and try again.") -> Response:
    return problem("Not allowed", reason, 403)


def problem(title: str, reason: str, status: int, home: str = "/console") -> Response:
    """A small page for a refusal (403, 413, 429): the reason, and the way back to the console."""
    body = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title></head><body><main><h1>{escape(title)}</h1>"
        f'<p>{escape(reason)}</p><p><a href="{escape(home)}">Back to the console</a></p></main></body></html>\n'
    )
    return html(body, status)


def html(body: str, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(body=body, status_code=status, headers={**HEADERS, **(headers or {})})


def to_sign_in(request: Request) -> Response:
    """A redirect to the sign-in page that comes back here afterwards."""
    stage = stage_prefix(request)
    path = str(request.context.get("path") or "/console").removeprefix(stage) or "/console"
    query = "&".join(f"{quote(k)}={quote(v)}" for k, v in (request.query_params or {}).items())
    back = f"{path}?{query}" if query else path
    return Response(
        body="", status_code=303, headers={"Location": f"{stage}/console/sign-in?next={quote(back, safe='')}"}
    )


def stage_prefix(request: Request) -> str:
    """ "/api" behind API Gateway's stage path, "" locally: links and cookies stay inside the stage.

    API Gateway's ``resourcePath`` is the route's template ("/console/tickets/{ticket_id}"), and
    ``path`` the path asked for with the stage in front ("/api/console/tickets/T-1"): the prefix is
    what comes before the template's last N segments, once each literal segment is seen to match.
    """
    path = [p for p in str(request.context.get("path") or "").split("/") if p]
    resource = [p for p in str(request.context.get("resourcePath") or "").split("/") if p]
    if not resource or len(path) < len(resource):
        return ""
    tail = path[len(path) - len(resource) :]
    if any(r != p and not (r.startswith("{") and r.endswith("}")) for r, p in zip(resource, tail, strict=True)):
        return ""
    head = path[: len(path) - len(resource)]
    return "/" + "/".join(head) if head else ""


def secure_cookies() -> bool:
    """Whether the session cookie is marked Secure: everywhere but a local stage served over plain http.

    A browser would not send a Secure cookie back to http://127.0.0.1:8000 (`make run`); any stage
    whose public URL is https, and every stage but "local", gets Secure.
    """
    s = container().settings
    return not (s.stage == "local" and not (s.public_base_url or "").startswith("https://"))


def session_cookie(request: Request, token: str) -> str:
    """The Set-Cookie value that signs the browser in for the session's 12 hours."""
    seconds = int(session.SESSION_TTL.total_seconds())
    return _cookie(request, token, seconds)


def cleared_cookie(request: Request) -> str:
    """The Set-Cookie value that signs the browser out (an empty, already expired cookie)."""
    return _cookie(request, "", 0)


def _cookie(request: Request, value: str, max_age: int) -> str:
    # HttpOnly: no script reads it; SameSite=Lax: a cross-site POST does not carry it (CSRF tokens still
    # guard every form) while a link from a page's email or SMS still lands signed in
    parts = [f"{session.COOKIE}={value}", f"Max-Age={max_age}", f"Path={stage_prefix(request) or '/'}"]
    parts += ["HttpOnly", "SameSite=Lax"]
    if secure_cookies():
        parts.append("Secure")
    return "; ".join(parts)
