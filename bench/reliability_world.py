"""The reliability benchmark's world: moto in-process, the stack from infra/, the app's container, and its events.

SQS is simulated here in Python (receive counts, visibility timeout, the DLQ after the redrive
policy's receives, partial batch responses): the code under test is triage and paging, and
moto's SQS slows down as a queue fills. Everything else is the app's own code on moto clients.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.moto_speed import faster_dynamodb
from bench.reliability_faults import AFTER_SHARE, Hooks
from bench.workload import make_customers, sample_events
from chalicelib.model.event import ALWAYS, PAGE_HINT, Sender, SupportEvent
from local.samples import ROOT
from local.stack import LocalStack, create_stack, load_template

#: Tue 17 Nov 2026, 14:00 UTC: 09:00 in New York, as the support team's day starts
START = datetime(2026, 11, 17, 14, 0, tzinfo=UTC)
#: the events arrive over this long: a busy half hour
ARRIVALS = timedelta(minutes=30)
#: a provider retries (the 2nd and 3rd delivery) within this long of the first
RETRY_SPREAD = timedelta(seconds=90)
GENERATED_CUSTOMERS = 300
#: how often the queue is polled, and how often the `escalate` schedule fires (rate(1 minute))
POLL = timedelta(seconds=5)
SWEEP_EVERY = timedelta(minutes=1)
BATCH = 10  # the event source mapping's batch size (app.py: on_sqs_message batch_size=10)


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


@dataclass(frozen=True)
class QueuePolicy:
    """A queue's visibility timeout and redrive, read from infra/template.yaml (the events queue by default)."""

    visibility: timedelta
    max_receives: int

    @classmethod
    def from_template(cls, queue_name: str = "EventsQueue") -> QueuePolicy:
        queue = load_template()["Resources"][queue_name]["Properties"]
        return cls(timedelta(seconds=int(queue["VisibilityTimeout"])), int(queue["RedrivePolicy"]["maxReceiveCount"]))


@dataclass
class World:
    clock: Clock
    hooks: Hooks
    clients: dict[str, Any]
    stack: LocalStack
    container: Any  # chalicelib.bootstrap.Container

    @property
    def topics(self) -> dict[str, str]:
        topics: dict[str, str] = self.container.settings.pager_topics
        return topics


@dataclass(frozen=True)
class Seeded:
    """A stack in moto, created from infra/template.yaml, with the sample and generated customers in it."""

    clients: dict[str, Any]
    stack: LocalStack
    settings: Any  # chalicelib.settings.Settings, with the rules' own acknowledgement timeouts
    #: the directory behind the customer cache, whose TTL runs on the simulated clock
    customers: Any


@contextmanager
def seeded_stack(clock: Clock) -> Iterator[Seeded]:
    """moto up (DynamoDB's index queries sped up), the stack created, customers seeded; the benches' common floor.

    Logging is quiet meanwhile (a failed record or a provider's "later" is the point of a bench, not news:
    stdout is kept for the report) and restored after, for a test that reads its records.
    """
    import boto3
    from moto import mock_aws

    from chalicelib.adapters.customer_cache import CachedCustomerDirectory
    from chalicelib.adapters.customers_table import DynamoCustomerDirectory
    from chalicelib.observability import logger
    from chalicelib.settings import Settings
    from local.tables import seed_customers

    level = logger.log_level
    logger.setLevel("CRITICAL")
    try:
        with mock_aws(), faster_dynamodb():
            clients = {
                s: boto3.client(s, region_name="us-east-1")
                for s in ("cloudformation", "dynamodb", "sqs", "sns", "cloudwatch")
            }
            stack = create_stack(clients, stage="local")
            config = json.loads((ROOT / ".chalice" / "config.json").read_text(encoding="utf-8"))
            env = {**stack.environment(), **config["stages"]["local"]["environment_variables"]}
            # the rules' own acknowledgement timeouts, not the local stage's demo cap
            settings = replace(Settings.from_env(env), ack_timeout_cap_seconds=None)
            directory = DynamoCustomerDirectory(clients["dynamodb"], settings.customers_table)
            seed_customers(directory)
            directory.put_many(make_customers(GENERATED_CUSTOMERS))
            # the cache's TTL on the simulated clock too: on the wall clock, how many lookups reach
            # DynamoDB (and so which calls the seeded faults strike) would depend on the machine
            customers = CachedCustomerDirectory(directory, clock=lambda: clock.now.timestamp())
            yield Seeded(clients, stack, settings, customers)
    finally:
        logger.setLevel(level)


@contextmanager
def world(
    hooks_rng: random.Random, fault_rate: float, start: datetime = START, after_share: float = AFTER_SHARE
) -> Iterator[World]:
    """moto up, the stack created, customers seeded, the container wired to hooked clients; faults off until enabled."""
    from chalicelib import bootstrap

    clock = Clock(start)
    with seeded_stack(clock) as seeded:
        clients = seeded.clients
        hooks = Hooks(clock=clock, rate=fault_rate, rng=hooks_rng, enabled=False, after_share=after_share)
        hooks.install(clients["dynamodb"], clients["sns"])
        container = bootstrap.Container(
            seeded.settings, clock=clock, dynamodb=clients["dynamodb"], sns=clients["sns"], customers=seeded.customers
        )
        bootstrap.use(container)
        try:
            yield World(clock, hooks, clients, seeded.stack, container)
        finally:
            bootstrap.use(None)


def make_events(count: int, rng: random.Random, start: datetime = START) -> list[SupportEvent]:
    """``count`` distinct messages from the samples in events/, re-addressed and spread over ARRIVALS.

    Senders: the samples' own (the known VIPs of events/customers.json), generated customers
    (found by email), and strangers. One in ten continues an earlier sender's thread, so
    follow-ups happen too. Voicemail transcripts ("page: always") are left out: they re-notify
    a folded page by design, which would read here as an extra notification.
    """
    samples = [e for _, e in sample_events()[0] if e.metadata.get(PAGE_HINT) != ALWAYS]
    customers = make_customers(GENERATED_CUSTOMERS)
    times = sorted(start + timedelta(seconds=rng.uniform(0, ARRIVALS.total_seconds())) for _ in range(count))
    threads: list[tuple[str, Sender]] = []
    events = []
    for i, at in enumerate(times):
        sample = rng.choice(samples)
        draw = rng.random()
        if draw < 0.1 and threads:
            thread, sender = rng.choice(threads)
        else:
            if draw < 0.3:
                sender = sample.sender
            elif draw < 0.4:
                sender = Sender(name=f"Visitor {i}", email=f"visitor{i}@prospect{i}.example")
            else:
                customer = rng.choice(customers)
                sender = Sender(name=customer.name, email=customer.email)
            thread = f"bench-thread-{i}"
            threads.append((thread, sender))
        update = {"event_id": f"{sample.event_id}#bench-{i}", "received_at": at, "sender": sender}
        update |= {"thread_key": thread, "text": f"{sample.text} (#{i})"}
        events.append(sample.model_copy(update=update))
    return events


@dataclass
class Message:
    """One SQS message of an event: a provider's delivery, with its own receive count."""

    message_id: str
    event: SupportEvent
    visible_at: datetime
    receives: int = 0


def record(message: Message, queue_arn: str) -> dict[str, Any]:
    """The message as Lambda's SQS event source hands it to the function."""
    event = message.event
    return {
        "messageId": message.message_id,
        "receiptHandle": f"{message.message_id}-{message.receives}",
        "body": event.model_dump_json(),
        "attributes": {
            "ApproximateReceiveCount": str(message.receives),
            "SentTimestamp": str(int(event.received_at.timestamp() * 1000)),
        },
        "messageAttributes": {
            "event_id": {"stringValue": event.event_id, "dataType": "String"},
            "channel": {"stringValue": event.channel.value, "dataType": "String"},
        },
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": "us-east-1",
    }


def deliveries(events: list[SupportEvent], per_event: int, rng: random.Random) -> list[Message]:
    """``per_event`` messages per event: the first as it arrives, the retries soon after."""
    messages = []
    for event in events:
        for n in range(per_event):
            delay = timedelta(seconds=rng.uniform(0, RETRY_SPREAD.total_seconds())) if n else timedelta(0)
            messages.append(Message(f"{event.event_id}/{n}", event, event.received_at + delay))
    return messages
