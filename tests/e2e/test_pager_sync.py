"""`switchboard pager sync` over HTTP against the local platform's moto server, as an operator runs it."""

from __future__ import annotations

import json

from chalicelib.paging.messages import person_filter
from cli.main import main
from tests.e2e.conftest import E2E


def test_sync_subscribes_every_person_through_the_endpoint_then_finds_nothing_to_do(e2e: E2E, capsys) -> None:
    # GIVEN the platform's stack (AWS_ENDPOINT_URL points boto3 at its moto server)
    sns = e2e.platform.clients["sns"]
    # WHEN an operator applies the sync to the local stage
    assert main(["pager", "sync", "--stage", "local", "--apply"]) == 0
    # THEN Leo's phone is on the support topic with his filter, and a second run has nothing to change
    support = e2e.platform.pager_topics["support"]
    [leo] = [
        s for s in sns.list_subscriptions_by_topic(TopicArn=support)["Subscriptions"] if s["Endpoint"] == "+12125550104"
    ]
    policy = sns.get_subscription_attributes(SubscriptionArn=leo["SubscriptionArn"])["Attributes"]["FilterPolicy"]
    assert json.loads(policy) == person_filter("leo")
    assert main(["pager", "sync", "--stage", "local", "--check"]) == 0
    assert "0 to subscribe, 0 to re-filter, 0 to unsubscribe; 10 in place" in capsys.readouterr().out
