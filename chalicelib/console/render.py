"""The console's HTML: Jinja2 templates from console/templates/, autoescaped, built once per container.

This module imports Jinja2 at the top: only the console's routes import it, on first use, so a webhook's
cold start never loads it. Templates only lay out what the views (console/views/) prepared.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

TEMPLATES = Path(__file__).parent / "templates"
STYLESHEET = Path(__file__).parent / "static" / "console.css"


@cache
def environment() -> Environment:
    # autoescape everything: a customer's message is hostile input, shown in full
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,  # a misspelt name fails the render in tests instead of showing nothing
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)


@cache
def stylesheet() -> str:
    return STYLESHEET.read_text(encoding="utf-8")
