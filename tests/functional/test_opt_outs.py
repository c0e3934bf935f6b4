"""The opt-out records against moto, written and read as triage (its IAM policy enforced): order, idempotency."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.adapters.opt_outs import DynamoOptOuts, opt_out_key

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
PHONE = "+13125550188"
STOP, START = True, False


@pytest.fixture
def opt_outs(aws):
    # triage records the keyword when it takes the text in; its own policy must allow it
    return DynamoOptOuts(aws.session("triage").client("dynamodb"), aws.settings.tickets_table)


@pytest.mark.parametrize(
    ("texts", "opted_out"),
    [
        pytest.param([], False, id="never-texted"),
        pytest.param([(STOP, 0)], True, id="stop"),
        pytest.param([(STOP, 0), (START, 60)], False, id="stop-then-start"),
        # SQS does not keep order: the START (sent later) is processed first, then the STOP it answered
        pytest.param([(START, 60), (STOP, 0)], False, id="start-processed-before-the-earlier-stop"),
        pytest.param([(START, 0), (STOP, 60)], True, id="start-then-stop"),
        pytest.param([(STOP, 0), (STOP, 0)], True, id="redelivered-stop"),
    ],
)
def test_the_latest_keyword_the_customer_sent_decides(opt_outs, texts, opted_out):
    # GIVEN keywords recorded in the order triage processed them (each with the time it was sent)
    for keyword, seconds in texts:
        opt_outs.record(PHONE, keyword, T0 + timedelta(seconds=seconds))
    # WHEN the sender asks THEN the number is opted out only if its latest keyword was STOP
    assert opt_outs.is_opted_out(PHONE) is opted_out


def test_an_older_keyword_is_not_recorded_over_a_newer_one(aws, opt_outs):
    # GIVEN a START recorded
    assert opt_outs.record(PHONE, START, T0 + timedelta(minutes=5)) is True
    # WHEN an earlier STOP arrives late THEN it is refused, and the item still says START at its time
    assert opt_outs.record(PHONE, STOP, T0) is False
    item = aws.clients["dynamodb"].get_item(TableName=aws.settings.tickets_table, Key=opt_out_key(PHONE))["Item"]
    assert item["opted_out"] == {"BOOL": False}
    assert item["changed_at"] == {"S": "2026-11-20T09:05:00+00:00"}


def test_numbers_are_kept_apart_and_only_e164_is_recorded(opt_outs):
    # GIVEN one number opted out
    opt_outs.record(PHONE, STOP, T0)
    # THEN another is not, a withheld caller never is, and recording a non-number is a caller's bug
    assert opt_outs.is_opted_out("+12125550100") is False
    assert opt_outs.is_opted_out("Anonymous") is False
    with pytest.raises(ValueError, match=r"not an E\.164") as err:
        opt_outs.record("0312 555 0188", STOP, T0)
    assert "555 0188" not in str(err.value)  # the number is not repeated whole into a log
