"""app.py in each Lambda function: only the API function (handler "app.app") imports and registers the routes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# a fresh interpreter, as Lambda starts one per function: what `import app` registered and loaded
PROBE = """\
import json, sys
import app
print(json.dumps({
    "routes": sorted(f"{m} {p}" for p, methods in app.app.routes.items() for m in methods),
    "blueprints": sorted(m for m in sys.modules if m.startswith("chalicelib.api.")),
    "handlers": [n for n in ("triage", "send_replies", "inbound_email", "escalate") if callable(getattr(app, n))],
}))
"""


def imported_app(handler: str | None) -> dict[str, list[str]]:
    env = {k: v for k, v in os.environ.items() if k != "_HANDLER"}
    if handler is not None:
        env["_HANDLER"] = handler
    proc = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    found: dict[str, list[str]] = json.loads(proc.stdout.strip().splitlines()[-1])
    return found


@pytest.fixture(scope="module")
def unnamed() -> dict[str, list[str]]:
    """`chalice package`, `chalice local`, tests and `make run` name no handler."""
    return imported_app(None)


def test_without_a_handler_named_every_route_is_registered(unnamed):
    # THEN the webhooks, the ack pages, the status page and the console are all there
    for route in ("POST /webhooks/widget", "GET /ack/{page_id}", "GET /status", "GET /console", "GET /health"):
        assert route in unnamed["routes"]


@pytest.mark.parametrize(
    ("handler", "serves_routes"),
    [
        pytest.param("app.app", True, id="api"),
        pytest.param("app.triage", False, id="triage"),
        pytest.param("app.send_replies", False, id="send_replies"),
        pytest.param("app.inbound_email", False, id="inbound_email"),
        pytest.param("app.escalate", False, id="escalate"),
    ],
)
def test_only_the_api_function_imports_the_blueprints(unnamed, handler, serves_routes):
    # GIVEN the function Lambda starts, named by its handler setting
    # WHEN it imports app.py
    found = imported_app(handler)
    # THEN the API function registers exactly the routes `chalice package` deploys; the others none,
    # and they never import a route's module; every function keeps its own handler
    assert found["routes"] == (unnamed["routes"] if serves_routes else [])
    assert bool(found["blueprints"]) is serves_routes
    assert found["handlers"] == unnamed["handlers"] == ["triage", "send_replies", "inbound_email", "escalate"]
