"""Meta's Graph Send API (Messenger, Instagram): page token and appsecret_proof in the query, Graph errors."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from local.standin.faults import Fault
from local.standin.wire import Accepted, Answer, Ids, Received, Request

PATH = re.compile(r"^/meta/(?P<version>v\d+\.\d+)/(?P<page>\d+)/messages$")
ID = re.compile(r"^\d{1,30}$")
MAX_TEXT = 2000
MESSAGES = {
    1: "An unknown error occurred",
    2: "An unexpected error has occurred. Please retry your request later.",
    4: "(#4) Application request limit reached",
    10: "(#10) This message is sent outside of allowed window.",
    17: "(#17) User request limit reached",
    32: "(#32) Page request limit reached",
    100: "(#100) Invalid parameter",
    190: "Invalid OAuth access token - Cannot parse access token",
    551: "(#551) This person isn't available right now.",
    613: "(#613) Calls to this api have exceeded the rate limit.",
}


def error(
    code: int, message: str | None = None, status: int = 400, subcode: int | None = None, kind: str = "OAuthException"
) -> Answer:
    detail: dict[str, Any] = {"message": message or MESSAGES.get(code, f"(#{code}) Error"), "type": kind, "code": code}
    if subcode is not None:
        detail["error_subcode"] = subcode
    detail["fbtrace_id"] = "AStandInTrace0000000000"
    return Answer(status, {"error": detail})


class MetaApi:
    name = "meta"
    prefix = "/meta"

    def __init__(self, page_access_token: str, app_secret: str, ids: Ids, clock: Callable[[], datetime]) -> None:
        self.page_access_token = page_access_token
        self.app_secret = app_secret
        self.ids = ids
        self.clock = clock

    def handle(self, request: Request) -> Answer | Accepted:
        match = PATH.match(request.path)
        if match is None:
            return error(
                100,
                "Unknown path components: the stand-in serves /{version}/{page-id}/messages",
                kind="GraphMethodException",
                subcode=33,
            )
        if request.method != "POST":
            return error(100, f"Unsupported {request.method.lower()} request.", kind="GraphMethodException", subcode=33)
        refusal = self._authenticate(request.query)
        if refusal is not None:
            return refusal
        try:
            body = request.json() if request.media_type() == "application/json" else None
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return error(100, "(#100) The request body must be a JSON object (Content-Type: application/json)")
        return self._send(request, match["page"], body)

    def _authenticate(self, query: dict[str, list[str]]) -> Answer | None:
        token = (query.get("access_token") or [""])[-1]
        if not token:
            return error(104, "An access token is required to request this resource.")
        if not hmac.compare_digest(token.encode(), self.page_access_token.encode()):
            return error(190)
        proof = (query.get("appsecret_proof") or [""])[-1]
        if not proof:
            return error(
                100, "API calls from the server require an appsecret_proof argument", kind="GraphMethodException"
            )
        expected = hmac.new(self.app_secret.encode(), token.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(proof.encode(), expected.encode()):
            return error(100, "Invalid appsecret_proof provided in the API argument", kind="GraphMethodException")
        return None

    def _send(self, request: Request, page: str, body: dict[str, Any]) -> Answer | Accepted:
        recipient, message = body.get("recipient"), body.get("message")
        kind, tag = body.get("messaging_type"), body.get("tag")
        extra = sorted(set(body) - {"recipient", "messaging_type", "message", "tag"})
        if extra:
            return error(100, f"(#100) Param {extra[0]} is not allowed here")
        if not isinstance(recipient, dict) or set(recipient) != {"id"} or not ID.match(str(recipient["id"])):
            return error(100, "(#100) The parameter recipient is required")
        if kind == "RESPONSE" and tag is not None:
            return error(100, "(#100) Tags are only allowed with messaging_type MESSAGE_TAG")
        # a person's late reply (24 h to 7 days) is the only tagged message the wire format allows
        if kind == "MESSAGE_TAG" and tag != "HUMAN_AGENT":
            return error(100, f"(#100) Param tag must be HUMAN_AGENT here, not {tag!r}")
        if kind not in ("RESPONSE", "MESSAGE_TAG"):
            return error(100, f"(#100) Param messaging_type must be RESPONSE or MESSAGE_TAG, not {kind!r}")
        text = message.get("text") if isinstance(message, dict) and set(message) == {"text"} else None
        if not isinstance(text, str) or not text.strip():
            return error(100, '(#100) param message must be {"text": "…"} with non-empty text')
        if len(text) > MAX_TEXT:
            return error(100, f"(#100) Length of param message[text] must be less than or equal to {MAX_TEXT}")
        customer = str(recipient["id"])
        message_id = f"m_standin{self.ids.next():012d}"
        received = Received(self.name, "messages", customer, text, None, message_id, page, self.clock(), request)
        return Accepted(received, Answer(200, {"recipient_id": customer, "message_id": message_id}))

    def fault(self, fault: Fault, key: str) -> Answer:
        status = fault.status or (500 if fault.code in (1, 2) else 400)
        code = fault.code or (4 if status == 429 else 2 if status >= 500 else 100)
        return error(code, fault.message, status, fault.subcode)
