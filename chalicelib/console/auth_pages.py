"""The sign-in pages (ask for a link, link sent, link refused, too many requests) as HTML, with Jinja2.

Jinja2 is imported at the top: only the console's sign-in routes import this module, on first use,
so a webhook's cold start never loads it. The pages carry their own small stylesheet inline, pinned
by its hash in the Content-Security-Policy (``headers()``), so they need no other file.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from chalicelib.api.console_session import CSP

TEMPLATES = Path(__file__).parent / "templates"
STYLE = (TEMPLATES / "auth.css").read_text(encoding="utf-8")


@cache
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined)


def render(template: str, **values: Any) -> str:
    return _environment().get_template(template).render(style=Markup(STYLE), **values)


def headers() -> dict[str, str]:
    """The console's Content-Security-Policy, with this stylesheet's hash allowed beside 'self'."""
    digest = base64.b64encode(hashlib.sha256(STYLE.encode("utf-8")).digest()).decode("ascii")
    return {"Content-Security-Policy": CSP.replace("style-src 'self'", f"style-src 'self' 'sha256-{digest}'")}
