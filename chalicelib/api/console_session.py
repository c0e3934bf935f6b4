"""The console's request side: who is signed in (the session cookie), forms' CSRF tokens, HTML answers.

Every console route goes through here: ``viewer()`` reads and checks the cookie; ``signed_in()``
answers a redirect to the sign-in page when there is none; ``html()`` adds the headers every page
carries (no framing, a strict Content-Security-Policy, no caching of a person's queue).
"""

from __future__ import annotations

from http.cookies import SimpleCookie
from typing import TYPE_CHECKING
from urllib.parse import quote

from chalice.app import Request, Response

from chalicelib.bootstrap import container
from chalicelib.console import session

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
    cookies: SimpleCookie = SimpleCookie()
    cookies.load(str(request.headers.get("cookie") or ""))
    morsel = cookies.get(session.COOKIE)
    return session.read(morsel.value if morsel else None, container().clock(), secret())


def html(body: str, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(body=body, status_code=status, headers={**HEADERS, **(headers or {})})


def to_sign_in(request: Request) -> Response:
    """A redirect to the sign-in page that comes back here afterwards."""
    path = request.context.get("path") or "/console"
    stage = stage_prefix(request)
    return Response(body="", status_code=303, headers={"Location": f"{stage}/console/sign-in?next={quote(path)}"})


def stage_prefix(request: Request) -> str:
    """ "/prod" behind API Gateway's stage path, "" locally: links stay inside the stage."""
    path = str(request.context.get("path") or "")
    resource = str(request.context.get("resourcePath") or "")
    return path[: len(path) - len(resource)] if resource and path.endswith(resource) else ""
