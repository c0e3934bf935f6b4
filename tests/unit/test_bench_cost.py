"""The cost benchmark's pure parts: request units, amortisation per message, pricing, the report.

The run itself drives the local platform (a moto server): `python -m bench.cost`. No test times anything.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace

import pytest

from bench import prices
from bench.cost import CostResult, functions_deployed, lambda_settings
from bench.cost_bill import (
    LOG_EVENT_OVERHEAD,
    Tally,
    amortise,
    amounts,
    beyond_baseline,
    price,
    snapshots_a_month,
    standing_a_month,
    superseded_by_a_deploy,
)
from bench.cost_mix import MIX, plan, silent_event_ids
from bench.cost_report import a_month, format_report, percentile, quiet_line, summary
from bench.platform_count import Call, Invocation, Part
from bench.request_units import dynamodb_units
from bench.workload import make_customers

SMALL = {"pk": {"S": "EVENT#x"}, "sk": {"S": "EVENT"}}  # well under 1 KB
BIG = {**SMALL, "doc": {"S": "x" * 2500}}  # 3 KB once rounded up


@pytest.mark.parametrize(
    ("operation", "params", "parsed", "images", "units"),
    [
        ("PutItem", {}, {}, [(None, SMALL)], (1.0, 0.0)),
        ("UpdateItem", {}, {}, [(BIG, SMALL)], (3.0, 0.0)),  # the larger of before and after
        ("TransactWriteItems", {}, {}, [(None, SMALL), (None, BIG)], (8.0, 0.0)),  # twice 1 + twice 3
        ("BatchWriteItem", {}, {}, [(None, SMALL), (None, SMALL)], (2.0, 0.0)),
        ("GetItem", {"ConsistentRead": True}, {"Item": BIG}, [], (0.0, 1.0)),
        ("GetItem", {}, {}, [], (0.0, 0.5)),  # a miss still costs the minimum read
        ("Query", {}, {"Items": [BIG, BIG]}, [], (0.0, 1.0)),  # 6 KB eventually consistent: two 4 KB halves
        (
            "BatchGetItem",
            {"RequestItems": {"t": {"Keys": [{}, {}, {}]}}},
            {"Responses": {"t": [SMALL]}},
            [],
            (0.0, 1.5),  # each key on its own: one found, two missing, half a unit each
        ),
        ("TransactGetItems", {}, {"Responses": [{"Item": SMALL}, {}]}, [], (0.0, 4.0)),
    ],
    ids=["put", "update-shrinks", "transaction", "batch-write", "get", "get-miss", "query", "batch-get", "txn-get"],
)
def test_dynamodb_request_units_follow_the_published_rules(operation, params, parsed, images, units):
    # GIVEN a request, its answer and the items it wrote  WHEN its units are worked out  THEN DynamoDB's rules hold
    assert dynamodb_units(operation, params, parsed, images) == units


def call(operation: str, unit: tuple[str, str] | None, service: str = "dynamodb", empty: bool = False) -> Call:
    return Call("triage", unit, service, operation, wru=2.0 if operation == "PutItem" else 0.0, empty=empty)


def test_a_batchs_requests_are_shared_by_its_messages_and_an_empty_poll_by_nobody():
    # GIVEN a batch of three messages (one paging): each wrote once, the poller received and deleted the batch,
    # and an empty long poll found nothing
    poll = ("poll", "0")
    batch = {poll: ("a", "b", "c")}
    calls = [
        *(call("PutItem", ("event_id", e)) for e in "abc"),
        call("ReceiveMessage", poll, "sqs"),
        call("DeleteMessageBatch", poll, "sqs"),
        call("ReceiveMessage", ("poll", "1"), "sqs", empty=True),
    ]
    invocation = Invocation(
        "triage",
        (("event_id", "a"), ("event_id", "b"), ("event_id", "c")),
        ms=40.2,  # billed 41: 30 measured inside the records, 11 shared
        log_bytes=600,
        log_events=6,
        parts={("event_id", "a"): Part(10.0, 100, 1), ("event_id", "b"): Part(10.0, 100, 1)},
    )
    classes = {"a": "paging", "b": "non-paging", "c": "non-paging"}

    def events_of(unit):
        if unit is None:
            return ()
        return batch.get(unit) or ((unit[1],) if unit[0] == "event_id" else ())

    # WHEN it is amortised
    tallies, standing = amortise(calls, [invocation], events_of, classes)
    paging, quiet = tallies["paging"], tallies["non-paging"]
    # THEN each message has its own write and a third of the poller's two requests
    assert paging.messages == 1 and quiet.messages == 2
    assert paging.requests == Counter(
        {"dynamodb.PutItem": 1, "sqs.ReceiveMessage": 1 / 3, "sqs.DeleteMessageBatch": 1 / 3}
    )
    assert paging.wru == 2.0 and quiet.wru == 4.0
    assert quiet.aws_requests == pytest.approx(2 + 4 / 3)
    # AND the empty poll is standing, not any message's
    assert standing.requests == Counter({"sqs.ReceiveMessage": 1})
    # AND the invocation's billed time is its records' own plus an even share of the rest
    assert paging.ms["triage"] == pytest.approx(10 + 21 / 3)
    assert quiet.ms["triage"] == pytest.approx(10 + 2 * 21 / 3)
    assert paging.invocations["triage"] == pytest.approx(1 / 3)
    assert paging.log_bytes == pytest.approx(100 + LOG_EVENT_OVERHEAD + (400 + 4 * LOG_EVENT_OVERHEAD) / 3)


@pytest.mark.parametrize(
    ("aws_request_ms", "billed"), [(None, 50.0), (10.0, 50.0 - 45.0 + 3 * 10.0)], ids=["measured", "stated"]
)
def test_an_invocation_is_billed_as_measured_or_as_its_own_time_plus_a_stated_round_trip(aws_request_ms, billed):
    # GIVEN a 50 ms call that waited 45 ms for moto over three requests
    invocation = Invocation("triage", (), ms=50.0, log_bytes=0, log_events=0, aws_ms=45.0, aws_calls=3)
    # WHEN billed  THEN as measured, or as its own 5 ms plus the stated time of each request
    assert invocation.billed_ms(aws_request_ms) == pytest.approx(billed)


def test_the_escalation_is_what_the_sweeps_did_beyond_idle_ones():
    # GIVEN two idle sweeps (one Query each) and three sweeps during the run with two pages escalating
    idle = Counter({"dynamodb.Query": 2})
    run = [call("Query", ("sweep", str(i))) for i in range(3)] + [call("PutItem", ("sweep", "1"))] * 2
    sns = [Call("escalate", ("sweep", "2"), "sns", "Publish")] * 2
    # WHEN the run's sweeps are compared with as many idle ones
    extra = beyond_baseline(run + sns, 3, idle, 2)
    # THEN only the escalations remain
    assert extra == Counter({"dynamodb.PutItem": 2, "sns.Publish": 2})


def test_a_million_messages_are_priced_line_by_line():
    # GIVEN a million messages' usage: one API request and one triage share each, 4 WRU, 2 RRU, 2 SQS requests
    tally = Tally(messages=1_000_000)
    tally.invocations = amounts({"api_handler": 1_000_000, "triage": 100_000})
    tally.ms = amounts({"api_handler": 10 * 1_000_000})  # 10 ms each at 256 MB: 2,500 GB-s
    tally.requests = amounts({"sqs.SendMessage": 1_000_000, "sqs.ReceiveMessage": 1_000_000, "sns.Publish": 10_000})
    tally.wru, tally.rru = 4_000_000, 2_000_000
    tally.log_bytes = prices.GB
    # WHEN it is priced on each architecture
    x86 = price(tally, 256, "x86_64", sms_segments=1000, emails=2000)
    arm = price(tally, 256, "arm64")
    # THEN each line is the usage times its price
    assert x86.lines["API Gateway HTTP API requests"] == pytest.approx(1.00)
    assert x86.lines["Lambda requests"] == pytest.approx(0.22)
    assert x86.lines["Lambda duration (x86_64, 256 MB)"] == pytest.approx(2500 * 0.0000166667)
    assert arm.lines["Lambda duration (arm64, 256 MB)"] == pytest.approx(2500 * 0.0000133334)
    assert x86.lines["SQS requests"] == pytest.approx(0.80)
    assert x86.lines["DynamoDB writes"] == pytest.approx(2.50)
    assert x86.lines["DynamoDB reads"] == pytest.approx(0.25)
    assert x86.lines["SNS publishes"] == pytest.approx(0.005)
    assert x86.lines["CloudWatch Logs ingestion"] == pytest.approx(0.50)
    # AND one invocation in a hundred resumes a 256 MB snapshot: 11,000 restores of a quarter GB
    restores = 11_000 * 0.25 * 0.0001397998
    assert x86.lines["SnapStart restores (1% of invocations)"] == pytest.approx(restores)
    assert x86.total == pytest.approx(1.0 + 0.22 + 2500 * 0.0000166667 + 0.8 + 2.5 + 0.25 + 0.005 + 0.5 + restores)
    # AND what is delivered to people is listed apart, outside the total
    assert x86.delivery == {"Twilio SMS replies": pytest.approx(8.30), "SES email replies": pytest.approx(0.20)}
    assert x86.scaled(2).total == pytest.approx(2 * x86.total)


@pytest.mark.parametrize(
    ("functions", "memory_mb", "a_month", "a_deploy"),
    [
        (5, 256, 5 * 0.25 * 2_592_000 * 0.0000015046, 5 * 0.25 * 14 * 86_400 * 0.0000015046),
        (1, 1024, 2_592_000 * 0.0000015046, 14 * 86_400 * 0.0000015046),
        (0, 256, 0.0, 0.0),
    ],
    ids=["five-at-256MB", "one-at-1GB", "none"],
)
def test_snapstart_caches_each_live_version_all_month_and_a_superseded_one_for_14_days(
    functions, memory_mb, a_month, a_deploy
):
    # GIVEN functions with SnapStart WHEN their snapshots are priced
    # THEN a live version is cached all month, and one a deploy superseded until 14 days unused
    assert snapshots_a_month(functions, memory_mb) == pytest.approx(a_month)
    assert superseded_by_a_deploy(functions, memory_mb) == pytest.approx(a_deploy)


def test_the_standing_cost_includes_the_live_snapshots():
    # GIVEN an idle sweep that costs nothing WHEN a month stands idle with and without five snapshots
    idle = Tally(messages=0)
    without = standing_a_month(idle, 2, 256, "arm64")
    with_snapshots = standing_a_month(idle, 2, 256, "arm64", functions=5)
    # THEN the difference is the five live versions' cache
    assert with_snapshots - without == pytest.approx(snapshots_a_month(5, 256))


def test_the_functions_deployed_are_the_api_and_each_configured_one(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"stages": {"prod": {"lambda_functions": {"triage": {}, "escalate": {}}}}}))
    assert functions_deployed(path) == 3
    assert functions_deployed() == 5  # the shipped .chalice/config.json


def test_an_unknown_architecture_has_no_price():
    with pytest.raises(ValueError, match="no Lambda price for architecture 'sparc'"):
        prices.lambda_gb_second("sparc")


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"stages": {"prod": {"lambda_memory_size": 256}}}, (256, "x86_64")),
        ({"lambda_architecture": "arm64", "stages": {"prod": {"lambda_memory_size": 512}}}, (512, "arm64")),
        ({"stages": {"prod": {"lambda_architecture": "arm64"}}, "lambda_memory_size": 1024}, (1024, "arm64")),
    ],
    ids=["default-x86", "top-level-arm64", "stage-arm64"],
)
def test_memory_and_architecture_come_from_the_chalice_config(tmp_path, config, expected):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    assert lambda_settings(path) == expected


def test_the_mix_is_mostly_non_paging_across_six_channels_with_distinct_senders():
    # GIVEN the generated customers  WHEN 200 messages are planned
    planned = plan(200, make_customers(300))
    # THEN every channel appears, paging kinds are a small share, buyers only in office hours
    assert {p.channel for p in planned} == {channel for _, channel, _ in MIX}
    paging = [p for p in planned if p.kind != "how-to"]
    assert 0 < len(paging) < 0.2 * len(planned)
    assert all(p.at.hour >= 14 for p in planned if p.kind == "prospect-buying")
    # AND each request is its own message (no two alike), in arrival order within each half
    assert len({p.request.body for p in planned}) == len(planned)
    sms = [p for p in planned if p.channel == "sms"]
    assert silent_event_ids(sms[0].request)[0].startswith("twilio:sms:SM")


@pytest.mark.parametrize(("messages", "usd"), [(0, 0.5), (10_000, 0.75), (1_000_000, 25.5)], ids=["idle", "10k", "1M"])
def test_a_month_is_the_messages_share_of_the_per_million_figure_plus_the_standing_cost(messages, usd):
    assert a_month(25.0, 0.5, messages) == pytest.approx(usd)


def test_percentiles_are_times_that_happened():
    assert percentile([5.0, 1.0, 3.0, 2.0, 4.0], 50) == 3.0
    assert percentile(list(map(float, range(1, 101))), 99) == 99.0
    assert percentile([], 99) == 0.0


def result(requests: float, wru: float) -> CostResult:
    quiet, paging = Tally(messages=90), Tally(messages=10)
    quiet.requests = amounts({"dynamodb.PutItem": requests * 90})
    paging.requests = amounts({"dynamodb.PutItem": 10 * 10, "sns.Publish": 10})
    quiet.wru = wru * 90
    quiet.invocations = amounts({"api_handler": 90, "triage": 9})
    paging.invocations = amounts({"api_handler": 10, "triage": 1})
    return CostResult(
        messages=100,
        kinds={"how-to/widget": 90, "vip-critical/widget": 10},
        classes={"non-paging": quiet, "paging": paging},
        idle_sweep=Tally(),
        invocation_ms={"api_handler": (5.0, 7.0), "triage": (40.0,)},
        billed_ms={"api_handler": (15.0, 17.0), "triage": (140.0,)},
        sms_segments=0,
        emails=0,
        memory_mb=256,
        architecture="x86_64",
        batches=10,
        records=100,
        acknowledged=10,
    )


@pytest.mark.parametrize(
    ("requests", "wru", "verdicts"),
    [(3.0, 1.0, ("PASS", "PASS")), (6.0, 1.0, ("OVER", "PASS")), (3.0, 40.0, ("PASS", "OVER"))],
    ids=["within-both", "too-many-requests", "too-many-dollars"],
)
def test_the_report_compares_with_both_budgets(requests, wru, verdicts):
    # GIVEN a run's tallies  WHEN reported
    made = result(requests, wru)
    text, line, figures = format_report(made), summary(made), made.to_dict()
    # THEN the budgets' verdicts are stated, in the table, the summary line and the figures alike
    assert f"budget ≤ 4 per non-paging message: {verdicts[0]}" in text
    assert "(deployed: x86_64): " + verdicts[1] in text
    assert f"(budget ≤ 4, {verdicts[0]})" in line and f"(budget ≤ $5, {verdicts[1]})" in line
    assert figures["budgets"]["requests_verdict"] == verdicts[0]
    assert figures["budgets"]["usd_verdict"] == verdicts[1]
    assert figures["aws_requests_per_message"]["non-paging"] == requests
    assert set(figures["usd_per_million"]) == {"x86_64", "arm64"}
    json.dumps(figures)  # JSON-ready


@pytest.mark.parametrize(("requests", "verdict"), [(3.5, "PASS"), (8.5, "OVER")], ids=["within", "over"])
def test_a_quiet_hour_is_reported_beside_the_amortised_budget(requests, verdict):
    # GIVEN the mix run again at batches of one
    from bench.budgets import cost_rows

    amortised, quiet = result(3.0, 1.0), replace(result(requests, 1.0), batch=1)
    # WHEN the budgets table and the quiet hour's line are made
    rows = cost_rows(amortised, quiet)
    line = quiet_line(quiet)
    # THEN the quiet hour has its own row after the amortised ones, judged against the same 4 requests
    assert [r.verdict for r in rows] == ["PASS", "PASS", verdict]
    assert "quiet hour (batches of 1" in rows[2].what and rows[2].measured.startswith(f"{requests:.2f}")
    assert f"{requests:.2f} AWS requests per non-paging message" in line and f"{verdict} here" in line
    # AND the amortised rows are as they were without it
    assert cost_rows(amortised) == rows[:2]
