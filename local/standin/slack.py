"""Slack's Web API ``chat.postMessage``: a bot token, a JSON body, ``{"ok": false, "error": …}`` answers."""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable
from datetime import datetime

from local.standin.faults import Fault
from local.standin.wire import Accepted, Answer, Ids, Received, Request

PATH = "/slack/api/chat.postMessage"
CHANNEL = re.compile(r"^[CGD][A-Z0-9]{2,}$")
TS = re.compile(r"^\d{10}\.\d{6}$")
FIELDS = {"channel", "text", "thread_ts"}
MAX_TEXT = 40_000  # Slack truncates past 40,000 characters; the stand-in refuses, as msg_too_long


def error(name: str, status: int = 200, retry_after: float | None = None) -> Answer:
    # Slack answers API errors with 200 and ok=false; only rate limits (429) and outages differ
    headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else {}
    return Answer(status, {"ok": False, "error": name}, headers)


class SlackApi:
    name = "slack"
    prefix = "/slack/api"

    def __init__(self, bot_token: str, ids: Ids, clock: Callable[[], datetime]) -> None:
        self.bot_token = bot_token
        self.ids = ids
        self.clock = clock

    def handle(self, request: Request) -> Answer | Accepted:
        if request.path != PATH:
            return error("unknown_method", 404)
        if request.method != "POST":
            # Slack itself takes GET with query arguments too; the wire format fixes POST with JSON
            return error("invalid_request_data", 405)
        token = request.bearer()
        if token is None:
            return error("not_authed")
        if not hmac.compare_digest(token.encode(), self.bot_token.encode()):
            return error("invalid_auth")
        if not request.header("content-type"):
            return error("missing_post_type")
        if request.media_type() != "application/json":
            return error("invalid_post_type")
        try:
            body = request.json()
        except ValueError:
            return error("invalid_json")
        if not isinstance(body, dict):
            return error("json_not_object")
        return self._post(request, body)

    def _post(self, request: Request, body: dict[str, object]) -> Answer | Accepted:
        channel, text, thread_ts = body.get("channel"), body.get("text"), body.get("thread_ts")
        if set(body) - FIELDS:
            return error("invalid_arguments")
        if not isinstance(channel, str) or not CHANNEL.match(channel):
            return error("channel_not_found")
        if not isinstance(text, str) or not text.strip():
            return error("no_text")
        if len(text) > MAX_TEXT:
            return error("msg_too_long")
        # a reply always joins the customer's thread (replies wire format): a top-level post is a bug
        if not isinstance(thread_ts, str) or not TS.match(thread_ts):
            return error("invalid_arguments")
        ts = f"{int(self.clock().timestamp())}.{self.ids.next():06d}"
        received = Received(self.name, "chat.postMessage", channel, text, thread_ts, ts, None, self.clock(), request)
        answer = {
            "ok": True,
            "channel": channel,
            "ts": ts,
            "message": {"type": "message", "text": text, "ts": ts, "thread_ts": thread_ts},
        }
        return Accepted(received, Answer(200, answer))

    def fault(self, fault: Fault, key: str) -> Answer:
        status = fault.status or 200
        name = fault.error or (
            "ratelimited" if status == 429 else "internal_error" if status >= 500 else "invalid_arguments"
        )
        return error(name, status, fault.retry_after)
