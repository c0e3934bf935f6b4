"""Per-person pager subscriptions on moto: the filter selects the right copies, and `pager sync` makes them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.model.page import Level
from chalicelib.paging.messages import ack_args, digest_args, person_filter, publish_args
from cli.main import main
from tests.paging_fixtures import FOUNDERS, MAYA, make_page

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


def person_queue(aws, topic_arn: str, person: str) -> str:
    """An SQS queue standing in for a person's phone, subscribed with the filter `pager sync` writes."""
    sqs = aws.clients["sqs"]
    url = sqs.create_queue(QueueName=f"phone-{person}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    aws.clients["sns"].subscribe(
        TopicArn=topic_arn, Protocol="sqs", Endpoint=arn, Attributes={"FilterPolicy": json.dumps(person_filter(person))}
    )
    return str(url)


def received(aws, url: str) -> list[str]:
    """The `kind` and `people` of each notification the queue got."""
    messages = aws.clients["sqs"].receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    found = []
    for message in messages:
        attributes = json.loads(message["Body"])["MessageAttributes"]
        people = json.loads(attributes["people"]["Value"]) if "people" in attributes else []
        found.append(f"{attributes['kind']['Value']}:{','.join(people) or '-'}")
    return sorted(found)


def test_a_persons_filter_lets_through_what_is_addressed_to_them_and_their_topics_digest(aws):
    # GIVEN Maya and Tom subscribed to the founders topic, each with their own filter
    topic = aws.settings.pager_topics["founders"]
    maya, tom = person_queue(aws, topic, "maya"), person_queue(aws, topic, "tom")
    page = make_page(level=1)
    sns = aws.clients["sns"]
    # WHEN the founders' level is paged, then a copy for Maya alone (Tom is over his rate limit),
    # the acknowledgement, the founders' start-of-day digest and Tom's rate-limit digest are published
    sns.publish(**publish_args(page, FOUNDERS, topic, {}, NOW, topic="founders"))
    only_maya = Level(targets=FOUNDERS.targets, recipients=(MAYA,), ack_timeout_seconds=900)
    sns.publish(**publish_args(page, only_maya, topic, {}, NOW, topic="founders"))
    acked = make_page(level=1, acked_by="maya", acked_at=NOW)
    sns.publish(**ack_args(acked, topic, "founders"))
    sns.publish(**digest_args("founders", ["T-1 held"], topic, NOW))
    sns.publish(**digest_args("person:tom", ["T-2 held"], topic, NOW))
    # THEN each gets the copies addressed to them and the team digest, never the other's
    assert received(aws, maya) == ["ack:maya,tom", "digest:-", "page:maya", "page:maya,tom"]
    assert received(aws, tom) == ["ack:maya,tom", "digest:-", "digest:tom", "page:maya,tom"]


def sync(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["pager", "sync", "--stage", "local", *args])
    out, err = capsys.readouterr()
    return code, out, err


def subscriptions(aws) -> dict[tuple[str, str], Any]:
    """(topic name, endpoint) → FilterPolicy of every SMS and email subscription on the pager topics."""
    sns = aws.clients["sns"]
    found = {}
    for name, arn in aws.settings.pager_topics.items():
        for sub in sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]:
            if sub["Protocol"] in ("sms", "email"):
                attributes = sns.get_subscription_attributes(SubscriptionArn=sub["SubscriptionArn"])["Attributes"]
                found[name, sub["Endpoint"]] = json.loads(attributes.get("FilterPolicy") or "null")
    return found


def test_sync_plans_then_applies_then_has_nothing_left_to_do(aws, capsys):
    # GIVEN the local stack with no phone or email subscribed, and a stranger's phone subscribed by hand
    support = aws.settings.pager_topics["support"]
    aws.clients["sns"].subscribe(TopicArn=support, Protocol="sms", Endpoint="+12125550199")
    # WHEN the plan is printed
    code, out, _ = sync(capsys)
    # THEN it lists a subscription per person and address, changes nothing, and says how to apply
    assert code == 0
    assert "10 to subscribe, 0 to re-filter, 0 to unsubscribe" in out
    [stranger] = [line.split() for line in out.splitlines() if "+12125550199" in line]
    assert stranger[:5] == ["unfiltered", "support", "-", "sms", "+12125550199"]
    assert "run again with --apply" in out
    assert sync(capsys, "--check")[0] == 1
    assert set(subscriptions(aws)) == {("support", "+12125550199")}

    # WHEN it is applied
    code, out, _ = sync(capsys, "--apply")
    # THEN each person's phone and email are on their own topic with their own filter
    assert code == 0 and "Done: 10 changes" in out
    made = subscriptions(aws)
    assert made["support", "+12125550104"] == person_filter("leo")
    assert made["founders", "maya@switchboard.example"] == person_filter("maya")
    assert made["sales", "+12125550105"] == person_filter("ana")
    # AND the stranger's subscription is left as it was, and a second run has nothing to do
    assert made["support", "+12125550199"] is None
    assert sync(capsys, "--check")[0] == 0


def test_sync_says_which_topic_is_missing(aws, capsys):
    code, _, err = sync(capsys, "--stage", "nope")
    assert code == 2
    assert "no SNS topic switchboard-nope-founders, switchboard-nope-sales, switchboard-nope-support" in err


@pytest.mark.parametrize("flags", [["--apply", "--check"], []])
def test_sync_needs_a_stage_or_local_and_one_action(capsys, flags):
    with pytest.raises(SystemExit) as exit_:
        main(["pager", "sync", *flags])
    assert exit_.value.code == 2
