"""The pager inbox: an SQS queue subscribed to every pager topic, shown as on-call staff would read the pages."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from local.background import BackgroundLoop
from local.worker import Log


@dataclass(frozen=True)
class Page:
    """One SNS notification as a subscriber receives it."""

    target: str  # the pager topic's name in PAGER_TOPICS ("founders", "support", ...)
    topic_arn: str
    subject: str
    message: str
    attributes: dict[str, str]

    @property
    def priority(self) -> str:
        return self.attributes.get("priority", "?")

    @property
    def ticket_id(self) -> str | None:
        return self.attributes.get("ticket_id")

    @property
    def headline(self) -> str:
        """The subject without its "[P1] " prefix: the customer's name."""
        prefix = f"[{self.priority}] "
        return self.subject[len(prefix) :] if self.subject.startswith(prefix) else self.subject

    def render(self) -> str:
        if self.attributes.get("kind") == "ack":
            return f"✅ ACK  → {self.target}  {self.message}"
        people = json.loads(self.attributes.get("people") or "[]")
        to = f"{self.target} ({', '.join(people)})" if people else self.target
        if self.attributes.get("kind") == "console-sign-in":
            # the link is the message: show it whole (it is on the email body's fifth line)
            links = [word for word in self.message.split() if "/console/auth?" in word]
            return f"🔑 SIGN-IN → {to}  {' '.join(links) or self.subject}"
        return f"📟 PAGE → {to}  {self.subject}\n" + "\n".join(f"     {line}" for line in self.essentials())

    def essentials(self) -> list[str]:
        """What a phone shows first: who this level reaches, when it escalates, and how to acknowledge.

        The reasons and the whole ladder follow in the email body (and `switchboard tickets show`).
        """
        lines = [line.strip() for line in self.message.splitlines()]
        keep = [line for line in lines if line.startswith(("This page reaches", "If nobody acknowledges"))]
        links = [line for line in lines if "/ack/P-" in line]
        ack = [line for line in lines if line.startswith("or reply ACK")]
        return keep + links + ack if keep or links else lines[:3]


def parse_page(body: str, names_by_arn: Mapping[str, str]) -> Page:
    """An SQS message body from an SNS subscription (not raw delivery) → Page."""
    note = json.loads(body)
    arn = note.get("TopicArn", "")
    attributes = {k: str(v.get("Value", "")) for k, v in note.get("MessageAttributes", {}).items()}
    return Page(
        target=names_by_arn.get(arn, arn.rsplit(":", 1)[-1]),
        topic_arn=arn,
        subject=note.get("Subject") or "",
        message=note.get("Message", ""),
        attributes=attributes,
    )


class Inbox(BackgroundLoop):
    """What the on-call phones would receive: every page published to the pager topics."""

    thread_name = "pager-inbox"

    def __init__(self, sqs: Any, sns: Any, queue_url: str, topics: Mapping[str, str], subscriptions: list[str]) -> None:
        self.sqs = sqs
        self.sns = sns
        self.queue_url = queue_url
        self.names_by_arn = {arn: name for name, arn in topics.items()}
        self.subscriptions = subscriptions
        self.show: Log = print

    @classmethod
    def create(
        cls, sqs: Any, sns: Any, topics: Mapping[str, str], name: str = "switchboard-local-pager-inbox"
    ) -> Inbox:
        """A local-only queue subscribed to each topic, like a phone subscribed by SMS."""
        from local.sns_bridge import subscribed_queue

        url, subscriptions = subscribed_queue(sqs, sns, name, topics.values())
        return cls(sqs, sns, url, topics, subscriptions)

    def receive(self, wait_seconds: int = 0) -> list[Page]:
        """Take the pages waiting in the inbox (deleting them: each is read once)."""
        messages = self.sqs.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=wait_seconds
        ).get("Messages", [])
        if messages:
            self.sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": f"m{i}", "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)],
            )
        return [parse_page(m["Body"], self.names_by_arn) for m in messages]

    def receive_all(self) -> list[Page]:
        pages: list[Page] = []
        while batch := self.receive():
            pages.extend(batch)
        return pages

    def run_once(self, wait_seconds: int = 1) -> int:
        pages = self.receive(wait_seconds)
        for page in pages:
            self.show(page.render())
        return len(pages)

    def drain(self, timeout: float = 10.0) -> bool:
        """Show every page waiting now; with the thread running, wait for it to show them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            attrs = self.sqs.get_queue_attributes(
                QueueUrl=self.queue_url,
                AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
            )["Attributes"]
            if not any(int(v) for v in attrs.values()):
                return True
            if self.running:
                time.sleep(0.1)
            else:
                self.run_once(wait_seconds=0)
        return False

    def close(self) -> None:
        """Unsubscribe and delete the queue (tests make one inbox per test)."""
        self.stop()
        for arn in self.subscriptions:
            self.sns.unsubscribe(SubscriptionArn=arn)
        self.sqs.delete_queue(QueueUrl=self.queue_url)

    def step(self) -> None:
        self.run_once()

    def on_error(self, exc: Exception) -> None:
        # keep the inbox alive; say why a page might be missing
        self.show(f"⚠  pager inbox: {type(exc).__name__}: {exc}")
