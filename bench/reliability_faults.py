"""The reliability benchmark's hooks on boto3 clients: injected faults, and every SNS message really published.

Both ride botocore's event system, so the app's own clients, adapters and error handling run
unchanged. A fault is a ClientError either *before* the call (AWS never saw it) or *after* a
successful call (AWS did it, the answer was lost): the second is the worst case for duplicates,
because the caller retries something that already happened. Faults bypass botocore's retries on
purpose: they stand for a call whose retries ran out.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

#: error codes AWS answers under load; the app must treat each as "try again later"
FAULT_CODES = {"dynamodb": ("InternalServerError", "ThrottlingException"), "sns": ("InternalError", "Throttling")}
#: share of injected faults that strike after the call succeeded (the answer lost, the work done)
#: the share of faults that strike after the call succeeded (the answer lost): the worst case for copies
AFTER_SHARE = 0.5

_LEVEL = re.compile(r"This page reaches level (\d+) of \d+")
_CONTEXT_KEY = "switchboard_bench_params"


@dataclass(frozen=True)
class Published:
    """One message SNS accepted: what a subscriber received, with what identifies its page and level."""

    at: datetime
    topic_arn: str
    kind: str  # "page", "digest", "ack", ...
    page_id: str | None
    ticket_id: str | None
    people: tuple[str, ...] | None  # None: the message names nobody (a whole team's digest)
    level: int | None  # 0-based, from the text; None when the message does not say
    body: str


def parse_publish(params: dict[str, Any], at: datetime) -> Published:
    """A Publish call's parameters as a subscriber would read them (paging/messages.py's layout)."""
    attributes = {k: v.get("StringValue", "") for k, v in params.get("MessageAttributes", {}).items()}
    message = params.get("Message", "")
    if params.get("MessageStructure") == "json":
        message = json.loads(message).get("default", "")
    found = _LEVEL.search(message)
    people = tuple(json.loads(attributes["people"])) if "people" in attributes else None
    return Published(
        at=at,
        topic_arn=params.get("TopicArn", ""),
        kind=attributes.get("kind", ""),
        page_id=attributes.get("page_id"),
        ticket_id=attributes.get("ticket_id"),
        people=people,
        level=int(found.group(1)) - 1 if found else None,
        body=message,
    )


@dataclass
class FaultStats:
    before: int = 0
    after: int = 0
    calls: int = 0


@dataclass
class Hooks:
    """Faults at ``rate`` from a seeded RNG on DynamoDB and SNS Publish; every real publish recorded.

    ``drop`` decides, per Publish, to answer success without publishing (a test's silent page).
    """

    clock: Callable[[], datetime]
    rate: float
    rng: random.Random
    published: list[Published] = field(default_factory=list)
    stats: FaultStats = field(default_factory=FaultStats)
    enabled: bool = True
    after_share: float = AFTER_SHARE
    drop: Callable[[dict[str, Any]], bool] = lambda _params: False

    def install(self, dynamodb: Any, sns: Any) -> None:
        dynamodb.meta.events.register("before-call.dynamodb", self._before)
        dynamodb.meta.events.register("after-call.dynamodb", self._after)
        sns.meta.events.register("before-parameter-build.sns.Publish", self._keep_params)
        sns.meta.events.register("before-call.sns.Publish", self._before)
        sns.meta.events.register("after-call.sns.Publish", self._after)

    def _keep_params(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        # the caller's own arguments; before-call only sees them serialised for the wire
        context[_CONTEXT_KEY] = dict(params)

    def _before(self, model: Any, context: dict[str, Any], **_: Any) -> Any:
        if not self.enabled:
            return None
        self.stats.calls += 1
        context.pop("switchboard_bench_after", None)
        if self.rng.random() < self.rate:
            if self.rng.random() >= self.after_share:
                self.stats.before += 1
                raise _fault(model)
            context["switchboard_bench_after"] = True  # fail once it has succeeded
        params = context.get(_CONTEXT_KEY)
        if params is not None and self.drop(params):
            context["switchboard_bench_dropped"] = True
            return _Accepted(), {"MessageId": "dropped-by-the-benchmark", "ResponseMetadata": {"HTTPStatusCode": 200}}
        return None

    def _after(self, http_response: Any, model: Any, context: dict[str, Any], **_: Any) -> None:
        ok = http_response.status_code < 300
        params = context.get(_CONTEXT_KEY)
        if ok and params is not None and not context.get("switchboard_bench_dropped"):
            self.published.append(parse_publish(params, self.clock()))
        if ok and context.pop("switchboard_bench_after", False):
            self.stats.after += 1
            raise _fault(model)


class _Accepted:
    """A stand-in HTTP answer for a publish the benchmark swallowed."""

    def __init__(self) -> None:
        self.status_code = 200
        self.headers: dict[str, str] = {}
        self.content = b""


def _fault(model: Any) -> ClientError:
    service = model.service_model.service_name
    code = FAULT_CODES.get(service, ("InternalFailure",))[0]
    return ClientError({"Error": {"Code": code, "Message": "injected by the reliability benchmark"}}, model.name)
