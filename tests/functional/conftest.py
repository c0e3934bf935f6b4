"""moto in-process: the infra stack created from infra/template.yaml, and the app wired to it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws

from chalicelib import bootstrap
from chalicelib.adapters.customers_table import DynamoCustomerDirectory
from chalicelib.settings import Settings
from local.samples import ROOT
from local.stack import LocalStack, create_stack
from local.tables import seed_customers

#: the API's public URL in these tests (Twilio signs the full URL it calls)
PUBLIC_URL = "https://switchboard.test"

# A Tuesday 03:00 in New York: outside business hours, the hour the product exists for.
NIGHT = datetime(2026, 11, 17, 8, 0, tzinfo=UTC)


@dataclass
class Aws:
    clients: dict[str, Any]
    stack: LocalStack
    settings: Settings
    inbox_url: str  # an SQS queue subscribed to every pager topic: what on-call people receive

    def queue_messages(self, url: str | None = None) -> list[dict[str, Any]]:
        """Everything visible in a queue, without consuming it (visibility 0)."""
        url = url or self.stack.outputs["EventsQueueUrl"]
        response = self.clients["sqs"].receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0, MessageAttributeNames=["All"]
        )
        return list(response.get("Messages", []))

    def pages(self) -> list[dict[str, Any]]:
        """Drain the pager inbox; each item is the SNS notification."""
        pages: list[dict[str, Any]] = []
        while True:
            msgs = (
                self.clients["sqs"].receive_message(QueueUrl=self.inbox_url, MaxNumberOfMessages=10).get("Messages", [])
            )
            if not msgs:
                return pages
            for m in msgs:
                pages.append(json.loads(m["Body"]))
                self.clients["sqs"].delete_message(QueueUrl=self.inbox_url, ReceiptHandle=m["ReceiptHandle"])

    def tickets(self) -> list[dict[str, Any]]:
        items = self.clients["dynamodb"].scan(TableName=self.stack.outputs["TicketsTableName"])["Items"]
        return [i for i in items if i["sk"]["S"] == "TICKET"]


@pytest.fixture
def aws() -> Iterator[Aws]:
    with mock_aws():
        clients: dict[str, Any] = {
            s: boto3.client(s, region_name="us-east-1")
            for s in ("cloudformation", "dynamodb", "sqs", "sns", "cloudwatch")
        }
        stack = create_stack(clients, stage="local")
        config = json.loads((ROOT / ".chalice" / "config.json").read_text(encoding="utf-8"))
        env = {
            **stack.environment(),
            **config["stages"]["local"]["environment_variables"],
            "PUBLIC_BASE_URL": PUBLIC_URL,
        }
        settings = Settings.from_env(env)
        inbox = clients["sqs"].create_queue(QueueName="pager-inbox")["QueueUrl"]
        inbox_arn = clients["sqs"].get_queue_attributes(QueueUrl=inbox, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        for arn in settings.pager_topics.values():
            clients["sns"].subscribe(TopicArn=arn, Protocol="sqs", Endpoint=inbox_arn)
        seed_customers(DynamoCustomerDirectory(clients["dynamodb"], settings.customers_table))
        container = bootstrap.Container(settings, clock=lambda: NIGHT)
        bootstrap.use(container)
        try:
            yield Aws(clients, stack, settings, inbox)
        finally:
            bootstrap.use(None)


@pytest.fixture
def clock(aws: Aws) -> Any:
    """A clock the test moves, and the app wired to it with the rules' own acknowledgement timeouts."""
    from dataclasses import replace

    from tests.fakes import FakeClock

    clock = FakeClock(NIGHT)
    # the local stage caps timeouts to show escalation in make run; these tests use the rules' own
    bootstrap.use(bootstrap.Container(replace(aws.settings, ack_timeout_cap_seconds=None), clock=clock))
    return clock
