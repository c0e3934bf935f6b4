"""Drive the local platform and count: every AWS request, each function's time and log bytes, per message.

A harness for benchmarks on the real pipeline (`make run`'s platform, bench/cost.py): the moto
server with the stack from infra/, the real Chalice app on loopback, the queue workers driven
here one batch at a time, the escalation schedule fired on a simulated clock.

Counting: botocore's ``before-parameter-build`` / ``after-call`` events on the one boto3 Session
every function's clients come from (local/iam.py ``Signed``), registered before the platform
builds them. A request is the function's that was being served when it was made
(``bootstrap.serving``), and the message's it was made for: the webhook being posted, the SQS
record being handled (the handlers' per-record functions are wrapped to say which), or the batch.
Requests made outside any function are counted only when the harness says whose they are: the
queue workers' ReceiveMessage and DeleteMessageBatch stand in for Lambda's event source mapping,
which makes them on the function's behalf and bills them; the harness's own inspection is free.
DynamoDB's request units are worked out from the items (bench/replies_meter.py), reading the before
and after images through a client nobody hooks; that reading time is taken out of the durations.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from bench.replies_meter import index_writes, read_units, write_units

#: the message (or batch, or webhook) a request is made for: ("event", id), ("webhook", n), ("batch", n), …
Unit = tuple[str, str]
_unit: ContextVar[Unit | None] = ContextVar("bench_unit", default=None)
_CONTEXT = "switchboard_platform_run"
_WRITES = ("PutItem", "UpdateItem", "DeleteItem")
#: what Lambda itself logs per invocation (START, END, REPORT lines), in its default text format
PLATFORM_LOG_LINES = (
    "START RequestId: 3f5c8a1e-0b9d-4c7e-a2f1-6d8e9b0c1a2f Version: $LATEST\n",
    "END RequestId: 3f5c8a1e-0b9d-4c7e-a2f1-6d8e9b0c1a2f\n",
    "REPORT RequestId: 3f5c8a1e-0b9d-4c7e-a2f1-6d8e9b0c1a2f\tDuration: 23.45 ms\tBilled Duration: 24 ms\t"
    "Memory Size: 256 MB\tMax Memory Used: 92 MB\t\n",
)


@dataclass(frozen=True)
class Call:
    """One AWS request: who made it, for which unit, and what DynamoDB billed for it."""

    function: str  # a Lambda function's name, or "poller" (the event source mapping) …
    unit: Unit | None
    service: str
    operation: str
    wru: float = 0.0
    rru: float = 0.0
    empty: bool = False  # a ReceiveMessage that got nothing (a standing cost, not a message's)


@dataclass(frozen=True)
class Part:
    """What one unit of an invocation took: its time (less the meter's reads) and its log lines."""

    ms: float = 0.0
    log_bytes: int = 0
    log_events: int = 0


@dataclass(frozen=True)
class Invocation:
    """One handler call: its function, the units it served (an SQS record each), and its totals.

    ``parts`` holds what was measured inside each unit's own handling; the rest of the totals (the
    batch's parsing, the handler's set-up, Lambda's own log lines) is shared evenly among ``units``.
    """

    function: str
    units: tuple[Unit, ...]
    ms: float
    log_bytes: int
    log_events: int
    parts: dict[Unit, Part] = field(default_factory=dict)


def dynamodb_units(operation: str, params: dict[str, Any], parsed: dict[str, Any], images: Any) -> tuple[float, float]:
    """(write units, read units) of one DynamoDB request; ``images`` holds each written key's before/after item."""
    if operation in _WRITES:
        before, after = images[0]
        return float(write_units(before, after)), 0.0
    if operation == "TransactWriteItems":
        # twice a standard write per item; index entries at the standard rate (see bench/replies_meter.py)
        wru = 0
        for before, after in images:
            wru += 2 * write_units(before, after) - _index_share(before, after)
        return float(wru), 0.0
    if operation == "BatchWriteItem":
        return float(sum(write_units(before, after) for before, after in images)), 0.0
    consistent = bool(params.get("ConsistentRead"))
    if operation == "GetItem":
        return 0.0, read_units([parsed["Item"]] if "Item" in parsed else [], consistent)
    if operation in ("Query", "Scan"):
        return 0.0, read_units(parsed.get("Items") or [], consistent)
    if operation == "BatchGetItem":
        # each item is rounded up on its own; a key found nowhere still costs the minimum read
        found = [i for items in parsed.get("Responses", {}).values() for i in items]
        asked = sum(len(t.get("Keys", [])) for t in params.get("RequestItems", {}).values())
        units = sum(read_units([i], False) for i in found) + read_units([], False) * max(0, asked - len(found))
        return 0.0, units
    if operation == "TransactGetItems":
        return 0.0, sum(2 * read_units([r["Item"]] if "Item" in r else [], True) for r in parsed.get("Responses", []))
    return 0.0, 0.0


def _index_share(before: dict[str, Any] | None, after: dict[str, Any] | None) -> int:
    """The index writes inside write_units: a transaction doubles the item's units, not its index entries'."""
    return index_writes(before, after)


def _written_keys(operation: str, params: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(table, key) of each item a write request touches, in request order."""
    if operation in _WRITES:
        return [(params["TableName"], params.get("Key") or _key_of(params["Item"]))]
    if operation == "TransactWriteItems":
        out = []
        for entry in params.get("TransactItems", []):
            (_kind, body), *_ = entry.items()
            out.append((body["TableName"], body.get("Key") or _key_of(body["Item"])))
        return out
    if operation == "BatchWriteItem":
        out = []
        for table, requests in params.get("RequestItems", {}).items():
            for request in requests:
                if "PutRequest" in request:
                    out.append((table, _key_of(request["PutRequest"]["Item"])))
                else:
                    out.append((table, request["DeleteRequest"]["Key"]))
        return out
    return []


def _key_of(item: dict[str, Any]) -> dict[str, Any]:
    # the stack's tables: tickets (pk, sk) and customers (key)
    return {k: item[k] for k in ("pk", "sk", "key") if k in item}


@dataclass
class Recorder:
    """The counters; ``install(session)`` before any client is built from it, ``actor`` for non-function callers."""

    reader: Any  # a DynamoDB client nobody hooks: the before and after images
    calls: list[Call] = field(default_factory=list)
    invocations: list[Invocation] = field(default_factory=list)
    #: who makes requests outside any function (the queue workers' polls): None means nobody is billed
    actor: str | None = None
    #: the webhook being posted: requests the API function makes are its
    webhook: Unit | None = None
    recording: bool = True
    #: ("poll", n) → the units of the records that batch delivered
    batches: dict[Unit, tuple[Unit, ...]] = field(default_factory=dict)
    _overhead: threading.local = field(default_factory=threading.local)
    _log: threading.local = field(default_factory=threading.local)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def install(self, events: Any) -> None:
        events.register("before-parameter-build", self._before)
        events.register("after-call", self._after)

    def _function(self) -> str | None:
        from chalicelib.bootstrap import _serving

        return _serving.get() or self.actor

    def _before(self, params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        function = self._function()
        if not self.recording or function is None:
            return
        started = time.perf_counter()
        service = model.service_model.service_name
        keys = _written_keys(model.name, params) if service == "dynamodb" else []
        before = [self._image(table, key) for table, key in keys]
        context[_CONTEXT] = (function, self._current_unit(function), dict(params), keys, before)
        self._add_overhead(time.perf_counter() - started)

    def _after(self, http_response: Any, parsed: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        if _CONTEXT not in context:
            return
        started = time.perf_counter()
        function, unit, params, keys, before = context.pop(_CONTEXT)
        service = model.service_model.service_name
        wru = rru = 0.0
        if service == "dynamodb":
            ok = http_response.status_code < 300
            after = [self._image(table, key) for table, key in keys] if ok else before
            wru, rru = dynamodb_units(model.name, params, parsed, list(zip(before, after, strict=True)))
        empty = model.name == "ReceiveMessage" and not parsed.get("Messages")
        with self._lock:
            self.calls.append(Call(function, unit, service, model.name, wru, rru, empty))
        self._add_overhead(time.perf_counter() - started)

    def _current_unit(self, function: str) -> Unit | None:
        unit = _unit.get()
        if unit is None and function == "api_handler":
            return self.webhook
        return unit

    def _image(self, table: str, key: dict[str, Any]) -> dict[str, Any] | None:
        found: dict[str, Any] | None = self.reader.get_item(TableName=table, Key=key).get("Item")
        return found

    def _add_overhead(self, seconds: float) -> None:
        self._overhead.seconds = getattr(self._overhead, "seconds", 0.0) + seconds

    # -- handler calls ------------------------------------------------------------------------------------

    @contextmanager
    def invocation(self, function: str, units: tuple[Unit, ...] = ()) -> Iterator[None]:
        """Time one handler call (less the meter's own reads) and count what it logs, as ``function``'s."""
        self._overhead.seconds = 0.0
        self._log.bytes, self._log.events = 0, 0
        self._log.parts = {}
        started = time.perf_counter()
        try:
            yield
        finally:
            ms = (time.perf_counter() - started - self._overhead.seconds) * 1000
            sizes = [len(line.encode("utf-8")) for line in PLATFORM_LOG_LINES]
            logged, events = self._log.bytes + sum(sizes), self._log.events + len(sizes)
            if self.recording:
                with self._lock:
                    self.invocations.append(Invocation(function, units, ms, logged, events, dict(self._log.parts)))

    @contextmanager
    def part(self, value: Unit) -> Iterator[None]:
        """One record's handling inside an invocation: its requests, time and logs are ``value``'s."""
        overhead = getattr(self._overhead, "seconds", 0.0)
        logged = getattr(self._log, "bytes", 0), getattr(self._log, "events", 0)
        started = time.perf_counter()
        token = _unit.set(value)
        try:
            yield
        finally:
            _unit.reset(token)
            ms = (time.perf_counter() - started - (self._overhead.seconds - overhead)) * 1000
            parts = getattr(self._log, "parts", None)
            if parts is not None:
                parts[value] = Part(ms, self._log.bytes - logged[0], self._log.events - logged[1])

    def logged(self, text: str) -> None:
        """What the app's logger wrote on this thread (one event per write: a JSON line)."""
        self._log.bytes = getattr(self._log, "bytes", 0) + len(text.encode("utf-8"))
        self._log.events = getattr(self._log, "events", 0) + 1


@contextmanager
def unit(value: Unit) -> Iterator[None]:
    """Requests made in this block are ``value``'s (an SQS record's message, a sweep)."""
    token = _unit.set(value)
    try:
        yield
    finally:
        _unit.reset(token)


class LogSink:
    """The app logger's stream while the bench runs: counts bytes per thread instead of printing them."""

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder

    def write(self, text: str) -> int:
        self.recorder.logged(text)
        return len(text)

    def flush(self) -> None:
        pass


@contextmanager
def captured_logs(recorder: Recorder, level: str = "INFO") -> Iterator[None]:
    """The app's logs at the deployed level (INFO; the local stage logs WARNING), counted, not shown."""
    from chalicelib.observability import logger

    handler = logger.registered_handler
    assert isinstance(handler, logging.StreamHandler)
    saved_level, saved_stream = logger.log_level, handler.stream
    logger.setLevel(level)
    handler.setStream(LogSink(recorder))
    try:
        yield
    finally:
        handler.setStream(saved_stream)
        logger.setLevel(saved_level)


def timed_handler(recorder: Recorder, function: str, handler: Callable[..., Any], key: str = "") -> Callable[..., Any]:
    """A worker's or scheduler's handler, timed as one invocation of ``function``; ``key`` names a record's unit."""

    def call(event: dict[str, Any], context: Any) -> Any:
        units = tuple((key, _body_field(r, key)) for r in event.get("Records", [])) if key else ()
        poll = _unit.get()
        if poll is not None and poll[0] == "poll":
            recorder.batches[poll] = units  # the poller's requests for this batch are its records'
        with recorder.invocation(function, units):
            return handler(event, context)

    return call


def _body_field(record: dict[str, Any], key: str) -> str:
    try:
        return str(json.loads(record["body"]).get(key, ""))
    except (ValueError, AttributeError, KeyError):
        return ""


def record_part(recorder: Recorder, handle: Callable[[dict[str, Any]], Any], key: str) -> Callable[..., Any]:
    """A per-record function (triage_record, send_record) whose requests are its record's ``key``'s."""

    def call(record: dict[str, Any]) -> Any:
        with recorder.part((key, _body_field(record, key))):
            return handle(record)

    return call


@dataclass
class LocalRun:
    """A started platform with its counters: post webhooks, drain the queues a batch at a time, sweep."""

    platform: Any  # local.platform.Platform
    recorder: Recorder
    clock: Any  # bench.reliability_world.Clock: the platform's time, moved by the bench
    secrets: dict[str, str]
    #: ("webhook", n) → the event ids the API answered; ("poll", n) → the records' units the batch held
    fanout: dict[Unit, tuple[Unit, ...]] = field(default_factory=dict)
    polls: int = 0
    empty_polls: int = 0
    #: sweeps fired, by label ("sweep", "idle-sweep", …): their requests are ("<label>", n)'s
    sweeps: Counter[str] = field(default_factory=Counter)

    def post(self, sample: Any, silent: tuple[str, ...] = ()) -> Any:
        """Sign ``sample`` at the platform's time and POST it; the API function's requests are this webhook's.

        ``silent``: the event ids of a webhook whose answer names none (Twilio's TwiML), known to the sender.
        """
        from local.replay import send
        from local.samples import signed

        n: Unit = ("webhook", str(len(self.fanout)))
        self.recorder.webhook = n
        try:
            delivery = send(signed(sample, self.secrets, self.clock.now, self.platform.api_url), self.platform.api_url)
        finally:
            self.recorder.webhook = None
        self.fanout[n] = tuple(("event_id", e) for e in delivery.event_ids or silent)
        return delivery

    def acknowledge(self, event_id: str) -> bool:
        """The paged person opens the link in the page (GET) and presses Acknowledge (POST): requests of ``event_id``'s.

        False when the message opened no page of its own that is still open (folded into another, or acknowledged).
        """
        from urllib.parse import urlsplit

        from chalicelib import bootstrap
        from chalicelib.model.page import PageState
        from chalicelib.services.paging_ports import page_id_for
        from chalicelib.services.triage import ticket_id_for
        from local.escalation_demo import _fetch

        c = bootstrap.container("api_handler")
        page = c.pages.get(page_id_for(ticket_id_for(event_id), event_id))
        if page is None or page.state is not PageState.OPEN:
            return False
        url = c.paging.link(page, page.levels[page.level].recipients[0], self.clock.now)
        self.recorder.webhook = ("ack", event_id)
        try:
            shown, _ = _fetch(url)
            acked, _ = _fetch(url, urlsplit(url).query.encode())
        finally:
            self.recorder.webhook = None
        return shown == 200 and acked == 200

    def drain(self, worker: Any, limit: int = 1000) -> int:
        """Run ``worker``'s batches until its queue answers empty; the poll's requests are Lambda's poller's."""
        records = 0
        for _ in range(limit):
            poll: Unit = ("poll", str(self.polls))
            self.polls += 1
            self.recorder.actor = "poller"
            try:
                with unit(poll):
                    result = worker.run_once(wait_seconds=0)
            finally:
                self.recorder.actor = None
            if not result.received:
                self.empty_polls += 1
                return records
            records += len(result.received)
        raise RuntimeError(f"{worker.function_name}: the queue did not drain in {limit} batches")

    def sweep(self, label: str = "sweep") -> None:
        """Fire every scheduled function once, at the platform's time (EventBridge's every-minute rule)."""
        from local.scheduler import scheduled_event
        from local.worker import FakeLambdaContext

        assert self.platform.scheduler is not None
        for schedule in self.platform.scheduler.schedules:
            arn = f"arn:aws:events:us-east-1:123456789012:rule/{schedule.name}"
            event = scheduled_event(arn, self.clock.now, "us-east-1", "123456789012")
            with unit((label, str(self.sweeps[label]))):
                schedule.handler(event, FakeLambdaContext(schedule.name))
        self.sweeps[label] += 1


_active: list[Recorder] = []


def _api_timer(event: Any, get_response: Callable[[Any], Any]) -> Any:
    """Chalice middleware: each API request is one invocation of the API function (Lambda's billed time)."""
    if not _active:
        return get_response(event)
    recorder = _active[-1]
    with recorder.invocation("api_handler", (recorder.webhook,) if recorder.webhook else ()):
        return get_response(event)


def iam_functions(platform: Any) -> list[str]:
    """The functions the platform registered a container for (one IAM user each)."""
    return list(platform.users)


@contextmanager
def local_run(clock: Any, customers: list[Any] | None = None) -> Iterator[LocalRun]:
    """The local platform on free ports, no background threads, every function counted; torn down after."""
    import urllib.request
    from unittest import mock

    import boto3

    from chalicelib import bootstrap
    from chalicelib.api import replies_handler, triage_handler
    from local import iam
    from local.platform import REGION, Platform, PlatformOptions
    from local.replay import LOOPBACK
    from local.samples import local_secrets

    session = boto3.Session()
    recorder = Recorder(reader=None, recording=False)
    recorder.install(session.events)
    saved_models = iam.Signed._models
    iam.Signed._models = session  # every function's clients, and the operator's, are built from it
    options = PlatformOptions(port=0, moto_port=0, retry_delay=0, background=False, clock=clock, show=lambda _l: None)
    platform = Platform(options)
    try:
        platform.start()
        recorder.reader = boto3.Session().client("dynamodb", region_name=REGION, endpoint_url=platform.moto_url)
        if customers:
            from chalicelib.adapters.customers_table import DynamoCustomerDirectory

            assert platform.stack is not None
            DynamoCustomerDirectory(recorder.reader, platform.stack.outputs["CustomersTableName"]).put_many(customers)
        assert platform.app_module is not None
        app = platform.app_module.app
        if not getattr(app, "_bench_timed", False):
            app.register_middleware(_api_timer, "http")
            app._bench_timed = True
        assert platform.worker and platform.replies_worker and platform.scheduler
        for function in iam_functions(platform):
            # the deployed stages' refresh (Settings' default), not the local stage's two seconds
            bootstrap.container(function).rules_source._interval = 60
        platform.worker.handler = timed_handler(recorder, "triage", platform.worker.handler, "event_id")
        platform.replies_worker.handler = timed_handler(
            recorder, "send_replies", platform.replies_worker.handler, "reply_id"
        )
        for schedule in platform.scheduler.schedules:
            schedule.handler = timed_handler(recorder, schedule.name, schedule.handler)
        patches = [
            mock.patch.object(
                triage_handler, "triage_record", record_part(recorder, triage_handler.triage_record, "event_id")
            ),
            mock.patch.object(
                replies_handler, "send_record", record_part(recorder, replies_handler.send_record, "reply_id")
            ),
        ]
        for patch in patches:
            patch.start()
        _active.append(recorder)
        try:
            with captured_logs(recorder):
                recorder.recording = True
                yield LocalRun(platform, recorder, clock, local_secrets())
        finally:
            recorder.recording = False
            _active.remove(recorder)
            for patch in patches:
                patch.stop()
    finally:
        platform.stop()
        iam.Signed._models = saved_models
        if platform.moto_url:
            # moto's backends are process-wide and outlive its server (see bench/voice.py)
            with contextlib.suppress(OSError):
                LOOPBACK.open(
                    urllib.request.Request(platform.moto_url + "/moto-api/reset", method="POST"), timeout=10
                ).close()
