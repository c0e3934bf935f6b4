"""`switchboard pager sync`'s plan: what to subscribe, re-filter, unsubscribe or leave alone, without AWS."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.paging.messages import person_filter
from chalicelib.routing.document import Person
from cli.pager import PENDING, Existing, Step, Wanted, owner, plan, wanted

LEO_SMS = Wanted("leo", "support", "sms", "+12125550104")
LEO_MAIL = Wanted("leo", "support", "email", "leo@switchboard.example")
ARN = "arn:aws:sns:us-east-1:123456789012:switchboard-prod-support:1"


def sub(
    protocol: str, endpoint: str, policy: dict[str, Any] | None, topic: str = "support", arn: str = ARN
) -> Existing:
    return Existing(arn, topic, protocol, endpoint, policy)


@pytest.mark.parametrize(
    ("existing", "action"),
    [
        ([], "create"),
        ([sub("sms", "+12125550104", person_filter("leo"))], "ok"),
        # subscribed by hand with no filter: every copy on the topic reaches Leo, whoever it is for
        ([sub("sms", "+12125550104", None)], "update"),
        # the number was Priya's before it was Leo's
        ([sub("sms", "+12125550104", person_filter("priya"))], "update"),
        # a filter somebody chose (P1 only): theirs to keep
        ([sub("sms", "+12125550104", {"priority": ["P1"]})], "custom"),
        # the same number on another topic is another subscription
        ([sub("sms", "+12125550104", person_filter("leo"), topic="sales")], "create"),
    ],
    ids=["missing", "in-place", "unfiltered", "someone-elses-filter", "own-filter", "other-topic"],
)
def test_a_persons_phone_subscription(existing: list[Existing], action: str) -> None:
    # GIVEN Leo's phone in the rules and what the topic already has
    # WHEN the sync plans
    steps = plan([LEO_SMS], existing)
    # THEN Leo's phone gets the action
    assert [s.action for s in steps if s.person == "leo" and s.topic == "support"] == [action]


def test_an_email_matches_whatever_its_case_and_waits_while_unconfirmed() -> None:
    # GIVEN Leo's email subscribed in another case, not yet confirmed by him
    existing = [sub("email", "Leo@Switchboard.example", None, arn=PENDING)]
    # WHEN the sync plans
    [step] = plan([LEO_MAIL], existing)
    # THEN it is the same subscription, and nothing can change until it is confirmed
    assert (step.action, step.arn) == ("pending", PENDING)


def test_what_nobody_in_the_rules_owns_is_removed_only_if_this_command_made_it() -> None:
    # GIVEN a subscription made for Ana (who moved to sales), a stranger's unfiltered phone and the local inbox
    existing = [
        sub("sms", "+12125550105", person_filter("ana")),
        sub("sms", "+12125550199", None),
        sub("sqs", "arn:aws:sqs:us-east-1:123456789012:pager-inbox", None),
    ]
    # WHEN the sync plans with only Leo on the topic
    steps = plan([LEO_SMS], existing)
    # THEN Ana's is removed, the stranger's is only reported, and the queue is not the command's business
    assert steps == [
        Step("create", "support", "sms", "+12125550104", "leo"),
        Step("remove", "support", "sms", "+12125550105", "ana", ARN),
        Step("unfiltered", "support", "sms", "+12125550199", None, ARN),
    ]


@pytest.mark.parametrize(
    ("policy", "person"),
    [
        (person_filter("maya"), "maya"),
        ({"people": ["maya"]}, None),  # the README's hand-written filter: not this command's
        ({"$or": [{"people": ["maya", "tom"]}]}, None),
        ({"$or": "x"}, None),
        (None, None),
    ],
)
def test_owner_recognises_only_its_own_policy(policy: dict[str, Any] | None, person: str | None) -> None:
    assert owner(policy) == person


def test_every_address_the_rules_give_a_person_is_wanted_on_their_topic() -> None:
    people = {
        "tom": Person("Tom Okafor", "+12125550102", "tom@switchboard.example", "founders"),
        "ana": Person("Ana Silva", "+12125550105", None, "sales"),
    }
    assert wanted(people) == [
        Wanted("ana", "sales", "sms", "+12125550105"),
        Wanted("tom", "founders", "sms", "+12125550102"),
        Wanted("tom", "founders", "email", "tom@switchboard.example"),
    ]
