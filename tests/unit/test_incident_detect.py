"""Burst detection, pure: which decisions are outage reports, what they weigh, their UTC buckets, the crossing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from chalicelib.incidents.detect import buckets, crosses, is_outage_report, outage_concepts, weight
from chalicelib.incidents.policy import IncidentPolicy
from chalicelib.model.decision import Decision, Priority

POLICY = IncidentPolicy(3, timedelta(minutes=15), 3, ("outage", "server_errors"))


def decision(concepts: str = "outage", vip: bool = False, level: str = "high") -> Decision:
    facts: dict[str, str | int | float | bool] = {
        "urgency.concepts": concepts,
        "customer.vip": vip,
        "urgency.level": level,
    }
    return Decision(route="r", team="t", priority=Priority.P1, facts=facts, rules_version="v")


@pytest.mark.parametrize(
    ("concepts", "expected"),
    [
        pytest.param("outage", ("outage",), id="outage"),
        pytest.param("server_errors, slow", ("server_errors",), id="server-errors-among-others"),
        pytest.param("billing, outage, server_errors", ("outage", "server_errors"), id="both"),
        pytest.param("billing", (), id="not-an-outage"),
        pytest.param("", (), id="nothing-said"),
    ],
)
def test_an_outage_report_names_an_outage_class_concept(concepts, expected):
    # GIVEN a decision whose published facts name the concepts the words said
    # WHEN asked THEN only the rules' outage-class concepts count
    assert outage_concepts(decision(concepts), POLICY) == expected
    assert is_outage_report(decision(concepts), POLICY) is bool(expected)


def test_a_decision_without_the_fact_is_no_report():
    plain = Decision(route="r", team="t", priority=Priority.P3, rules_version="v")
    assert not is_outage_report(plain, POLICY)


@pytest.mark.parametrize(
    ("vip", "level", "expected"),
    [
        pytest.param(True, "critical", 3, id="vip-critical"),
        pytest.param(True, "high", 1, id="vip-high"),
        pytest.param(False, "critical", 1, id="critical"),
        pytest.param(False, "normal", 1, id="normal"),
    ],
)
def test_a_vips_critical_report_counts_more(vip, level, expected):
    assert weight(decision(vip=vip, level=level), POLICY) == expected


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("at", "aligned", "offset"),
    [
        pytest.param("2026-12-06T05:44:59", "2026-12-06T05:30:00", "2026-12-06T05:37:30", id="before-an-edge"),
        pytest.param("2026-12-06T05:45:00", "2026-12-06T05:45:00", "2026-12-06T05:37:30", id="on-an-edge"),
        pytest.param("2026-12-06T05:52:30", "2026-12-06T05:45:00", "2026-12-06T05:52:30", id="on-the-offset-edge"),
        pytest.param("2026-12-06T23:59:59", "2026-12-06T23:45:00", "2026-12-06T23:52:30", id="end-of-day"),
        pytest.param("2027-01-01T00:00:00", "2027-01-01T00:00:00", "2026-12-31T23:52:30", id="new-year"),
    ],
)
def test_buckets_are_half_open_windows_in_two_series(at, aligned, offset):
    # WHEN a report at `at` is bucketed THEN [start, start + 15m) in each series, containing it
    a, b = buckets(_utc(at), timedelta(minutes=15))
    assert (a.start, b.start) == (_utc(aligned), _utc(offset))
    for bucket in (a, b):
        assert bucket.start <= _utc(at) < bucket.end == bucket.start + timedelta(minutes=15)
    assert a.key.startswith("a15m#") and b.key.startswith("b15m#") and a.key != b.key


def test_a_burst_across_an_edge_shares_the_offset_bucket():
    # GIVEN reports at 05:44 and 05:46, either side of the aligned edge at 05:45
    early, late = (
        buckets(_utc("2026-12-06T05:44:00"), timedelta(minutes=15)),
        buckets(_utc("2026-12-06T05:46:00"), timedelta(minutes=15)),
    )
    # THEN the aligned buckets differ, the offset one holds both
    assert early[0].key != late[0].key and early[1].key == late[1].key


@pytest.mark.parametrize(
    "local",
    [
        # Europe/London falls back at 02:00 BST: 01:30 happens twice, an hour apart in UTC
        pytest.param(datetime(2026, 10, 25, 1, 30, tzinfo=ZoneInfo("Europe/London")), id="first-01:30"),
        pytest.param(datetime(2026, 10, 25, 1, 30, fold=1, tzinfo=ZoneInfo("Europe/London")), id="second-01:30"),
        pytest.param(datetime(2026, 3, 8, 3, 10, tzinfo=ZoneInfo("America/New_York")), id="spring-forward"),
    ],
)
def test_buckets_follow_utc_so_a_dst_change_cannot_stretch_or_repeat_one(local):
    # WHEN a local time across a DST change is bucketed THEN the buckets are those of its UTC instant
    assert buckets(local, timedelta(minutes=15)) == buckets(local.astimezone(UTC), timedelta(minutes=15))


def test_the_two_readings_of_a_repeated_hour_are_different_buckets():
    first = datetime(2026, 10, 25, 1, 30, tzinfo=ZoneInfo("Europe/London"))
    second = first.replace(fold=1)
    assert buckets(first, timedelta(minutes=15))[0].key != buckets(second, timedelta(minutes=15))[0].key


def test_a_naive_time_is_refused():
    with pytest.raises(ValueError, match="aware"):
        buckets(datetime(2026, 12, 6, 5, 45), timedelta(minutes=15))


@pytest.mark.parametrize(
    ("before", "after", "opens"),
    [
        pytest.param(1, 2, False, id="below"),
        pytest.param(2, 3, True, id="reaches"),
        pytest.param(0, 3, True, id="a-vip-reaches-alone"),
        pytest.param(2, 5, True, id="a-vip-jumps-over"),
        pytest.param(3, 4, False, id="already-over"),
    ],
)
def test_only_the_write_that_crosses_the_threshold_opens(before, after, opens):
    assert crosses(before, after, POLICY) is opens
