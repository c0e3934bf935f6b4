"""The local platform for e2e tests: moto server and API on free ports, the worker driven by the tests."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from unittest import mock

import pytest

from local.inbox import Inbox, Page
from local.platform import Platform, PlatformOptions
from local.replay import Delivery, fresh_id, send
from local.samples import EVENTS_DIR, SampleRequest, load, local_secrets, signed
from local.worker import QueueWorker
from tests.e2e.browser import browser  # noqa: F401 - the browser tests' shared fixture
from tests.fakes import FakeClock

# A Tuesday 03:00 in New York, as in the functional tests: outside business hours, so routes do not
# depend on when the suite runs. The app's clock is pinned to it, so requests are signed at NIGHT too.
NIGHT = datetime(2026, 11, 17, 8, 0, tzinfo=UTC)
SECRETS = local_secrets()


@dataclass
class E2E:
    """The running platform, and what a provider and an operator can do with it."""

    platform: Platform

    @property
    def worker(self) -> QueueWorker:
        assert self.platform.worker is not None
        return self.platform.worker

    @property
    def sqs(self) -> Any:
        return self.platform.clients["sqs"]

    @property
    def outputs(self) -> dict[str, str]:
        assert self.platform.stack is not None
        return self.platform.stack.outputs

    def post(self, sample: SampleRequest) -> Delivery:
        """Send over HTTP exactly what the sample holds (sign it first, or not, as the test needs)."""
        return send(sample, self.platform.api_url)

    def tickets_for(self, event_id: str) -> list[dict[str, Any]]:
        """Every ticket item for one event id: a full scan, so a stray second ticket would show."""
        items: list[dict[str, Any]] = []
        paginator = self.platform.clients["dynamodb"].get_paginator("scan")
        for page in paginator.paginate(TableName=self.outputs["TicketsTableName"]):
            items.extend(i for i in page["Items"] if i["sk"]["S"] == "TICKET" and i["event_id"]["S"] == event_id)
        return items

    def messages(self, url: str) -> list[dict[str, Any]]:
        """What a queue holds, without consuming it (visibility 0)."""
        response = self.sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0, AttributeNames=["All"]
        )
        return list(response.get("Messages", []))


def fresh(name: str) -> SampleRequest:
    """A sample from events/ as a conversation of its own: the platform is shared by every test."""
    return fresh_id(load(EVENTS_DIR / "widget" / f"{name}.json"))


def pages_for(pages: list[Page], ticket_id: str) -> list[str]:
    return sorted(p.target for p in pages if p.ticket_id == ticket_id)


@pytest.fixture(scope="package")
def platform() -> Iterator[Platform]:
    """One platform for the e2e package, torn down before other packages run.

    Package rather than session scope: the platform sets this process's environment (AWS_ENDPOINT_URL,
    the stack's names) and the app's containers, which the functional tests must not find; its moto
    server is a process of its own, stopped with it. No background threads: the tests drive the worker, so
    each one decides when a batch runs and sees its batchItemFailures.
    """
    # retry_delay 0: a failed record is visible again at once, so five receives take no waiting
    options = PlatformOptions(
        port=0, moto_port=0, retry_delay=0, background=False, clock=FakeClock(NIGHT), show=lambda _line: None
    )
    running = Platform(options)
    # every test here runs at NIGHT on one platform: folding would merge one test's page into another's
    # (folding has tests of its own in tests/functional/test_paging.py)
    no_folding = mock.patch.dict(os.environ, {"PAGE_FOLD_WINDOW_SECONDS": "0"})
    no_folding.start()
    try:
        running.start()  # sets AWS_ENDPOINT_URL and the stack's environment, and swaps the app's container
        yield running
    finally:
        running.stop()  # restores the environment and resets the container (bootstrap.use(None))
        no_folding.stop()


@pytest.fixture
def e2e(platform: Platform) -> E2E:
    """The shared platform, with nothing queued: "the queue stays empty" then means this test queued nothing."""
    e2e = E2E(platform)
    assert e2e.worker.drain(timeout=20), "a previous test left messages the worker could not handle"
    return e2e


@pytest.fixture
def inbox(e2e: E2E) -> Iterator[Inbox]:
    """A fresh queue subscribed to every pager topic: this test's pages only."""
    box = Inbox.create(e2e.sqs, e2e.platform.clients["sns"], e2e.platform.pager_topics, f"e2e-{uuid.uuid4().hex[:12]}")
    try:
        yield box
    finally:
        box.close()


def sign(sample: SampleRequest, at: datetime | None = None, secret: str | None = None) -> SampleRequest:
    # signed when the platform's clock says it is: the widget's window is checked against that clock
    return signed(sample, {"widget": secret or SECRETS["widget"]}, at or NIGHT)
