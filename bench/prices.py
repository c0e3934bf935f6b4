"""The one price table the benchmarks bill with: us-east-1, on-demand, free tiers spent, each line with its source.

Read 2026-12-06 (the pages themselves cannot be fetched from this machine; where a figure was
confirmed in the search tool's stored copy of a page, its line says so — check the rest before
quoting a figure to anyone):

  Lambda       https://aws.amazon.com/lambda/pricing/  $0.20 per million requests; duration billed by
               the millisecond, x86_64 $0.0000166667 per GB-second, arm64 $0.0000133334 (first tier).
               SnapStart for Python: a cache charge of $0.0000015046 per GB-second (of the function's
               memory) for every published version with a snapshot, from its publication until it is
               deleted or its snapshot has gone 14 days without an invocation (minimum 3 hours), and
               $0.0001397998 per GB restored each time a new execution environment resumes from it
               (confirmed in two third-party pages in the search tool's store, awsnegotiations.com, May
               2026, and a dev.to post, April 2026; the 14 days are AWS's own, in the SnapStart security
               model page)
  API Gateway  https://aws.amazon.com/api-gateway/pricing/  HTTP APIs (what the stack serves the API
               from): $1.00 per million requests for the first 300 million a month, $0.90 after; metered
               in 512 KB increments (a request of 1.2 MB bills as three; every request of the bench's mix
               is a few KB). REST APIs, which Chalice emits: $3.50 per million for the first 333 million.
               (Both confirmed in AWS's "Best Practices for Designing Amazon API Gateway Private APIs"
               whitepaper, table 4, which quotes the same page.)
  SQS          https://aws.amazon.com/sqs/pricing/  standard queue: $0.40 per million requests, each
               64 KB chunk of payload one request (a message here is under 64 KB)
  DynamoDB     https://aws.amazon.com/dynamodb/pricing/on-demand/  standard table class, since the
               1 Nov 2024 cut: $0.625 per million write request units, $0.125 per million read request
               units; a transactional write or read costs twice the units of a standard one
  SNS          https://aws.amazon.com/sns/pricing/  standard topics: $0.50 per million publishes (64 KB
               chunks); deliveries are priced per protocol on top: to SQS and Lambda free, email
               $2.00 per 100,000, SMS per message and country (confirmed in a third-party breakdown,
               factualminds.com, June 2026)
  CloudWatch   https://aws.amazon.com/cloudwatch/pricing/  Logs, standard class: $0.50 per GB ingested
               (confirmed in two third-party guides, c3x.dev and hykell.com, 2026)
  SES          https://aws.amazon.com/ses/pricing/  outbound email: $0.10 per 1,000 emails (an email
               auto-reply is a delivery charge, like an SMS: listed beside SMS and voice)
  Twilio SMS   https://www.twilio.com/en-us/sms/pricing/us  ~$0.0083 per outbound segment in the US,
               before carrier fees
  Twilio voice https://www.twilio.com/en-us/voice/pricing/us  ~$0.014 per minute for an outbound call in
               the US (the dial to the on-call person), ~$0.0085 per minute inbound to a local number
"""

from __future__ import annotations

from cli.version_plan import SNAPSTART_CACHE_PRICE

READ_ON = "2026-12-06"
MILLION = 1_000_000

LAMBDA_REQUEST = 0.20 / MILLION
LAMBDA_GB_SECOND = {"x86_64": 0.0000166667, "arm64": 0.0000133334}
#: per published version with a snapshot, by the function's memory: the figure `switchboard versions prune`
#: quotes for the versions it deletes, kept in one place
SNAPSTART_CACHE_GB_SECOND = SNAPSTART_CACHE_PRICE
SNAPSTART_RESTORE_GB = 0.0001397998  # per new execution environment resumed from a snapshot
#: how long a superseded version's snapshot stays cached, and billed, when nothing deletes the version
SNAPSHOT_UNUSED_DAYS = 14
API_GATEWAY_HTTP_REQUEST = 1.00 / MILLION  # a request of up to 512 KB
SQS_REQUEST = 0.40 / MILLION
DYNAMODB_WRU = 0.625 / MILLION
DYNAMODB_RRU = 0.125 / MILLION
SNS_PUBLISH = 0.50 / MILLION
SNS_EMAIL_DELIVERY = 2.00 / 100_000
LOGS_INGESTED_GB = 0.50
SES_EMAIL = 0.10 / 1000
GB = 1024**3  # CloudWatch bills a GB of ingestion as 2^30 bytes
#: not AWS: what a customer's SMS reply and the on-call person's live call cost at the provider
TWILIO_SMS_SEGMENT = 0.0083
TWILIO_VOICE_OUTBOUND_MINUTE = 0.014
TWILIO_VOICE_INBOUND_MINUTE = 0.0085

SOURCES = {
    "lambda": "https://aws.amazon.com/lambda/pricing/",
    "api_gateway": "https://aws.amazon.com/api-gateway/pricing/",
    "sqs": "https://aws.amazon.com/sqs/pricing/",
    "dynamodb": "https://aws.amazon.com/dynamodb/pricing/on-demand/",
    "sns": "https://aws.amazon.com/sns/pricing/",
    "logs": "https://aws.amazon.com/cloudwatch/pricing/",
    "ses": "https://aws.amazon.com/ses/pricing/",
    "twilio_sms": "https://www.twilio.com/en-us/sms/pricing/us",
    "twilio_voice": "https://www.twilio.com/en-us/voice/pricing/us",
}


def lambda_gb_second(architecture: str) -> float:
    """The duration price for ``architecture`` (x86_64 or arm64, as .chalice/config.json names it)."""
    try:
        return LAMBDA_GB_SECOND[architecture]
    except KeyError:
        raise ValueError(
            f"no Lambda price for architecture {architecture!r}; one of {sorted(LAMBDA_GB_SECOND)}"
        ) from None
