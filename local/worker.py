"""The queue worker: feeds SQS batches to the triage handler in Lambda's event shape, as Lambda would."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from local.background import BackgroundLoop

#: a Lambda handler: ``handler(event, context) -> response``
Handler = Callable[[dict[str, Any], Any], Any]
Log = Callable[[str], None]


@dataclass
class FakeLambdaContext:
    """The attributes of Lambda's context object that handlers and Powertools read."""

    function_name: str
    memory_limit_in_mb: int = 128
    timeout_seconds: int = 60
    region: str = "us-east-1"
    account: str = "123456789012"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    identity: Any = None
    client_context: Any = None
    _deadline: float = field(default=0.0, init=False, repr=False)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_seconds

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{self.region}:{self.account}:function:{self.function_name}"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return f"local/[$LATEST]{self.aws_request_id.replace('-', '')}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def _message_attribute(value: dict[str, Any]) -> dict[str, Any]:
    """boto3's ``{StringValue, DataType}`` → Lambda's ``{stringValue, dataType, ...}``."""
    out: dict[str, Any] = {"stringListValues": [], "binaryListValues": [], "dataType": value["DataType"]}
    if "StringValue" in value:
        out["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        # Lambda sends binary attributes base64-encoded; boto3 hands us the raw bytes
        out["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode("ascii")
    return out


def lambda_record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """One SQS message as received by boto3 → one record of Lambda's SQS event."""
    record: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": dict(message.get("Attributes", {})),
        "messageAttributes": {k: _message_attribute(v) for k, v in message.get("MessageAttributes", {}).items()},
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
    if "MD5OfMessageAttributes" in message:
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


def _describe(exc: BaseException) -> str:
    """One line for a handler's exception; for Powertools' "all records failed", the first record's reason."""
    # BatchProcessingError's str() carries every record's traceback; its child_exceptions hold the causes
    children = getattr(exc, "child_exceptions", None) or []
    if children and children[0][1] is not None:
        cause = children[0][1]
        return f"{type(exc).__name__}: all {len(children)} failed, the first with {type(cause).__name__}: {cause}"
    first_line = (str(exc).strip().splitlines() or [""])[0]
    return f"{type(exc).__name__}: {first_line}"


@dataclass(frozen=True)
class BatchResult:
    """What one invocation did: the records it got, those reported failed, and any handler error."""

    received: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()
    error: str | None = None

    @property
    def succeeded(self) -> tuple[str, ...]:
        return tuple(m for m in self.received if m not in self.failed)


class QueueWorker(BackgroundLoop):
    """Lambda's SQS event source mapping, locally: receive, invoke, delete what succeeded.

    Deletes follow ReportBatchItemFailures (the template turns it on for the triage function):
    records listed in ``batchItemFailures`` stay on the queue, the rest are deleted; a handler
    that raises fails the whole batch. Failed records come back after ``retry_delay`` seconds
    instead of the queue's visibility timeout, so the redrive to the DLQ shows within seconds;
    ``retry_delay=None`` leaves them as Lambda does, visible again when their visibility timeout
    ends (the replies handler sets it to the backoff the provider asked for).
    """

    thread_name = "sqs-worker"

    def __init__(
        self,
        sqs: Any,
        queue_url: str,
        handler: Handler,
        function_name: str,
        region: str = "us-east-1",
        retry_delay: int | None = 2,
        memory_limit_in_mb: int = 128,
        timeout_seconds: int = 60,
        log: Log | None = None,
        on_success: Callable[[list[dict[str, Any]]], None] | None = None,
        concurrency: int = 1,
    ) -> None:
        self.sqs = sqs
        # Lambda polls a queue with several concurrent invocations and adds more as it fills (five to
        # start): one thread here would make every message of a burst wait for all the batches before it
        self.concurrency = concurrency
        self.queue_url = queue_url
        self.handler = handler
        self.function_name = function_name
        self.region = region
        self.retry_delay = retry_delay
        self.memory_limit_in_mb = memory_limit_in_mb
        self.timeout_seconds = timeout_seconds
        self.log: Log = log or (lambda _line: None)
        self.on_success = on_success
        attrs = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn", "RedrivePolicy"])
        self.queue_arn: str = attrs["Attributes"]["QueueArn"]
        redrive = attrs["Attributes"].get("RedrivePolicy")
        self.max_receives: int | None = int(json.loads(redrive)["maxReceiveCount"]) if redrive else None

    def run_once(self, wait_seconds: int = 1) -> BatchResult:
        """One poll and, if it got messages, one invocation of the handler."""
        messages: list[dict[str, Any]] = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=wait_seconds,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return BatchResult()
        records = [lambda_record(m, self.queue_arn, self.region) for m in messages]
        received = tuple(r["messageId"] for r in records)
        context = FakeLambdaContext(
            self.function_name, self.memory_limit_in_mb, self.timeout_seconds, region=self.region
        )
        try:
            response = self.handler({"Records": records}, context)
        except Exception as exc:  # Lambda treats any raise as "the whole batch failed"
            result = BatchResult(received, received, _describe(exc))
        else:
            failures = (response or {}).get("batchItemFailures", []) if isinstance(response, dict) else []
            result = BatchResult(received, tuple(f["itemIdentifier"] for f in failures))
        self._settle(records, result)
        return result

    def _settle(self, records: list[dict[str, Any]], result: BatchResult) -> None:
        done = [r for r in records if r["messageId"] not in result.failed]
        failed = [r for r in records if r["messageId"] in result.failed]
        if done:
            self.sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": f"m{i}", "ReceiptHandle": r["receiptHandle"]} for i, r in enumerate(done)],
            )
        if failed and self.retry_delay is not None:
            self.sqs.change_message_visibility_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": f"m{i}", "ReceiptHandle": r["receiptHandle"], "VisibilityTimeout": self.retry_delay}
                    for i, r in enumerate(failed)
                ],
            )
        if result.error:
            self.log(f"⚠  {self.function_name} raised {result.error}; no record of the batch is deleted")
        for record in failed:
            self.log(self._failure_line(record))
        if done and self.on_success is not None:
            self.on_success(done)

    def _failure_line(self, record: dict[str, Any]) -> str:
        count = int(record["attributes"].get("ApproximateReceiveCount", "1"))
        line = f"⚠  record {record['messageId'][:8]}… failed (receive {count}"
        retry = f"retrying in {self.retry_delay}s" if self.retry_delay is not None else "retrying after its backoff"
        if self.max_receives is None:
            return line + f"); {retry}"
        if count >= self.max_receives:
            return line + f" of {self.max_receives}); the next receive moves it to the dead-letter queue"
        return line + f" of {self.max_receives}); {retry}"

    def depth(self) -> int:
        """Messages visible, in flight or delayed: zero means every accepted event was handled."""
        names = [
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed",
        ]
        # "All", not the three names: moto works out every attribute (a pass over every queued message
        # each) twice per name asked for; polled during a backlog, that takes the workers' CPU
        attrs = self.sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["All"])["Attributes"]
        return sum(int(attrs.get(n, "0")) for n in names)

    def drain(self, timeout: float = 20.0) -> bool:
        """Until the queue is empty: run batches here, or wait for the running thread. False on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.depth() == 0:
                return True
            if self.running:
                time.sleep(0.1)
            else:
                self.run_once(wait_seconds=0)
                # failed records are invisible for retry_delay seconds: do not spin on an empty receive
                time.sleep(0.05)
        return self.depth() == 0

    def step(self) -> None:
        self.run_once()

    def on_error(self, exc: Exception) -> None:
        self.log(f"⚠  worker: {type(exc).__name__}: {exc}")
