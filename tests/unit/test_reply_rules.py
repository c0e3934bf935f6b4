"""The rules' `replies:` section: validated with file and line, compiled, and exposed as a frozen ReplyPolicy."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.model.event import Sender
from chalicelib.replies.policy import ReplyPolicy
from chalicelib.routing.loader import load_rules
from cli.compile import RulesFileError, compile_text
from tests.unit.rules_fixture import LITERAL, literal_rules

GOOD = """
replies:
  once_per_thread: 6h
  channels: {sms: false, x: true}
  x_mentions: public
  never_answer:
    - "+16465550123"
    - Support@Help.example.com
    - x:@Switchboard_App
    - slack:U07SWBBOT1
"""


def test_the_section_compiles_into_a_frozen_policy():
    # GIVEN rules with a replies section
    rules = literal_rules(LITERAL + GOOD)
    # WHEN compiled THEN the policy says it, with addresses as the directory keys senders are found by
    policy = rules.replies
    assert policy.once_per_thread == timedelta(hours=6)
    assert policy.off == frozenset({"sms"}) and not policy.answers("sms") and policy.answers("email")
    assert policy.x_mentions == "public"
    assert policy.never_answer == {
        "phone#+16465550123",
        "email#support@help.example.com",
        "handle#x:switchboard_app",
        "handle#slack:u07swbbot1",
    }
    with pytest.raises(AttributeError, match="immutable"):
        policy.x_mentions = "dm_invitation"


def test_without_the_section_every_channel_answers_once_a_day():
    # GIVEN rules that say nothing about replies THEN the defaults: all on, 24 hours, DM invitations, nobody excluded
    assert literal_rules().replies == ReplyPolicy(timedelta(hours=24), frozenset(), "dm_invitation", frozenset())


def test_the_shipped_rules_never_answer_our_own_line_and_accounts():
    policy = load_rules().replies
    assert policy.is_ours(Sender(phone="+16465550123"))
    assert policy.is_ours(Sender(email="SUPPORT@help.example.com", name="Example Support"))
    assert policy.is_ours(Sender(handle="x:switchboard_app"))
    assert not policy.is_ours(Sender(phone="+12125550100", email="dana@northwind.example"))
    assert all(policy.answers(channel) for channel in ("widget", "email", "sms", "voice", "slack", "x", "meta"))


@pytest.mark.parametrize(
    ("section", "bad_line", "path", "message"),
    [
        pytest.param("  once_per_thread: soon\n", 2, "replies.once_per_thread", "is not a duration", id="duration"),
        pytest.param("  once_per_thread: 0m\n", 2, "replies.once_per_thread", "longer than 0m", id="zero-window"),
        pytest.param("  channels:\n    fax: false\n", 3, "replies.channels.fax", "Input should be", id="channel"),
        pytest.param("  channels:\n    sms: maybe\n", 3, "replies.channels.sms", "valid boolean", id="on-off"),
        pytest.param("  x_mentions: loudly\n", 2, "replies.x_mentions", "'public' or 'dm_invitation'", id="x"),
        pytest.param(
            '  never_answer:\n    - "+16465550123"\n    - "0646 555 0123"\n',
            4,
            "replies.never_answer.1",
            "'0646 555 0123' is not a phone number in E.164",
            id="not-e164",
        ),
        pytest.param(
            "  never_answer:\n    - fax:12345\n", 3, "replies.never_answer.0", "<network>:<handle>", id="network"
        ),
        pytest.param("  cooldown: 1h\n", 2, "replies.cooldown", "Extra inputs are not permitted", id="unknown-key"),
    ],
)
def test_a_mistake_names_the_file_and_line(section, bad_line, path, message):
    # GIVEN rules whose replies section has a mistake on a known line of the section
    text = LITERAL + "replies:\n" + section
    line = len(LITERAL.splitlines()) + bad_line
    # WHEN compiled THEN one issue, at that line, naming the path and what is wrong
    with pytest.raises(RulesFileError) as err:
        compile_text(text, "routing.yaml")
    (issue,) = err.value.issues
    assert (issue.file, issue.line, issue.path) == ("routing.yaml", line, path)
    assert message in issue.message
