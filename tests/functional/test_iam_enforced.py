"""A policy missing an action fails the tests: each path, run with one action taken out of its function's policy."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from chalice.test import Client

import app as app_module
from chalicelib import bootstrap
from chalicelib.errors import DependencyError
from chalicelib.settings import SECRET_VARIABLES, Settings
from local import iam, policies
from local.samples import EVENTS_DIR, load, local_secrets, signed
from local.stack import load_template
from local.worker import QueueWorker
from tests.fakes import FakeClock
from tests.functional.conftest import NIGHT, REGION, Aws, enforced_stack
from tests.functional.paging_helpers import LINK, deliver, paged, sweep

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def without(function: str, action: str) -> dict[str, Any]:
    """``function``'s policy from .chalice/ with ``action`` removed from every statement."""
    document = copy.deepcopy(policies.load(function))
    for statement in document["Statement"]:
        statement["Action"] = [a for a in statement["Action"] if a != action]
    document["Statement"] = [s for s in document["Statement"] if s["Action"]]
    return document


def widget_webhook(aws: Aws, clock: FakeClock) -> str:
    request = signed(load(EVENTS_DIR / "widget" / "vip-outage.json"), local_secrets(), clock())
    with Client(app_module.app) as client:
        response = client.http.post(request.path, headers=request.headers, body=request.body)
    return f"webhook answered {response.status_code}"


def triage_a_call(aws: Aws, clock: FakeClock) -> str:
    with Client(app_module.app) as client:
        request = signed(
            load(EVENTS_DIR / "twilio" / "call-01-incoming.json"), local_secrets(), base_url="https://switchboard.test"
        )
        assert client.http.post(request.path, headers=request.headers, body=request.body).status_code == 200
    worker = QueueWorker(aws.clients["sqs"], aws.stack.outputs["EventsQueueUrl"], app_module.triage, "triage")
    result = worker.run_once(wait_seconds=0)
    return f"triage failed {len(result.failed)} of {len(result.received)}, {len(aws.tickets())} tickets"


def escalate_a_page(aws: Aws, clock: FakeClock) -> str:
    deliver(aws, "twilio/call-01-incoming")
    paged(aws)
    outcomes = []
    # the step to the founders, then a sweep past the outbox's grace (what a failed publish left pending)
    for wait in (timedelta(minutes=6), timedelta(seconds=90)):
        clock.now += wait
        try:
            sweep()
            outcomes.append("ran")
        except DependencyError:
            outcomes.append("failed")
    return f"the sweeps {' then '.join(outcomes)}, {len(paged(aws))} paged"


def acknowledge_by_link(aws: Aws, clock: FakeClock) -> str:
    deliver(aws, "twilio/call-01-incoming")
    [page] = paged(aws)
    link = LINK.findall(page["text"])[0]
    with Client(app_module.app) as client:
        done = client.http.post(urlsplit(link).path, headers=FORM, body=urlsplit(link).query.encode())
    return f"ack answered {done.status_code}, {len(paged(aws))} told to stand down"


def email_arrives(aws: Aws, clock: FakeClock) -> str:
    notification = load(EVENTS_DIR / "ses" / "new-email.json").body.decode()
    with Client(app_module.app) as client:
        try:
            client.lambda_.invoke("inbound_email", client.events.generate_sns_event(message=notification))
        except DependencyError:
            return "inbound email failed"
    return "inbound email queued"


def reply_by_email(aws: Aws, clock: FakeClock) -> str:
    deliver(aws, "sendgrid/free-howto")
    url = aws.stack.outputs["RepliesQueueUrl"]
    worker = QueueWorker(aws.clients["sqs"], url, app_module.send_replies, "send_replies", retry_delay=None)
    worker.run_once(wait_seconds=0)
    outbox = bootstrap.container().reply_outbox
    emails = [t for t in aws.tickets() if t["channel"]["S"] == "email"]
    states = [r.state.value for t in emails for r in outbox.for_ticket(t["ticket_id"]["S"])]
    return f"email reply {', '.join(sorted(set(states))) or 'not recorded'}"


Scenario = Callable[[Aws, FakeClock], str]

# (function, the action taken out, what the function does, what it does without the action)
CASES: list[tuple[str, str, Scenario, str]] = [
    ("api_handler", "sqs:SendMessage", widget_webhook, "webhook answered 503"),
    ("api_handler", "dynamodb:UpdateItem", acknowledge_by_link, "ack answered 503, 0 told to stand down"),
    ("api_handler", "sns:Publish", acknowledge_by_link, "ack answered 200, 0 told to stand down"),
    ("triage", "dynamodb:PutItem", triage_a_call, "triage failed 1 of 1, 0 tickets"),
    ("escalate", "dynamodb:UpdateItem", escalate_a_page, "the sweeps ran then failed, 1 paged"),
    ("escalate", "sns:Publish", escalate_a_page, "the sweeps ran then failed, 0 paged"),
    ("inbound_email", "sqs:SendMessage", email_arrives, "inbound email failed"),
    # the reply is recorded with the ticket either way: unqueued, the sweep finds it; unsent, it stays pending
    ("triage", "sqs:SendMessage", reply_by_email, "email reply pending"),
    ("send_replies", "dynamodb:UpdateItem", reply_by_email, "email reply pending"),
    ("send_replies", "ses:SendEmail", reply_by_email, "email reply failed"),
]


@pytest.mark.parametrize(("function", "action", "scenario", "expected"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_a_path_fails_with_access_denied_when_its_policy_lacks_an_action(function, action, scenario, expected):
    # GIVEN the stack, with one action missing from one function's policy
    with enforced_stack({function: without(function, action)}) as aws:
        clock = FakeClock(NIGHT)
        aws.wire(replace(aws.settings, ack_timeout_cap_seconds=None), clock)
        # WHEN that function does its job
        outcome = scenario(aws, clock)
        # THEN it fails as it would in AWS, and what was refused is that action
        assert outcome == expected
        assert action in {a for a, _ in aws.users[function].denied}


def test_with_every_action_the_same_paths_work():
    # GIVEN the policies as they are in .chalice/
    with enforced_stack() as aws:
        clock = FakeClock(NIGHT)
        aws.wire(replace(aws.settings, ack_timeout_cap_seconds=None), clock)
        # WHEN each path runs (triage and the sweep have tests of their own under their policies)
        outcomes = [
            acknowledge_by_link(aws, clock),
            widget_webhook(aws, clock),
            email_arrives(aws, clock),
            reply_by_email(aws, clock),
        ]
        # THEN each works, and nothing was refused
        assert outcomes == [
            "ack answered 200, 1 told to stand down",
            "webhook answered 202",
            "inbound email queued",
            "email reply sent",
        ]
        assert [u.denied for u in aws.users.values()] == [[]] * len(aws.users)


def test_the_sweep_escalates_under_its_own_full_policy():
    # GIVEN the stack with every policy as it is in .chalice/
    with enforced_stack() as aws:
        clock = FakeClock(NIGHT)
        aws.wire(replace(aws.settings, ack_timeout_cap_seconds=None), clock)
        # WHEN a call's page is not acknowledged and the sweep runs past its timeout, then past the grace
        outcome = escalate_a_page(aws, clock)
        # THEN the founders are paged once and nothing was refused
        assert outcome == "the sweeps ran then ran, 1 paged"
        assert [u.denied for u in aws.users.values()] == [[]] * len(aws.users)


def test_moto_itself_refuses_an_action_the_users_policy_lacks():
    # GIVEN a user holding triage's policy, without the resource check done before the request leaves
    with enforced_stack() as aws:
        user = aws.users["escalate"]
        client = iam.Signed(user, REGION, guard=False).client("dynamodb")
        # WHEN it calls an action its policy does not grant (the sweep never scans)
        with pytest.raises(Exception, match="AccessDenied") as denied:
            client.scan(TableName=aws.settings.tickets_table)
        # THEN moto answers AccessDenied naming the user and the action
        assert "switchboard-local-escalate" in str(denied.value) and "dynamodb:Scan" in str(denied.value)


def test_secrets_from_ssm_are_read_under_each_functions_policy():
    # GIVEN every secret in SSM where infra/template.yaml names it, as in AWS, and no value in the environment
    names = load_template()["Globals"]["Function"]["Environment"]["Variables"]
    with enforced_stack() as aws:
        env = {**aws.stack.environment(), "PUBLIC_BASE_URL": "https://switchboard.test"}
        ssm = aws.operator.client("ssm")
        for name, variable in SECRET_VARIABLES.items():
            parameter = names[f"{variable}_PARAM"]["Fn::Sub"].replace("${Stage}", "local")
            ssm.put_parameter(Name=parameter, Type="SecureString", Value=local_secrets()[name])
            env[f"{variable}_PARAM"] = parameter
        clock = FakeClock(NIGHT)
        aws.wire(Settings.from_env(env), clock)
        # WHEN a call is paged (triage signs the ack links) and acknowledged by its link (the API checks it)
        outcome = acknowledge_by_link(aws, clock)
        # THEN both read what their policies grant
        assert outcome == "ack answered 200, 1 told to stand down"
        assert [u.denied for u in aws.users.values()] == [[]] * len(aws.users)
        # AND the sweep, which signs ack links only, cannot read a provider's secret
        with pytest.raises(DependencyError, match="AccessDenied"):
            bootstrap.container("escalate").secret("twilio").get()
