"""SNS → Lambda, locally: moto cannot invoke a function from a topic, so a queue subscribed to it stands in.

The queue receives each notification as SNS delivers to SQS (the JSON envelope); the bridge turns it
into the event Lambda would get from the topic (one record, the ``Sns`` object) and calls the handler.
A handler that raises leaves its message on the queue to be retried, as Lambda retries an
asynchronous invocation.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from local.worker import Handler, Log


def sns_record(envelope: dict[str, Any], subscription_arn: str) -> dict[str, Any]:
    """SNS's SQS delivery (``SigningCertURL``…) → the record Lambda receives (``SigningCertUrl``…)."""
    return {
        "EventSource": "aws:sns",
        "EventVersion": "1.0",
        "EventSubscriptionArn": subscription_arn,
        "Sns": {
            "Type": envelope.get("Type", "Notification"),
            "MessageId": envelope["MessageId"],
            "TopicArn": envelope["TopicArn"],
            "Subject": envelope.get("Subject"),
            "Message": envelope["Message"],
            "Timestamp": envelope.get("Timestamp"),
            "SignatureVersion": envelope.get("SignatureVersion", "1"),
            "Signature": envelope.get("Signature", ""),
            "SigningCertUrl": envelope.get("SigningCertURL", ""),
            "UnsubscribeUrl": envelope.get("UnsubscribeURL", ""),
            "MessageAttributes": envelope.get("MessageAttributes", {}),
        },
    }


def from_topic(handler: Handler, subscription_arn: str, log: Log | None = None) -> Handler:
    """A handler for the bridge queue's SQS batches that invokes ``handler`` once per notification."""

    def invoke(event: dict[str, Any], context: Any) -> dict[str, Any]:
        failures = []
        for record in event["Records"]:
            try:
                handler({"Records": [sns_record(json.loads(record["body"]), subscription_arn)]}, context)
            except Exception as exc:  # one notification's failure must not fail the others
                if log is not None:
                    log(f"⚠  notification {record['messageId'][:8]}… failed: {type(exc).__name__}: {exc}")
                failures.append({"itemIdentifier": record["messageId"]})
        return {"batchItemFailures": failures}

    return invoke


def subscribed_queue(sqs: Any, sns: Any, queue_name: str, topic_arns: Iterable[str]) -> tuple[str, list[str]]:
    """A local-only queue (not in infra/) subscribed to each topic, with SNS's envelope: (URL, subscriptions)."""
    url: str = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    # moto does not check queue policies; in AWS this queue would also need one allowing sns:SendMessage
    subscriptions = [
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, ReturnSubscriptionArn=True)["SubscriptionArn"]
        for topic in topic_arns
    ]
    return url, subscriptions
