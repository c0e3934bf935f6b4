"""X API v2: a DM to a participant, a reply tweet, our own post; a user-context bearer token; problem JSON errors."""

from __future__ import annotations

import hmac
import math
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from local.standin.faults import Fault
from local.standin.wire import Accepted, Answer, Ids, Received, Request

DM = re.compile(r"^/x/2/dm_conversations/with/(?P<participant>[^/]+)/messages$")
TWEETS = "/x/2/tweets"
ID = re.compile(r"^\d{1,19}$")
MAX_DM = 10_000
MAX_TWEET = 280
URL = re.compile(r"https?://\S+")

TITLES = {
    400: "Invalid Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found Error",
    405: "Method Not Allowed",
    429: "Too Many Requests",
}


def problem(status: int, detail: str, title: str | None = None, kind: str = "about:blank") -> Answer:
    body = {
        "title": title or TITLES.get(status, "Service Unavailable"),
        "detail": detail,
        "type": kind,
        "status": status,
    }
    return Answer(status, body)


def invalid(message: str) -> Answer:
    body = {
        "errors": [{"message": message}],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": "https://api.twitter.com/2/problems/invalid-request",
    }
    return Answer(400, body)


class XApi:
    name = "x"
    prefix = "/x"

    def __init__(
        self, access_token: str, ids: Ids, clock: Callable[[], datetime], user_id: str = "1590345678901234567"
    ) -> None:
        self.access_token = access_token
        self.ids = ids
        self.clock = clock
        self.user_id = user_id  # our account: a DM conversation's id pairs it with the participant

    def handle(self, request: Request) -> Answer | Accepted:
        dm = DM.match(request.path)
        if dm is None and request.path != TWEETS:
            return problem(
                404,
                f"Could not find the route {request.path}",
                kind="https://api.twitter.com/2/problems/resource-not-found",
            )
        if request.method != "POST":
            return problem(405, f"{request.method} is not supported on {request.path}")
        token = request.bearer()
        if token is None or not hmac.compare_digest(token.encode(), self.access_token.encode()):
            return problem(401, "Unauthorized")
        if request.media_type() != "application/json":
            return invalid("Content-Type must be application/json")
        try:
            body = request.json()
        except ValueError:
            return invalid("The request body is not valid JSON")
        if not isinstance(body, dict):
            return invalid("The request body must be a JSON object")
        if dm is not None:
            return self._dm(request, dm["participant"], body)
        return self._tweet(request, body)

    def _dm(self, request: Request, participant: str, body: dict[str, Any]) -> Answer | Accepted:
        if not ID.match(participant):
            return invalid(f"The `participant_id` path parameter {participant!r} is not a user id")
        refusal = _text(body, {"text"}, MAX_DM)
        if refusal is not None:
            return refusal
        event_id = f"19{self.ids.next():017d}"
        low, high = sorted((self.user_id, participant), key=int)
        received = Received(self.name, "dm", participant, body["text"], None, event_id, None, self.clock(), request)
        return Accepted(
            received, Answer(201, {"data": {"dm_conversation_id": f"{low}-{high}", "dm_event_id": event_id}})
        )

    def _tweet(self, request: Request, body: dict[str, Any]) -> Answer | Accepted:
        refusal = _text(body, {"text", "reply"}, MAX_TWEET)
        if refusal is not None:
            return refusal
        reply = body.get("reply")
        if reply is None:  # our own post (an incident's update): a standalone tweet on our account
            tweet_id = f"19{self.ids.next():017d}"
            received = Received(
                self.name, "post", self.user_id, body["text"], None, tweet_id, None, self.clock(), request
            )
            return Accepted(received, Answer(201, {"data": {"id": tweet_id, "text": body["text"]}}))
        # a reply answers the customer's tweet (replies wire format)
        if (
            not isinstance(reply, dict)
            or set(reply) != {"in_reply_to_tweet_id"}
            or not ID.match(str(reply["in_reply_to_tweet_id"]))
        ):
            return invalid("`reply.in_reply_to_tweet_id` is required and must be a tweet id")
        tweet_id = f"19{self.ids.next():017d}"
        in_reply_to = str(reply["in_reply_to_tweet_id"])
        received = Received(
            self.name, "tweets", in_reply_to, body["text"], in_reply_to, tweet_id, None, self.clock(), request
        )
        return Accepted(received, Answer(201, {"data": {"id": tweet_id, "text": body["text"]}}))

    def fault(self, fault: Fault, key: str) -> Answer:
        status = fault.status or 503
        answer = problem(status, fault.message or TITLES.get(status, "Service Unavailable"))
        if fault.retry_after is not None:
            # X says when the window resets (epoch seconds), not how long to wait
            reset = math.ceil(self.clock().timestamp() + fault.retry_after)
            return Answer(status, answer.body, {"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)})
        return answer


def _text(body: dict[str, Any], allowed: set[str], limit: int) -> Answer | None:
    extra = sorted(set(body) - allowed)
    if extra:
        return invalid(f"The request has unexpected fields: {', '.join(extra)}")
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        return invalid("`text` is required and must not be empty")
    if (length := weighted(text)) > limit:
        return invalid(f"`text` is {length} characters; the limit is {limit}")
    return None


def weighted(text: str) -> int:
    """X's count: every link is 23 characters, whatever its length (t.co wraps it)."""
    return len(URL.sub("x" * 23, text))
