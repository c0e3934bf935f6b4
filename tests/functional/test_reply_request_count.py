"""What one reply costs the replies function in DynamoDB requests, counted on its own moto client (#16's budget)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from chalicelib import bootstrap
from chalicelib.adapters.replies_table import DynamoReplyOutbox
from chalicelib.replies.model import SendResult
from tests.functional.test_replies_outbox import deliver, reply_items, workers
from tests.reply_fakes import ScriptedSender


@dataclass
class Counting:
    """One function's signed clients, each DynamoDB request they make noted as "Operation" or
    "TransactWriteItems×<items>", in order (botocore's before-parameter-build event)."""

    signed: Any
    requests: list[str] = field(default_factory=list)

    def client(self, service: str, **options: Any) -> Any:
        client = self.signed.client(service, **options)
        client.meta.events.register("before-parameter-build.dynamodb", self._count)
        return client

    def _count(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        items = params.get("TransactItems")
        self.requests.append(f"{model.name}×{len(items)}" if items else model.name)


def replies_function(aws: Any, clock: Any, transact: bool) -> tuple[ScriptedSender, list[str]]:
    """The replies function's container (its IAM user) with a scripted provider, and its DynamoDB requests."""
    session = Counting(aws.session("send_replies"))
    provider = ScriptedSender()
    container = bootstrap.Container(aws.settings, clock=clock, session=session, reply_sender=provider)
    outbox = DynamoReplyOutbox(container.dynamodb, aws.settings.tickets_table, transact=transact)
    container = bootstrap.Container(
        aws.settings, clock=clock, session=session, reply_sender=provider, reply_outbox=outbox
    )
    bootstrap.use(container, "send_replies")
    return provider, session.requests


#: the batch's read; the claim (the thread's one auto-reply with it); the settle (the ticket's "replied" mark
#: with it; the timeline's line on the reply), written with the batch's next claim or at its end; before #16
#: the same writes without the read, and a claim per message
SEPARATE = ["BatchGetItem", "UpdateItem", "PutItem", "UpdateItem", "UpdateItem"]
TRANSACTED = ["BatchGetItem", "TransactWriteItems×2", "TransactWriteItems×2"]
LATER = SendResult.transient("429 Too Many Requests", retry_after=60)


@pytest.mark.parametrize(
    ("transact", "messages", "provider", "expected"),
    [
        (False, 1, [], SEPARATE),
        # a redelivery in the same batch reads what the first left (sent), and writes nothing
        (False, 3, [], [*SEPARATE, "BatchGetItem", "BatchGetItem"]),
        # the provider said "later": the reply is released for its Retry-After
        (False, 1, [LATER], [*SEPARATE[:3], "UpdateItem"]),
        (True, 1, [], TRANSACTED),
        # the settle is held for a next claim in the batch: the redeliveries read the reply still leased (so
        # they leave it), and the batch's end writes the settle
        (True, 3, [], [*TRANSACTED[:2], "BatchGetItem", "BatchGetItem", TRANSACTED[2]]),
        (True, 1, [LATER], [*TRANSACTED[:2], "UpdateItem"]),
    ],
    ids=["sent", "sent-under-three-deliveries", "retry-later",
         "transacted-sent", "transacted-under-three-deliveries", "transacted-retry-later"],
)  # fmt: skip
def test_the_requests_one_auto_reply_costs(aws, clock, transact, messages, provider, expected):
    # GIVEN a ticket whose route answers automatically, triaged, and its reply's message queued `messages` times
    sender, requests = replies_function(aws, clock, transact)
    sender.script = list(provider)
    triage, replies = workers(aws)
    deliver("vip-outage")
    assert triage.run_once(wait_seconds=0).failed == ()
    [item] = reply_items(aws)
    for _ in range(messages - 1):
        aws.clients["sqs"].send_message(
            QueueUrl=aws.stack.outputs["RepliesQueueUrl"],
            MessageBody=json.dumps({"reply_id": item["sk"]["S"].removeprefix("REPLY#")}),
        )
    # WHEN the replies function takes the batch
    replies.run_once(wait_seconds=0)
    # THEN it made exactly these DynamoDB requests, and the provider was asked once
    assert requests == expected
    assert len(sender.sent) == 1


def test_a_batch_of_replies_settles_each_with_the_next_claim(aws, clock):
    # GIVEN two tickets whose routes answer automatically, on different threads, triaged
    sender, requests = replies_function(aws, clock, transact=True)
    triage, replies = workers(aws)
    deliver("vip-outage")
    deliver("pro-cant-login")
    assert triage.run_once(wait_seconds=0).failed == ()
    assert len(reply_items(aws)) == 2
    # WHEN the replies function takes both in one batch
    replies.run_once(wait_seconds=0)
    # THEN one read, the first claim, the first settle in one transaction with the second claim, the last settle
    # at the end: 4 requests for 2 replies (10 as separate writes), both sent once and settled
    assert requests == ["BatchGetItem", "TransactWriteItems×2", "TransactWriteItems×4", "TransactWriteItems×2"]
    assert len(sender.sent) == 2
    assert {i["state"]["S"] for i in reply_items(aws)} == {"sent"}
