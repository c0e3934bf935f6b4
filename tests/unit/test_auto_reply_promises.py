"""Auto-replies promise only what their routes do: `rules validate` runs the routes and refuses a broken promise."""

from __future__ import annotations

import pytest

from cli.compile import RULES_YAML, RulesFileError, compile_file, compile_text
from cli.promises import promise_problems
from tests.unit.rules_fixture import LITERAL

SHIPPED = RULES_YAML.read_text(encoding="utf-8")
#: the free tier's route, as shipped: it sends the reply without the URGENT sentence
FREE_REPLY = "      sla: {within: 8h, clock: business}\n      auto_reply: after-hours-plain"


def issues_for(text: str) -> list[str]:
    with pytest.raises(RulesFileError) as err:
        compile_text(text, "routing.yaml")
    return [str(i) for i in err.value.issues]


def line_of(text: str, fragment: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if fragment in line)


def test_the_shipped_rules_keep_every_promise_their_auto_replies_make():
    # GIVEN the shipped rules, WHEN their routes run over a week for every tier and channel
    problems = promise_problems(compile_file(RULES_YAML)[1])
    # THEN no template promises what a route that sends it does not do
    assert problems == []


@pytest.mark.parametrize(
    ("text", "template", "expected"),
    [
        pytest.param(
            # the rules before issue 11: the free tier was told to write URGENT, and nobody is paged for it
            SHIPPED.replace(FREE_REPLY, FREE_REPLY.replace("after-hours-plain", "after-hours")),
            "after-hours:",
            [
                "route 'free-after-hours', tier free: invites a reply with the word URGENT",
                'but the reply "URGENT: I can\'t log in to the app" (urgency',
                "goes to route 'free-after-hours' and pages nobody (P4, queued)",
            ],
            id="free-tier-invited-to-write-urgent",
        ),
        pytest.param(
            # paying customers are told to write URGENT, but only standard accounts are paged for it
            SHIPPED.replace("{fact: customer.tier, in: [paying, standard]}", "{fact: customer.tier, in: [standard]}"),
            "after-hours:",
            [
                "route 'after-hours-reply', tier paying: invites a reply with the word URGENT",
                "goes to route 'default' and pages nobody (P3, queued)",
            ],
            id="paying-invited-but-not-paged",
        ),
        pytest.param(
            # "we have paged our on-call engineer" sent where nobody is paged
            SHIPPED.replace(FREE_REPLY, FREE_REPLY.replace("after-hours-plain", "we-are-on-it")),
            "we-are-on-it:",
            ["route 'free-after-hours', tier free: says a person was paged, but a message on", "pages nobody (P4"],
            id="paged-but-queued",
        ),
        pytest.param(
            # a promised time on routes with neither an SLA nor a deferral
            LITERAL.replace("priority: P4, sla: {within: 1h, clock: business}}", "priority: P4}"),
            "later:",
            ["route 'tag-night', tier vip: promises {reply_by}, but the route has no SLA and no deferral"],
            id="reply-by-without-a-time",
        ),
    ],
)
def test_a_template_promising_what_its_route_does_not_do_is_refused_naming_template_route_and_tier(
    text, template, expected
):
    # GIVEN rules whose auto-reply promises what a route sending it does not do
    # WHEN they are compiled (`rules validate`, `rules compile`, `make test`)
    issues = issues_for(text)
    # THEN the problem points at the template's line and names the route and the tier
    found = [i for i in issues if all(words in i for words in expected)]
    assert found, issues
    assert found[0].startswith(f"routing.yaml:{line_of(text, template)}: auto_replies.{template.rstrip(':')}: ")


def test_urgent_in_lower_case_is_not_an_invitation_and_a_template_without_promises_is_not_checked():
    # GIVEN the free tier's reply saying "urgent" in passing (not "reply with the word URGENT")
    text = SHIPPED.replace(
        "reply by {reply_by}.\n  prospect-next-morning:",
        "reply by {reply_by}. We read urgent messages first.\n  prospect-next-morning:",
    )
    assert text != SHIPPED
    # WHEN compiled THEN nothing is refused: only the capitalised word invites a reply
    assert promise_problems(compile_text(text, "routing.yaml")[1]) == []
