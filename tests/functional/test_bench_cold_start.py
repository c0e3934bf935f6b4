"""The cold-start bench, one real round against a moto server: what each path does on its first invocation.

No timing is asserted: only that the children ran the real paths (their answers are checked by the
bench itself), made the requests a first message makes, and created exactly their floors' clients.
"""

from __future__ import annotations

import statistics

import pytest

from bench import cold_start


@pytest.fixture(scope="module")
def result() -> cold_start.ColdStartResult:
    return cold_start.run(runs=1, alternatives=False)


def test_ingest_reads_its_secret_and_queues_the_message(result: cold_start.ColdStartResult) -> None:
    # THEN the widget's first request read the signing secret from SSM and sent one message
    assert result.ingest.calls == {"sqs.SendMessage": 1, "ssm.GetParameter": 1}
    # AND its floor made no request at all: it only created the clients
    assert result.ingest_floor.calls == {}
    # AND the "+calls" floor made exactly the path's requests
    assert result.ingest_calls is not None
    assert result.ingest_calls.calls == result.ingest.calls


def test_triage_stores_decides_and_pages_on_its_first_batch(result: cold_start.ColdStartResult) -> None:
    calls = result.triage.calls
    # THEN the rules store was asked for an object, the ticket written in a transaction, the page
    # published with a signed ack link (the ack secret from SSM), and the batch's replies queued in one request
    assert calls["s3.GET"] == 1
    assert calls["dynamodb.TransactWriteItems"] >= 1
    assert calls["sns.Publish"] == 1
    assert calls["ssm.GetParameter"] == 1
    assert calls["sqs.SendMessageBatch"] == 1
    assert "sqs.SendMessage" not in calls
    assert result.triage_floor.calls == {}
    assert result.triage_calls is not None
    assert result.triage_calls.calls == calls


def test_paths_import_more_than_their_floors_and_the_ratio_is_the_medians(
    result: cold_start.ColdStartResult,
) -> None:
    for name in ("ingest", "triage"):
        path, floor = getattr(result, name), result.floor(name)
        assert path.modules > floor.modules
        cpu = statistics.median(s.cpu_ms for s in path.samples)
        assert result.ratios[name] == cpu / statistics.median(s.cpu_ms for s in floor.samples)
        assert result.to_dict()["paths"][name]["verdict"] == result.verdict(name)
    report = cold_start.format_report(result)
    assert "ingest floor" in report
    assert "triage floor" in report
