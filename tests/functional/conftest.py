"""moto in-process: the infra stack created from infra/template.yaml, and the app wired to it.

IAM is enforced: the operator creates the stack and inspects it; each function's clients sign as
an IAM user holding exactly that function's .chalice/ policy (local/iam.py), so a call its policy
does not allow fails here with AccessDenied, as it would in AWS.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from unittest import mock

import boto3
import pytest
from moto import mock_aws

from chalicelib import bootstrap
from chalicelib.adapters.customers_table import DynamoCustomerDirectory
from chalicelib.settings import Settings
from local import iam
from local.samples import ROOT
from local.stack import LocalStack, create_stack, verify_reply_sender
from local.tables import seed_customers

#: the API's public URL in these tests (Twilio signs the full URL it calls)
PUBLIC_URL = "https://switchboard.test"

# A Tuesday 03:00 in New York: outside business hours, the hour the product exists for.
NIGHT = datetime(2026, 11, 17, 8, 0, tzinfo=UTC)
REGION = "us-east-1"


@dataclass
class Aws:
    clients: dict[str, Any]
    stack: LocalStack
    settings: Settings
    inbox_url: str  # an SQS queue subscribed to every pager topic: what on-call people receive
    #: function name (local.policies.FUNCTIONS) -> the IAM user its clients sign as
    users: dict[str, iam.Identity] = field(default_factory=dict)
    operator: Any = None  # a boto3 Session signing as the operator, allowed everything

    def session(self, function: str) -> Any:
        """A boto3 Session signing as ``function``'s IAM user (its policy enforced)."""
        return self.users[function].session(REGION)

    def wire(self, settings: Settings, clock: Any) -> None:
        """The app's containers, one per function, each with its own user's clients.

        A test's own ``bootstrap.container()`` (outside any handler) is the operator's: it inspects
        and drives services as a test harness; ``bootstrap.container("triage")`` is triage's own.
        """
        bootstrap.use(bootstrap.Container(settings, clock=clock, session=self.operator))
        for function in self.users:
            bootstrap.use(bootstrap.Container(settings, clock=clock, session=self.session(function)), function)

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


@contextmanager
def enforced_stack(documents: Mapping[str, dict[str, Any]] | None = None) -> Iterator[Aws]:
    """moto with IAM enforced, the stack, and the app wired; ``documents`` replaces functions' policies."""
    with mock_aws(), iam.enforced():
        # a Session of its own: boto3's default one would keep the environment's keys from before the patch
        operator = iam.create_operator(boto3.Session().client("iam", region_name=REGION))
        # what signs with the default credentials (the CLIs, a test's own client) is the operator
        keys = {"AWS_ACCESS_KEY_ID": operator.access_key_id, "AWS_SECRET_ACCESS_KEY": operator.secret_access_key}
        with mock.patch.dict(os.environ, keys):
            os.environ.pop("AWS_SESSION_TOKEN", None)  # an IAM user's keys carry none; patch.dict restores it
            boto3.DEFAULT_SESSION = None
            admin = operator.session(REGION, guard=False)
            yield _stack(admin, documents)


def _stack(admin: Any, documents: Mapping[str, dict[str, Any]] | None) -> Aws:
    clients: dict[str, Any] = {
        s: admin.client(s) for s in ("cloudformation", "dynamodb", "sqs", "sns", "cloudwatch", "iam", "s3")
    }
    stack = create_stack(clients, stage="local")
    users = iam.create_function_users(clients["iam"], stage="local", region=REGION, documents=documents)
    config = json.loads((ROOT / ".chalice" / "config.json").read_text(encoding="utf-8"))
    env = {
        **stack.environment(),
        **config["stages"]["local"]["environment_variables"],
        "PUBLIC_BASE_URL": PUBLIC_URL,
    }
    settings = Settings.from_env(env)
    if settings.outbound.reply_from_address:
        verify_reply_sender(admin.client("ses"), settings.outbound.reply_from_address)
    inbox = clients["sqs"].create_queue(QueueName="pager-inbox")["QueueUrl"]
    inbox_arn = clients["sqs"].get_queue_attributes(QueueUrl=inbox, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    for arn in settings.pager_topics.values():
        clients["sns"].subscribe(TopicArn=arn, Protocol="sqs", Endpoint=inbox_arn)
    seed_customers(DynamoCustomerDirectory(clients["dynamodb"], settings.customers_table))
    aws = Aws(clients, stack, settings, inbox, users, admin)
    aws.wire(settings, clock=lambda: NIGHT)
    return aws


@pytest.fixture
def aws() -> Iterator[Aws]:
    with enforced_stack() as aws:
        try:
            yield aws
        finally:
            bootstrap.use(None)


@pytest.fixture
def clock(aws: Aws) -> Any:
    """A clock the test moves, and the app wired to it with the rules' own acknowledgement timeouts."""
    from dataclasses import replace

    from tests.fakes import FakeClock

    clock = FakeClock(NIGHT)
    # the local stage caps timeouts to show escalation in make run; these tests use the rules' own
    aws.wire(replace(aws.settings, ack_timeout_cap_seconds=None), clock=clock)
    return clock
