"""`python -m bench.fuzz`: ten thousand fuzzed requests through every route, and what came of them.

A measurement, not a test: the same generators as tests/functional/test_fuzz_routes.py (bench/fuzz_cases.py),
drawn from one seeded Random, sent through the real Chalice app in-process against moto (the stack from
infra/), each queued event triaged as the SQS consumer would. It prints totals per route: accepted, skipped
(200 "skipped: <reason>"), 4xx, 5xx (the promise is 0), events queued by a rejection (0), triage errors (0).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import shlex
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.fuzz_cases import (
    OUTCOMES,
    ROUTES,
    FuzzRequest,
    Generator,
    drain,
    outcome,
    send,
    sqs_refuses,
)

DEFAULT_REQUESTS = 10_000
QUICK_REQUESTS = 300
SEED = 20261117
#: the requests are signed at, and the app's clock reads, a fixed night (no wall clock in the figures)
AT = datetime(2026, 11, 17, 8, 0, tzinfo=UTC)
BASE_URL = "https://switchboard.bench"


@dataclass
class FuzzTotals:
    requests: int
    seed: int
    seconds: float
    per_route: dict[str, Counter[str]] = field(default_factory=dict)
    queued_on_rejection: int = 0
    #: queued messages real SQS would have refused (moto takes characters SQS does not)
    refused_by_sqs: int = 0
    triaged: int = 0
    triage_errors: int = 0
    #: the first few 5xx and triage errors, to reproduce (route, shape, signing, what happened)
    examples: list[str] = field(default_factory=list)

    def total(self, result: str) -> int:
        return sum(counts[result] for counts in self.per_route.values())

    @property
    def verdict(self) -> str:
        clean = not (self.total("5xx") or self.queued_on_rejection or self.refused_by_sqs or self.triage_errors)
        return "PASS" if clean else "FAIL"

    def to_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "seed": self.seed,
            "seconds": round(self.seconds, 1),
            "totals": {result: self.total(result) for result in OUTCOMES},
            "per_route": {route: dict(counts) for route, counts in self.per_route.items()},
            "queued_on_rejection": self.queued_on_rejection,
            "refused_by_sqs": self.refused_by_sqs,
            "triaged": self.triaged,
            "triage_errors": self.triage_errors,
            "examples": self.examples,
            "verdict": self.verdict,
        }


class _TwilioQueues:
    """Twilio's Calls API answering "queued" to every call-back: the fuzz measures our routes, not Twilio."""

    def send(self, request: Any) -> Any:
        from chalicelib.replies.model import HttpAnswer

        return HttpAnswer(
            201, {"Content-Type": "application/json"}, b'{"sid": "CA' + b"0" * 32 + b'", "status": "queued"}'
        )


@contextmanager
def _platform() -> Iterator[tuple[Any, str]]:
    """moto in-process with the stack from infra/, the app's container wired to it at AT; (sqs, queue URL)."""
    for name, value in (("AWS_ACCESS_KEY_ID", "bench"), ("AWS_SECRET_ACCESS_KEY", "bench")):
        os.environ.setdefault(name, value)
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    import boto3
    from moto import mock_aws

    from chalicelib import bootstrap
    from chalicelib.adapters.customers_table import DynamoCustomerDirectory
    from chalicelib.settings import Settings
    from local.samples import CHALICE_CONFIG
    from local.stack import create_stack
    from local.tables import seed_customers

    with mock_aws():
        services = ("cloudformation", "dynamodb", "sqs", "sns", "cloudwatch")
        clients = {s: boto3.client(s, region_name="us-east-1") for s in services}
        stack = create_stack(clients, stage="local")
        config = json.loads(CHALICE_CONFIG.read_text(encoding="utf-8"))
        env = {**stack.environment(), **config["stages"]["local"]["environment_variables"], "PUBLIC_BASE_URL": BASE_URL}
        # a company line, so a widget customer's call-back can be placed
        settings = Settings.from_env({**env, "SUPPORT_PHONE": "+16465550123"})
        seed_customers(DynamoCustomerDirectory(clients["dynamodb"], settings.customers_table))
        bootstrap.use(bootstrap.Container(settings, clock=lambda: AT, provider_http=_TwilioQueues()))
        try:
            yield clients["sqs"], stack.outputs["EventsQueueUrl"]
        finally:
            bootstrap.use(None)


def _open_page(client: Any, generator: Generator, sqs: Any, url: str) -> None:
    """A VIP outage, triaged: a page that exists, so some signed ack links acknowledge it."""
    from chalicelib.api.triage_handler import triage_record
    from chalicelib.bootstrap import container

    sample = next(s for s in generator.samples["POST /webhooks/widget"] if s.name == "widget/vip-outage")
    send(client, FuzzRequest("POST /webhooks/widget", "sample", "signed", generator.sign(sample, "signed")))
    for message in drain(sqs, url):
        triage_record({"messageId": message["MessageId"], "body": message["Body"]})
    items = container().dynamodb.scan(TableName=container().settings.tickets_table)["Items"]
    page_ids = tuple(i["pk"]["S"].removeprefix("PAGE#") for i in items if i["sk"]["S"] == "PAGE")
    people: set[str] = set()
    for page_id in page_ids:
        if page := container().pages.get(page_id):
            people.update(r.person for level in page.levels for r in level.recipients)
    generator.page_ids, generator.people = page_ids, tuple(sorted(people))


def run(
    requests: int = DEFAULT_REQUESTS,
    seed: int = SEED,
    *,
    triage: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> FuzzTotals:
    from chalice.test import Client

    import app as app_module
    from chalicelib.api.triage_handler import triage_record
    from chalicelib.observability import logger

    rng = random.Random(seed)
    totals = FuzzTotals(requests, seed, 0.0, per_route={route: Counter() for route in ROUTES})
    start = time.perf_counter()
    # thousands of rejections are the point here: their log lines and metrics (EMF on stdout) are not the report
    level = logger.log_level
    logger.setLevel("CRITICAL")
    try:
        with (
            _platform() as (sqs, url),
            Client(app_module.app) as client,
            redirect_stdout(io.StringIO()),
        ):
            generator = Generator(AT, BASE_URL)
            _open_page(client, generator, sqs, url)
            for index in range(requests):
                fuzz = generator.request(rng)
                status, body = send(client, fuzz)
                result = outcome(status, body)
                totals.per_route[fuzz.route][result] += 1
                queued = drain(sqs, url)
                label = f"{fuzz.route} {fuzz.shape} {fuzz.signing} → {status}"
                if result == "5xx" and len(totals.examples) < 10:
                    totals.examples.append(label)
                if result in ("4xx", "skipped"):
                    totals.queued_on_rejection += len(queued)
                else:
                    refused = [m for m in queued if sqs_refuses(m)]
                    totals.refused_by_sqs += len(refused)
                    if refused and len(totals.examples) < 10:
                        totals.examples.append(f"{label}, a message real SQS would refuse")
                if triage and result not in ("4xx", "skipped"):
                    for message in queued:
                        try:
                            triage_record({"messageId": message["MessageId"], "body": message["Body"]})
                            totals.triaged += 1
                        except Exception as exc:  # counted and reported: this is a measurement, not a gate
                            totals.triage_errors += 1
                            if len(totals.examples) < 10:
                                totals.examples.append(f"{label}, triage: {type(exc).__name__}")
                if progress and (index + 1) % 500 == 0:
                    progress(index + 1, requests)
    finally:
        logger.setLevel(level)
    totals.seconds = time.perf_counter() - start
    return totals


def format_report(totals: FuzzTotals) -> str:
    header = f"  {'route':<36} {'requests':>8} " + " ".join(f"{r:>8}" for r in OUTCOMES)
    lines = [
        f"Fuzz – {totals.requests:,} requests (seed {totals.seed}) built from events/ and mutated: nesting, huge "
        "strings, surrogates, odd unicode, extreme numbers, missing/extra fields, wrong types, long ids; "
        "signed, unsigned and signed with a wrong secret",
        header,
    ]
    for route, counts in totals.per_route.items():
        cells = " ".join(f"{counts[r]:>8,}" for r in OUTCOMES)
        lines.append(f"  {route:<36} {sum(counts.values()):>8,} {cells}")
    cells = " ".join(f"{totals.total(r):>8,}" for r in OUTCOMES)
    lines.append(f"  {'all routes':<36} {totals.requests:>8,} {cells}")
    lines.append(
        f"  queued by a rejection: {totals.queued_on_rejection}; refused by real SQS: {totals.refused_by_sqs}; "
        f"accepted events triaged: {totals.triaged:,}, "
        f"triage errors: {totals.triage_errors}; {totals.seconds:.0f} s"
    )
    lines.extend(f"  e.g. {example}" for example in totals.examples)
    lines.append(f"  promise: 0 5xx, nothing queued by a rejection, every accepted event triages: {totals.verdict}")
    return "\n".join(lines)


def summary(totals: FuzzTotals) -> str:
    return (
        f"Fuzz: {totals.requests:,} requests over {len(ROUTES)} routes, {totals.total('accepted'):,} accepted, "
        f"{totals.total('skipped'):,} skipped, {totals.total('4xx'):,} 4xx, {totals.total('5xx')} 5xx "
        f"({totals.verdict})."
    )


def tell(done: int, total: int) -> None:
    if sys.stderr.isatty():
        print(f"\r  fuzz: {done:,}/{total:,} requests", end="\n" if done == total else "", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fuzz", description=__doc__)
    parser.add_argument("--requests", type=int, default=DEFAULT_REQUESTS, metavar="N", help="requests to send")
    parser.add_argument("--seed", type=int, default=SEED, metavar="N", help=f"the Random's seed (default {SEED})")
    parser.add_argument("--no-triage", action="store_true", help="count queued events without triaging them")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures to PATH as JSON")
    args = parser.parse_args(argv)
    if args.requests < 1:
        parser.error("--requests must be at least 1")
    totals = run(args.requests, args.seed, triage=not args.no_triage, progress=tell)
    print(format_report(totals))
    if args.json:
        figures = {"command": shlex.join(sys.orig_argv), "fuzz": totals.to_dict(), "summary": summary(totals)}
        args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"Figures written to {args.json}")
    # a measurement: a 5xx is news for a human (and fails the fuzz test in make test), not an exit code
    return 0


if __name__ == "__main__":
    sys.exit(main())
