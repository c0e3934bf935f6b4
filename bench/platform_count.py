"""The local platform's meter: every AWS request by function and message, each handler call's time and logs.

botocore's ``before-parameter-build`` / ``after-call`` events, registered on the boto3 Session every
function's clients come from, record each request as the function's being served (``bootstrap.serving``)
or the caller's the harness names (``actor``), for the unit being handled: a webhook, an SQS record, a
poll, a sweep. DynamoDB's units come from the before and after images (bench/request_units.py), read
through a client nobody hooks; that reading time is taken out of the measured durations.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from bench.request_units import dynamodb_units, written_keys

#: the message (or batch, or webhook) a request is made for: ("event", id), ("webhook", n), ("batch", n), …
Unit = tuple[str, str]
_unit: ContextVar[Unit | None] = ContextVar("bench_unit", default=None)
_CONTEXT = "switchboard_platform_run"
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
    aws_ms: float = 0.0  # of ``ms``, waiting for AWS (moto) to answer
    aws_calls: int = 0

    def billed_ms(self, aws_request_ms: float | None) -> float:
        """``ms``, or the function's own time plus ``aws_request_ms`` for each AWS request it made."""
        return self.ms if aws_request_ms is None else self.ms - self.aws_ms + self.aws_calls * aws_request_ms


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
    aws_ms: float = 0.0
    aws_calls: int = 0

    def billed_ms(self, aws_request_ms: float | None) -> float:
        return Part(self.ms, aws_ms=self.aws_ms, aws_calls=self.aws_calls).billed_ms(aws_request_ms)


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
    _aws: threading.local = field(default_factory=threading.local)  # round trips: seconds and calls
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
        keys = written_keys(model.name, params) if service == "dynamodb" else []
        before = [self._image(table, key) for table, key in keys]
        self._add_overhead(time.perf_counter() - started)
        sent = time.perf_counter()  # from here to after-call: the round trip (moto's time here, AWS's in Lambda)
        context[_CONTEXT] = (function, self._current_unit(function), dict(params), keys, before, sent)

    def _after(self, http_response: Any, parsed: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        if _CONTEXT not in context:
            return
        started = time.perf_counter()
        function, unit, params, keys, before, sent = context.pop(_CONTEXT)
        self._aws.seconds = getattr(self._aws, "seconds", 0.0) + started - sent
        self._aws.calls = getattr(self._aws, "calls", 0) + 1
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
        self._aws.seconds, self._aws.calls = 0.0, 0
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
                    self.invocations.append(
                        Invocation(
                            function,
                            units,
                            ms,
                            logged,
                            events,
                            dict(self._log.parts),
                            self._aws.seconds * 1000,
                            self._aws.calls,
                        )
                    )

    @contextmanager
    def part(self, value: Unit) -> Iterator[None]:
        """One record's handling inside an invocation: its requests, time and logs are ``value``'s."""
        overhead = getattr(self._overhead, "seconds", 0.0)
        aws = getattr(self._aws, "seconds", 0.0), getattr(self._aws, "calls", 0)
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
                waited = ((self._aws.seconds - aws[0]) * 1000, self._aws.calls - aws[1])
                parts[value] = Part(ms, self._log.bytes - logged[0], self._log.events - logged[1], *waited)

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

    def call(record: dict[str, Any], **known: Any) -> Any:  # triage's batch: the events parsed and read ahead
        with recorder.part((key, _body_field(record, key))):
            return handle(record, **known)

    return call
