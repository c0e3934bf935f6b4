"""Config deploys against moto with IAM enforced: a new rules object decides the next messages, a bad one
is refused, a rollback restores the earlier decisions, and `switchboard rules deploy` waits on the canary."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from chalice.test import Client

import app as app_module
from chalicelib import bootstrap
from chalicelib.adapters.rules_store import RULES_KEY
from chalicelib.routing.loader import CONFIG_DIR, load_rules
from cli import rules_deploy
from cli.rules_store import Waiter
from local.replay import fresh_id
from local.samples import all_samples, local_secrets, signed
from local.worker import QueueWorker
from tests import rules_objects

WIDGET = {s.name.split("/", 1)[1]: s for s in all_samples() if s.provider == "widget"}
#: the local stage's refresh interval (.chalice/config.json RULES_REFRESH_SECONDS), and a little more
REFRESH = timedelta(seconds=3)


@pytest.fixture
def triage(aws, clock):
    worker = QueueWorker(aws.clients["sqs"], aws.stack.outputs["EventsQueueUrl"], app_module.triage, "triage")

    def decide_one() -> dict[str, Any]:
        """A new conversation's free how-to question, through the API and triage: its ticket item."""
        request = signed(fresh_id(WIDGET["free-howto"]), local_secrets(), clock())
        with Client(app_module.app) as client:
            assert client.http.post(request.path, headers=request.headers, body=request.body).status_code == 202
        before = {t["ticket_id"]["S"] for t in aws.tickets()}
        assert worker.run_once(wait_seconds=0).failed == ()
        (ticket,) = [t for t in aws.tickets() if t["ticket_id"]["S"] not in before]
        return dict(ticket)

    return decide_one


def _put(aws, body: bytes) -> str:
    answer = aws.clients["s3"].put_object(
        Bucket=aws.stack.outputs["RulesBucketName"], Key=RULES_KEY, Body=body, Metadata={"deployed-by": "maya"}
    )
    return str(answer["VersionId"])


def _decided(ticket: dict[str, Any]) -> tuple[str, str, str]:
    return ticket["route"]["S"], ticket["priority"]["S"], ticket["rules_version"]["S"]


def test_a_deployed_object_decides_the_next_messages_and_a_bad_one_is_refused(aws, clock, triage):
    # GIVEN nothing deployed: the packaged rules decide a free customer's question at night
    packaged = load_rules().version
    assert _decided(triage()) == ("free-after-hours", "P4", packaged)
    # WHEN a rules version that raises that route to P3 is deployed
    changed = rules_objects.with_priority("free-after-hours", "P3")
    version_id = _put(aws, changed)
    # THEN until the refresh interval has passed the containers keep their rules
    assert _decided(triage())[1] == "P4"
    # AND after it the next message is decided by the new version, which its ticket names
    clock.now += REFRESH
    route, priority, version = _decided(triage())
    assert (route, priority) == ("free-after-hours", "P3")
    assert version.startswith(f"{version_id}/") and version.rsplit("/", 1)[1] != packaged
    # WHEN a corrupt object, then a schema-invalid one, is deployed over it
    for bad in (rules_objects.CORRUPT, rules_objects.schema_invalid()):
        _put(aws, bad)
        clock.now += REFRESH
        # THEN it is refused and the version in use keeps deciding
        assert _decided(triage()) == ("free-after-hours", "P3", version)


def _args(**given: Any) -> argparse.Namespace:
    base = {
        "stage": "local",
        "local": False,
        "bucket": None,
        "api_url": "https://switchboard.test",  # asked through the waiter the test gives
        "region": "us-east-1",
        "yes": True,
        "timeout": 90.0,
        "to": None,
        "command": "deploy",
    }
    return argparse.Namespace(**{**base, **given})


def _canary(clock) -> Waiter:
    """Asks the API function's GET /rules/version; each wait moves the platform's clock, never the test's time."""

    def ask() -> str:
        with Client(app_module.app) as client:
            return str(client.http.get("/rules/version").json_body["version"])

    def sleep(seconds: float) -> None:
        clock.now += timedelta(seconds=seconds)

    def elapsed() -> float:
        return float((clock.now - start).total_seconds())

    start = clock.now
    return Waiter(ask=ask, say=print, clock=elapsed, sleep=sleep)


def test_deploy_waits_for_the_new_version_and_rollback_restores_the_earlier_decisions(
    aws, clock, triage, tmp_path, monkeypatch, capsys
):
    # GIVEN routing.yaml edited so that a free customer's question at night is P3, and the stage deciding P4
    assert _decided(triage())[1] == "P4"
    text = (CONFIG_DIR / "routing.yaml").read_text(encoding="utf-8")
    edited = tmp_path / "routing.yaml"
    start = text.index("  - name: free-after-hours")
    end = text.index("priority: P4", start) + len("priority: P4")
    edited.write_text(text[:start] + text[start:end].replace("priority: P4", "priority: P3") + text[end:])
    # WHEN it is deployed as is THEN `rules test` refuses it (routing.tests.yaml promises P4) and nothing is uploaded
    assert rules_deploy.cmd_deploy(_args(rules=edited), waiter=_canary(clock)) == 1
    assert "refused: `switchboard rules test` fails" in capsys.readouterr().out
    assert "Versions" not in aws.clients["s3"].list_object_versions(Bucket=aws.stack.outputs["RulesBucketName"])
    # WHEN its tests are updated too (here: the expectations stand aside) and it is deployed again
    monkeypatch.setattr("cli.expectations.run_expectations", lambda *a, **k: 0)
    code = rules_deploy.cmd_deploy(_args(rules=edited), waiter=_canary(clock))
    out = capsys.readouterr().out
    # THEN the diff against what is live was shown: the free how-to at night goes from P4 to P3
    assert "nothing deployed to" in out
    assert any(line.strip().startswith("widget/free-howto") and "priority P4 → P3" in line for line in out.splitlines())
    # THEN the deploy returns once the stage answers with the new version, and within one refresh interval
    # (each function's containers look on their own) the next message is P3
    assert code == 0
    clock.now += REFRESH
    route, priority, deployed = _decided(triage())
    assert (route, priority) == ("free-after-hours", "P3")
    answered = aws.clients["s3"].head_object(Bucket=aws.stack.outputs["RulesBucketName"], Key=RULES_KEY)
    assert deployed.startswith(answered["VersionId"] + "/")
    assert answered["Metadata"]["deployed-by"]
    # WHEN it is rolled back (to the version before the live one: here, none, so deploy the shipped rules first)
    assert rules_deploy.cmd_deploy(_args(rules=CONFIG_DIR / "routing.yaml"), waiter=_canary(clock)) == 0
    clock.now += REFRESH
    assert _decided(triage())[1] == "P4"
    assert rules_deploy.cmd_rollback(_args(command="rollback"), waiter=_canary(clock)) == 0
    clock.now += REFRESH
    # THEN the edited rules decide again, under a new S3 version of the same content
    route, priority, restored = _decided(triage())
    assert priority == "P3"
    assert restored.rsplit("/", 1)[1] == deployed.rsplit("/", 1)[1] and restored != deployed


def test_a_deploy_that_the_stage_never_answers_times_out_with_a_clear_message(aws, clock, capsys):
    # GIVEN a canary that keeps answering the old version
    waiter = Waiter(ask=lambda: "old", say=print, clock=iter(range(0, 1000, 5)).__next__, sleep=lambda s: None)
    # WHEN the shipped rules are deployed over nothing (the packaged default has the same hash: nothing to do)
    assert rules_deploy.cmd_deploy(_args(rules=CONFIG_DIR / "routing.yaml"), waiter=waiter) == 0
    assert "nothing to deploy" in capsys.readouterr().out
    # WHEN a changed version is uploaded and the stage never answers it
    changed = rules_objects.with_priority("free-after-hours", "P3")
    target = rules_deploy.resolve(_args())
    version_id = target.store.upload(changed, {"deployed-by": "t"})
    code = rules_deploy.wait_for(target, f"{version_id}/x", 90, print, waiter)
    # THEN it fails after the timeout and says what was uploaded, what the stage answers and why that may be
    assert code == 1
    err = capsys.readouterr().err
    assert f"uploaded version {version_id}/x; the stage still answers with old after 90 s" in err
    assert "containers refresh every 60 s" in err


def test_the_rules_version_endpoint_says_only_the_version(aws):
    with Client(app_module.app) as client:
        answer = client.http.get("/rules/version")
    assert answer.status_code == 200
    assert answer.json_body == {"version": load_rules().version}
    assert answer.headers["Cache-Control"] == "no-store"


def test_the_triage_function_may_read_the_rules_object_and_nothing_else_in_the_bucket(aws):
    # GIVEN triage's own clients (its IAM user, its policy enforced)
    s3 = bootstrap.container("triage").client("s3")
    bucket = aws.stack.outputs["RulesBucketName"]
    aws.clients["s3"].put_object(Bucket=bucket, Key="other.json", Body=b"{}")
    _put(aws, rules_objects.with_priority("free-after-hours", "P3"))
    # THEN it may read the rules object, and may neither read another object, write, nor list
    assert s3.get_object(Bucket=bucket, Key=RULES_KEY)["Body"].read()
    from botocore.exceptions import ClientError

    calls: list[Callable[[], Any]] = [
        lambda: s3.get_object(Bucket=bucket, Key="other.json"),
        lambda: s3.put_object(Bucket=bucket, Key=RULES_KEY, Body=b"{}"),
        lambda: s3.list_object_versions(Bucket=bucket),
    ]
    for call in calls:
        with pytest.raises(ClientError) as caught:
            call()
        assert caught.value.response["Error"]["Code"] in ("AccessDenied", "AccessDeniedException")
