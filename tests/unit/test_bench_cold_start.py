"""The cold-start bench's pure parts: ratios, verdicts, the replacements' judgement, the report, the event shapes."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest

from bench.cold_start_report import ALTERNATIVES, RECORDS, ColdStartResult, PathTiming, Sample, format_report, judge
from bench.cold_start_world import RequestMeter, _operation, proxy_event, sqs_record


def timing(
    name: str, cpu_ms: float, wall_ms: float | None = None, records: int = 0, namedtuples_ms: float = 0.0
) -> PathTiming:
    wall = cpu_ms if wall_ms is None else wall_ms
    sample = Sample(
        import_ms=wall / 2, call_ms=wall / 2, modules=10, import_cpu_ms=cpu_ms / 4, call_cpu_ms=cpu_ms * 3 / 4
    )
    return PathTiming(name, name, (replace(sample, records=records, namedtuples_ms=namedtuples_ms),))


def result(ingest: float = 100.0, triage: float = 100.0, alternatives: tuple[PathTiming, ...] = ()) -> ColdStartResult:
    return ColdStartResult(
        runs=1,
        stack=timing("stack", 80.0),
        ingest_floor=timing("ingest floor", 100.0),
        ingest=timing("ingest", ingest),
        triage_floor=timing("triage floor", 100.0),
        triage=timing("triage", triage, records=40, namedtuples_ms=5.0),
        alternatives=alternatives,
    )


@pytest.mark.parametrize(
    ("ingest", "triage", "verdicts"),
    [
        pytest.param(110.0, 120.0, ("PASS", "PASS"), id="both-at-their-budgets"),
        pytest.param(110.2, 120.0, ("OVER", "PASS"), id="ingest-just-over-its-tighter-budget"),
        pytest.param(115.0, 119.0, ("OVER", "PASS"), id="triage-allowed-more-than-ingest"),
        pytest.param(90.0, 120.2, ("PASS", "OVER"), id="triage-just-over"),
    ],
)
def test_each_path_is_judged_on_its_cpu_time_against_its_own_floor(
    ingest: float, triage: float, verdicts: tuple[str, str]
) -> None:
    # GIVEN both floors at 100 ms of CPU
    cold = result(ingest, triage)

    # THEN each verdict is the path's CPU ratio against its budget, and the JSON says the same
    assert (cold.verdict("ingest"), cold.verdict("triage")) == verdicts
    paths = cold.to_dict()["paths"]
    assert (paths["ingest"]["verdict"], paths["triage"]["verdict"]) == verdicts
    assert paths["ingest"]["ratio"] == round(ingest / 100.0, 3)


def test_wall_time_is_reported_beside_the_cpu_ratio_but_does_not_judge() -> None:
    # GIVEN a triage run whose CPU is within budget but whose wall time a busy machine doubled
    cold = ColdStartResult(
        runs=1,
        stack=timing("stack", 80.0),
        ingest_floor=timing("ingest floor", 100.0),
        ingest=timing("ingest", 100.0),
        triage_floor=timing("triage floor", 100.0, wall_ms=150.0),
        triage=timing("triage", 110.0, wall_ms=330.0),
    )

    # THEN the verdict follows the CPU and the wall ratio is shown as measured
    assert cold.verdict("triage") == "PASS"
    assert cold.wall_ratios["triage"] == pytest.approx(2.2)
    assert cold.to_dict()["paths"]["triage"]["wall_ratio"] == 2.2


@pytest.mark.parametrize(
    ("with_it", "without_it", "share", "expected"),
    [
        pytest.param(1.10, 1.18, 0.08, "no longer pays for itself, the budget holds", id="budget-holds-without-it"),
        pytest.param(1.10, 1.25, 0.15, "pays for itself, the budget needs it", id="budget-needs-it"),
        pytest.param(1.40, 1.41, 0.01, "over budget either way and the saving is within the noise", id="over-and-tiny"),
        pytest.param(1.40, 1.60, 0.20, "over budget even with it; the saving is real", id="over-and-real"),
    ],
)
def test_a_replacement_pays_for_itself_only_where_the_budget_or_a_real_saving_needs_it(
    with_it: float, without_it: float, share: float, expected: str
) -> None:
    assert expected in judge(with_it, without_it, 1.2, share)


def test_each_replacement_is_reported_with_what_it_saves_and_the_ratio_without_it() -> None:
    # GIVEN triage at 1.10× and the row with Powertools' batch utility put back at 1.25×
    name = "triage, Powertools batch"
    cold = result(triage=110.0, alternatives=(timing(name, 125.0),))

    # WHEN the replacements are judged
    (path, what, saved, ratio), records = cold.replacements()
    line = next(line for line in format_report(cold).splitlines() if ALTERNATIVES[name] in line)

    # THEN what it saves is the difference of the paired runs, and the report says the budget needs it
    assert (path, what) == ("triage", ALTERNATIVES[name])
    assert saved == pytest.approx(15.0)
    assert ratio == pytest.approx(1.25)
    assert "pays for itself, the budget needs it" in line
    # AND the Record type is judged by what defining its classes as NamedTuples took in the same process
    assert records[:3] == ("triage", RECORDS, 5.0)
    assert records[3] == pytest.approx(1.15)


def test_an_ingest_replacement_is_judged_against_the_ingest_path_and_its_budget() -> None:
    # GIVEN ingest at 1.08× and the row with Powertools' SSMProvider put back at 1.12×
    name = "ingest, Powertools Parameters"
    cold = result(ingest=108.0, alternatives=(timing(name, 112.0),))
    # WHEN the replacements are judged
    path, what, saved, ratio = cold.replacements()[0]
    lines = format_report(cold).splitlines()
    # THEN it is reported under the ingest path, and the ingest budget needs it
    assert (path, what) == ("ingest", ALTERNATIVES[name])
    assert saved == pytest.approx(4.0)
    assert ratio == pytest.approx(1.12)
    header = next(i for i, line in enumerate(lines) if "replacements of standard constructs on the ingest path" in line)
    assert "pays for itself, the budget needs it" in lines[header + 1]


def test_the_report_names_every_row_the_budgets_and_moto_share() -> None:
    cold = result(105.0, 130.0)
    report = format_report(cold)

    for name in ("stack", "ingest floor", "ingest", "triage floor", "triage"):
        assert any(line.strip().startswith(name + " ") for line in report.splitlines()), name
    assert "≤1.10 PASS" in report
    assert "≤1.20 OVER" in report
    assert "10 ms CPU over" in report  # triage: 130 against the 120 allowed
    assert "only 1 runs" in report


def test_the_margin_in_milliseconds_agrees_with_the_verdict_when_the_medians_do_not() -> None:
    # GIVEN three rounds on a busy machine: ingest over its 1.10 in two of them, but its median CPU
    # (from one round) under 1.10 times the floor's median (from another)
    def rounds(name: str, cpu: tuple[float, ...]) -> PathTiming:
        return PathTiming(name, name, tuple(Sample(import_ms=c, call_ms=0.0, modules=1, import_cpu_ms=c) for c in cpu))

    cold = replace(
        result(),
        ingest_floor=rounds("ingest floor", (100.0, 200.0, 120.0)),
        ingest=rounds("ingest", (115.0, 230.0, 125.0)),
    )
    # WHEN the report is written
    report = format_report(cold)
    # THEN the paired ratio (1.15) is OVER, and the margin says over too, in the floor's milliseconds
    assert cold.ratios["ingest"] == pytest.approx(1.15)
    assert cold.verdict("ingest") == "OVER"
    assert "ingest: 6 ms CPU over" in report  # (1.10 - 1.15) x the floor's median 120 ms


@pytest.mark.parametrize(
    ("environ", "body", "expected"),
    [
        pytest.param(
            {"HTTP_X_AMZ_TARGET": "AmazonSQS.SendMessage"},
            b"{}",
            "sqs.SendMessage",
            id="json-protocol",
        ),
        pytest.param({}, b"Action=Publish&TopicArn=x", "sns.Publish", id="query-protocol"),
        pytest.param({"REQUEST_METHOD": "GET"}, b"", "s3.GET", id="rest-protocol"),
    ],
)
def test_each_request_is_named_by_its_signature_scope_and_action(
    environ: dict[str, str], body: bytes, expected: str
) -> None:
    service = expected.split(".", 1)[0]
    auth = f"AWS4-HMAC-SHA256 Credential=bench/20261206/us-east-1/{service}/aws4_request, SignedHeaders=host"
    assert _operation({"HTTP_AUTHORIZATION": auth, **environ}, body) == expected


def test_the_meter_counts_a_childs_requests_and_passes_the_body_on() -> None:
    # GIVEN a WSGI app that reads the body it is given
    seen = []

    def app(environ: dict[str, object], start_response: object) -> list[bytes]:
        seen.append(environ["wsgi.input"].read())  # type: ignore[attr-defined]
        return [b"ok"]

    meter = RequestMeter(app)
    body = b"Action=Publish&TopicArn=x"
    environ = {
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "HTTP_AUTHORIZATION": "AWS4-HMAC-SHA256 Credential=k/20261206/us-east-1/sns/aws4_request, x",
    }

    # WHEN it answers one request, and the bench's own request is not recorded
    assert meter(dict(environ), None) == [b"ok"]
    meter.recording = False
    meter({**environ, "wsgi.input": io.BytesIO(body)}, None)
    calls, _ = meter.take()

    # THEN the app read the same body and one Publish was counted; a second take starts again
    assert seen == [body, body]
    assert calls == {"sns.Publish": 1}
    assert meter.take()[0] == {}


def test_a_received_message_becomes_a_lambda_sqs_record() -> None:
    message = {
        "MessageId": "m-1",
        "ReceiptHandle": "r-1",
        "Body": '{"event_id": "widget:1"}',
        "MD5OfBody": "abc",
        "Attributes": {"ApproximateReceiveCount": "1"},
        "MessageAttributes": {"channel": {"DataType": "String", "StringValue": "widget"}},
    }
    record = sqs_record(message, "arn:aws:sqs:us-east-1:123456789012:events")

    assert record["messageId"] == "m-1"
    assert record["body"] == message["Body"]
    assert record["messageAttributes"] == {"channel": {"stringValue": "widget", "dataType": "String"}}
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"].endswith(":events")


def test_a_webhook_becomes_an_api_gateway_proxy_event() -> None:
    event = proxy_event("POST", "/webhooks/widget", {"content-type": "application/json"}, '{"a":1}')

    assert event["requestContext"]["resourcePath"] == "/webhooks/widget"
    assert event["httpMethod"] == "POST"
    assert event["body"] == '{"a":1}'
    assert event["isBase64Encoded"] is False
    assert event["headers"]["content-type"] == "application/json"
