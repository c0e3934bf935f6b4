"""The queue side as Lambda runs it: partial batch failures, redelivery, and the dead-letter queue."""

from __future__ import annotations

import json
import uuid

import pytest

from local.worker import BatchResult
from tests.e2e.conftest import E2E, fresh, sign

pytestmark = pytest.mark.e2e


def test_a_malformed_record_fails_alone_and_ends_in_the_dead_letter_queue(e2e: E2E) -> None:
    # GIVEN two webhooks accepted over HTTP and, beside them, a message that is no SupportEvent
    accepted = [e2e.post(sign(fresh(name))) for name in ("free-howto", "prospect-pricing")]
    assert [d.status for d in accepted] == [202, 202]
    marker = uuid.uuid4().hex
    poison = e2e.sqs.send_message(
        QueueUrl=e2e.worker.queue_url, MessageBody=json.dumps({"hello": "not a SupportEvent", "marker": marker})
    )["MessageId"]

    # WHEN the worker hands the batch to the triage handler
    results: list[BatchResult] = []
    while len({m for r in results for m in r.received}) < 3:
        results.append(e2e.worker.run_once(wait_seconds=0))
        assert len(results) < 10, "the three messages never arrived"

    # THEN only the malformed record is reported in batchItemFailures, and the others are stored
    assert {m for r in results for m in r.failed} == {poison}
    assert all(r.error is None for r in results)
    for delivery in accepted:
        assert delivery.event_id is not None
        assert len(e2e.tickets_for(delivery.event_id)) == 1

    # WHEN it keeps failing: Lambda leaves it on the queue and SQS redelivers it
    for _ in range(10):
        if e2e.worker.depth() == 0:  # queue attributes, not a peek: a peek would count as a receive
            break
        results.append(e2e.worker.run_once(wait_seconds=0))

    # THEN it was received and failed five times, and then moved to the dead-letter queue
    assert e2e.worker.max_receives == 5
    assert sum(r.received.count(poison) for r in results) == 5
    dead = [m for m in e2e.messages(e2e.outputs["EventsDeadLetterQueueUrl"]) if marker in m["Body"]]
    assert [m["MessageId"] for m in dead] == [poison]
