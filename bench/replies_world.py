"""The replies benchmark's world: moto with the stack from infra/, the app's container, a simulated replies queue.

DynamoDB is moto's, so every claim, lease and condition of the outbox is answered for real and
the meter counts true requests. SQS is simulated here: the app's reply-queue adapter is handed a
stand-in client that *is* the queue (SendMessage adds a message, ChangeMessageVisibility hides it
for the handler's backoff), so each request is counted where it is made, and the receive counts,
the visibility timeout and the dead-letter move follow the redrive policy in infra/template.yaml.
moto's own SQS would answer the same, slower, and could not tell the benchmark who called.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.reliability_world import ARRIVALS, GENERATED_CUSTOMERS, Clock, seeded_stack
from bench.replies_meter import Meter
from bench.replies_provider import Provider
from bench.workload import make_customers, sample_events
from chalicelib.model.customer import Customer
from chalicelib.model.event import ALWAYS, PAGE_HINT, Sender, SupportEvent
from local.stack import LocalStack

#: Tue 17 Nov 2026, 03:00 UTC: 22:00 in New York, after the office closes, when the rules answer every message
START = datetime(2026, 11, 17, 3, 0, tzinfo=UTC)
#: a follow-up in a thread comes this long after the message that opened it, at most
FOLLOW_UP_WITHIN = timedelta(minutes=20)


@dataclass
class ReplyMessage:
    message_id: str
    reply_id: str
    visible_at: datetime
    receives: int = 0
    hidden_until: datetime | None = None  # set by ChangeMessageVisibility during the current receive


@dataclass
class SimQueue:
    """The replies queue, and the SQS client the app's SqsReplyQueue calls; requests counted by the meter's phase."""

    clock: Clock
    meter: Meter
    messages: dict[str, ReplyMessage] = field(default_factory=dict)
    dlq: list[ReplyMessage] = field(default_factory=list)
    requests: Counter[tuple[str, str]] = field(default_factory=Counter)
    _sent: int = 0

    def count(self, request: str, n: int = 1) -> None:
        self.requests[(self.meter.phase or "other", request)] += n

    def send_message(self, QueueUrl: str, MessageBody: str, **_: Any) -> dict[str, Any]:
        self.count("SendMessage")
        self._sent += 1
        message_id = f"m{self._sent:07d}"
        self.messages[message_id] = ReplyMessage(message_id, json.loads(MessageBody)["reply_id"], self.clock.now)
        return {"MessageId": message_id}

    def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, Any]], **_: Any) -> dict[str, Any]:
        """Triage queues each SQS batch's replies in one request (ReplyService.batched)."""
        self.count("SendMessageBatch")
        for entry in Entries:
            self._sent += 1
            message_id = f"m{self._sent:07d}"
            self.messages[message_id] = ReplyMessage(
                message_id, json.loads(entry["MessageBody"])["reply_id"], self.clock.now
            )
        return {"Successful": [{"Id": e["Id"]} for e in Entries], "Failed": []}

    def change_message_visibility(self, QueueUrl: str, ReceiptHandle: str, VisibilityTimeout: int) -> dict[str, Any]:
        self.count("ChangeMessageVisibility")
        message = self.messages[ReceiptHandle.rsplit("#", 1)[0]]
        message.hidden_until = self.clock.now + timedelta(seconds=VisibilityTimeout)
        return {}

    def ready(self, now: datetime) -> list[ReplyMessage]:
        return sorted((m for m in self.messages.values() if m.visible_at <= now), key=lambda m: m.message_id)


def record(message: ReplyMessage, queue_arn: str) -> dict[str, Any]:
    """The message as Lambda's SQS event source hands it to the replies function."""
    return {
        "messageId": message.message_id,
        "receiptHandle": f"{message.message_id}#{message.receives}",
        "body": json.dumps({"reply_id": message.reply_id}),
        "attributes": {"ApproximateReceiveCount": str(message.receives)},
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": "us-east-1",
    }


@dataclass
class World:
    clock: Clock
    meter: Meter
    queue: SimQueue
    provider: Provider
    clients: dict[str, Any]
    stack: LocalStack
    container: Any  # chalicelib.bootstrap.Container


@contextmanager
def world(provider: Provider, jitter: random.Random, start: datetime = START) -> Iterator[World]:
    """moto up, the stack created, customers seeded, one container (triage, sender, sweep) on the metered clients."""
    import boto3

    from chalicelib import bootstrap

    clock = Clock(start)
    with seeded_stack(clock) as seeded:
        clients = seeded.clients
        meter = Meter(reader=boto3.client("dynamodb", region_name="us-east-1"))
        meter.install(clients["dynamodb"])
        queue = SimQueue(clock, meter)
        provider.clock = clock
        container = bootstrap.Container(
            seeded.settings,
            clock=clock,
            dynamodb=clients["dynamodb"],
            sns=clients["sns"],
            sqs=queue,
            customers=seeded.customers,
            reply_sender=provider,
        )
        container.replies.draw = jitter.random  # the backoff's jitter, seeded: same arguments, same figures
        bootstrap.use(container)
        try:
            yield World(clock, meter, queue, provider, clients, seeded.stack, container)
        finally:
            bootstrap.use(None)


def ticket_events(w: World, tickets: int, follow_up_share: float, rng: random.Random) -> list[SupportEvent]:
    """``tickets`` first messages whose route answers automatically, each its own thread, plus follow-ups in them.

    Drawn from events/ re-addressed to the samples' senders, generated customers and strangers,
    kept only when the rules decide an auto-reply for them (the decision triage will make, at the
    time it arrives). A follow-up comes from the same sender in the same thread within
    FOLLOW_UP_WITHIN: the outbox's one-automatic-reply-per-thread window should skip its reply.
    """
    samples = [e for _, e in sample_events()[0] if e.metadata.get(PAGE_HINT) != ALWAYS]
    customers = make_customers(GENERATED_CUSTOMERS)
    triage, directory = w.container.triage, w.container.customers
    opening: list[SupportEvent] = []
    i = 0
    while len(opening) < tickets:
        i += 1
        sample, draw = rng.choice(samples), rng.random()
        if draw < 0.3:
            sender = sample.sender
        elif draw < 0.4:
            sender = Sender(name=f"Visitor {i}", email=f"visitor{i}@prospect{i}.example")
        else:
            customer = rng.choice(customers)
            sender = Sender(name=customer.name, email=customer.email)
        at = START + timedelta(seconds=rng.uniform(0, ARRIVALS.total_seconds()))
        update = {"event_id": f"{sample.event_id}#replies-{i}", "received_at": at, "sender": sender}
        event = sample.model_copy(
            update=update | {"thread_key": f"replies-thread-{i}", "text": f"{sample.text} (#{i})"}
        )
        found = directory.find(sender) or Customer.unknown(sender.name or sender.email or "unknown sender")
        if triage.decide(event, found, at, 0).auto_reply:
            opening.append(event)
    follow_ups = []
    for n, first in enumerate(rng.sample(opening, round(tickets * follow_up_share))):
        at = first.received_at + timedelta(seconds=rng.uniform(1, FOLLOW_UP_WITHIN.total_seconds()))
        update = {"event_id": f"{first.event_id}/follow-up-{n}", "received_at": at, "text": f"{first.text} (again)"}
        follow_ups.append(first.model_copy(update=update))
    return sorted(opening + follow_ups, key=lambda e: e.received_at)
