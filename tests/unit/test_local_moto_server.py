"""The moto server process's own hooks answer only under their prefix; everything else is moto's."""

from __future__ import annotations

import io
from typing import Any

import pytest

from local.moto_server import HOOKS, LocalHooks


def call(app: Any, method: str, path: str, body: bytes = b"") -> tuple[str, bytes]:
    answered: list[str] = []
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    chunks = app(environ, lambda status, _headers: answered.append(status))
    return answered[0], b"".join(chunks)


def moto(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [])
    return [b"moto answered"]


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "answer"),
    [
        pytest.param("POST", "/", b"Action=ListQueues", "200 OK", b"moto answered", id="an AWS request goes to moto"),
        pytest.param("POST", "/moto-api/reset", b"", "200 OK", b"moto answered", id="moto's own API goes to moto"),
        pytest.param("POST", f"{HOOKS}nothing", b"{}", "404 Not Found", b"no such hook", id="an unknown hook"),
        pytest.param(
            "GET", f"{HOOKS}access-key", b"", "404 Not Found", b"no such hook", id="a hook by the wrong method"
        ),
        pytest.param(
            "POST", f"{HOOKS}access-key", b"not json", "400 Bad Request", b"error", id="a body that is not JSON"
        ),
        pytest.param("POST", f"{HOOKS}access-key", b'{"user": "u"}', "400 Bad Request", b"error", id="missing fields"),
    ],
)
def test_hooks_answer_under_their_prefix_only(method: str, path: str, body: bytes, status: str, answer: bytes) -> None:
    # GIVEN moto's app behind the hooks
    app = LocalHooks(moto)
    # WHEN a request arrives
    got_status, got_body = call(app, method, path, body)
    # THEN moto answers what is not a hook, and a hook answers only what it understands
    assert got_status == status
    assert answer in got_body
