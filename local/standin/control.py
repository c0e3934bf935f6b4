"""The stand-in's control path, for tests against a running platform: ``/_standin/faults`` and ``/_standin/received``."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from pydantic import ValidationError

from local.standin.faults import FaultSpec
from local.standin.wire import Answer, Request

if TYPE_CHECKING:
    from local.standin.server import StandIn


def control(standin: StandIn, request: Request) -> Answer:
    """POST /_standin/faults (``fail()``'s arguments as JSON, ``provider`` first) → 201 the fault;
    GET lists the pending faults, DELETE clears them. GET /_standin/received lists the accepted
    messages (with their raw requests); DELETE clears messages and faults."""
    route = (request.method, request.path.rstrip("/"))
    if route == ("POST", "/_standin/faults"):
        try:
            spec = FaultSpec.model_validate(json.loads(request.body or b"{}"))
            fault = spec.fault()
        except (ValueError, ValidationError) as exc:  # pydantic's ValidationError is a ValueError too
            return Answer(400, {"error": str(exc).splitlines()[0] if str(exc) else type(exc).__name__})
        standin.faults.add(fault)
        return Answer(201, fault.describe())
    if route == ("GET", "/_standin/faults"):
        return Answer(200, [fault.describe() for fault in standin.faults.pending()])
    if route == ("DELETE", "/_standin/faults"):
        standin.faults.clear()
        return Answer(204)
    if route == ("GET", "/_standin/received"):
        return Answer(200, [message.describe() for message in list(standin.received)])
    if route == ("DELETE", "/_standin/received"):
        standin.clear()
        return Answer(204)
    return Answer(404, {"error": f"no control route {request.method} {request.path}"})
