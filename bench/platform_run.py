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
The counting is bench/platform_count.py's; DynamoDB's units are bench/request_units.py's, from the before
and after images through a client nobody hooks; that reading time is taken out of the durations.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from bench.platform_count import Recorder, Unit, captured_logs, record_part, timed_handler, unit


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
    from unittest import mock

    import boto3

    from chalicelib import bootstrap
    from chalicelib.api import replies_handler, triage_handler
    from local import iam
    from local.platform import REGION, Platform, PlatformOptions
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
