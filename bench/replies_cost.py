"""What the reply path adds to the AWS bill: the requests the benchmark counted, priced.

Prices: bench/prices.py, the one table every benchmark bills with (its sources and the date they were read).

Lambda's duration is *stated*, not measured: under moto a DynamoDB call takes what moto takes, and
a provider's API is a stand-in here. The statement: each AWS request from the function takes
AWS_REQUEST_MS, each provider call PROVIDER_MS, each invocation INVOCATION_MS on top.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bench.prices import DYNAMODB_RRU, DYNAMODB_WRU, LAMBDA_REQUEST, SQS_REQUEST, lambda_gb_second

LAMBDA_GB_SECOND = lambda_gb_second("x86_64")
MEMORY_GB = 256 / 1024  # .chalice/config.json: lambda_memory_size 256 for every function
#: stated durations (see the module's docstring)
AWS_REQUEST_MS = 10.0  # a DynamoDB or SQS request from Lambda in the same region
PROVIDER_MS = 300.0  # one HTTPS call to Twilio, Slack, SES, … from us-east-1
INVOCATION_MS = 5.0  # a warm handler's own work per batch
#: the standing cost, whatever the number of replies: the sweep's Query every minute, and Lambda's
#: poller long-polling the replies queue (about five 20-second polls at a time while it is idle)
MINUTES_A_MONTH = 30 * 24 * 60
IDLE_POLLS_A_MONTH = 5 * 3 * MINUTES_A_MONTH


@dataclass(frozen=True)
class Bill:
    """The reply path's extra requests and their price, for ``replies`` recorded replies."""

    replies: int
    dynamodb_requests: int
    write_units: int
    read_units: float
    sqs_requests: int
    invocations: int
    lambda_ms: float

    @property
    def dynamodb_usd(self) -> float:
        return self.write_units * DYNAMODB_WRU + self.read_units * DYNAMODB_RRU

    @property
    def sqs_usd(self) -> float:
        return self.sqs_requests * SQS_REQUEST

    @property
    def lambda_usd(self) -> float:
        return self.invocations * LAMBDA_REQUEST + self.lambda_ms / 1000 * MEMORY_GB * LAMBDA_GB_SECOND

    @property
    def total_usd(self) -> float:
        return self.dynamodb_usd + self.sqs_usd + self.lambda_usd

    def per_reply(self, value: float) -> float:
        return value / self.replies if self.replies else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "replies": self.replies,
            "dynamodb_requests": self.dynamodb_requests,
            "write_request_units": self.write_units,
            "read_request_units": self.read_units,
            "sqs_requests": self.sqs_requests,
            "lambda_invocations": self.invocations,
            "lambda_ms_stated": self.lambda_ms,
            "usd": {
                "dynamodb": self.dynamodb_usd,
                "sqs": self.sqs_usd,
                "lambda": self.lambda_usd,
                "total": self.total_usd,
                "per_reply": self.per_reply(self.total_usd),
                "per_1000_replies": 1000 * self.per_reply(self.total_usd),
            },
        }


def bill(
    replies: int,
    dynamodb: Mapping[tuple[str, str], int],
    write_units: Mapping[tuple[str, str], int],
    read_units: Mapping[tuple[str, str], float],
    sqs: Mapping[tuple[str, str], int],
    invocations: int,
    provider_calls: int,
) -> Bill:
    """Price the counts (each keyed by (phase, purpose)); Lambda's time from the stated durations.

    The sender's time is its own function's; triage's enqueue and the sweep's requests add to
    functions that run anyway, so they add duration but no invocations.
    """
    # Lambda's poller (ReceiveMessage, DeleteMessageBatch) is AWS's time, not the function's
    function_sqs = sum(
        n
        for (_, request), n in sqs.items()
        if request in ("SendMessage", "SendMessageBatch", "ChangeMessageVisibility")
    )
    aws_requests = sum(dynamodb.values()) + function_sqs
    ms = invocations * INVOCATION_MS + provider_calls * PROVIDER_MS + aws_requests * AWS_REQUEST_MS
    return Bill(
        replies=replies,
        dynamodb_requests=sum(dynamodb.values()),
        write_units=sum(write_units.values()),
        read_units=sum(read_units.values()),
        sqs_requests=sum(sqs.values()),
        invocations=invocations,
        lambda_ms=ms,
    )


def standing_usd_a_month() -> float:
    """What the reply path costs a month with no replies at all: the sweep's Query, the idle poller."""
    return MINUTES_A_MONTH * 0.5 * DYNAMODB_RRU + IDLE_POLLS_A_MONTH * SQS_REQUEST
