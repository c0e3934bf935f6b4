"""`python -m bench.fuzz` runs the fuzz generators end to end and reports honest totals."""

from __future__ import annotations

import json

from bench import fuzz
from bench.fuzz_cases import OUTCOMES, ROUTES


def test_a_short_fuzz_run_reports_every_route_and_no_5xx():
    # GIVEN a short, seeded run (the bench's default is ten thousand requests)
    totals = fuzz.run(requests=120, seed=7)
    # THEN every request is counted once, under its route and one outcome
    assert sum(totals.total(result) for result in OUTCOMES) == 120
    assert set(totals.per_route) == set(ROUTES)
    # AND the promise holds: no 5xx, nothing queued by a rejection, every accepted event triaged
    assert totals.total("5xx") == 0 and totals.queued_on_rejection == 0 and totals.triage_errors == 0
    assert totals.total("accepted") > 0 and totals.triaged > 0
    assert totals.verdict == "PASS"
    report = fuzz.format_report(totals)
    assert "all routes" in report and "PASS" in report


def test_the_same_seed_makes_the_same_requests():
    from datetime import UTC, datetime
    from random import Random

    from bench.fuzz_cases import Generator

    generator = Generator(datetime(2026, 11, 17, 8, tzinfo=UTC), "https://switchboard.test")
    first = [generator.request(Random(11)) for _ in range(3)]
    again = [generator.request(Random(11)) for _ in range(3)]
    assert first == again


def test_the_fuzz_checks_what_real_sqs_refuses_and_the_queue_escapes_it():
    from bench.fuzz_cases import sqs_refuses
    from chalicelib.adapters.event_queue import _sqs_safe

    # GIVEN a body with U+FFFF (moto takes it; SQS answers InvalidMessageContents)
    raw = '{"text": "a\uffffb"}'
    assert sqs_refuses({"Body": raw})
    assert sqs_refuses({"Body": "{}", "MessageAttributes": {"event_id": {"StringValue": "w:\x00"}}})
    # WHEN the queue adapter writes it THEN it is escaped, and JSON reads back the same text
    assert not sqs_refuses({"Body": _sqs_safe(raw)})
    assert json.loads(_sqs_safe(raw)) == json.loads(raw)
