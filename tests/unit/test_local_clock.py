"""make run's clock: the real time, or SWITCHBOARD_LOCAL_NOW's instant running on from there."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from local.clock import ENV, from_env, running_from


def test_a_running_clock_starts_at_its_instant_and_advances_with_the_monotonic_clock():
    # GIVEN a monotonic clock the test moves, and a clock started at 03:00 New York
    ticks = iter([100.0, 100.0, 112.5])
    clock = running_from(datetime(2026, 11, 17, 8, 0, tzinfo=UTC), monotonic=lambda: next(ticks))
    # WHEN it is read now and 12.5 s later THEN it says the start, then the start + 12.5 s
    assert clock() == datetime(2026, 11, 17, 8, 0, tzinfo=UTC)
    assert clock() == datetime(2026, 11, 17, 8, 0, tzinfo=UTC) + timedelta(seconds=12.5)


@pytest.mark.parametrize(
    ("value", "starts_at"),
    [
        pytest.param("2026-11-17T03:00:00-05:00", datetime(2026, 11, 17, 8, 0, tzinfo=UTC), id="new-york-offset"),
        pytest.param("2026-11-17T19:00:00Z", datetime(2026, 11, 17, 19, 0, tzinfo=UTC), id="utc"),
    ],
)
def test_the_variable_names_the_start_in_any_offset(value, starts_at):
    clock = from_env({ENV: value})
    assert clock is not None
    assert abs(clock() - starts_at) < timedelta(seconds=5)  # it runs on from the start: a moment later at most
    assert clock().tzinfo is UTC


@pytest.mark.parametrize("value", ["", "   "])
def test_no_variable_means_the_real_time(value):
    assert from_env({}) is None and from_env({ENV: value}) is None


@pytest.mark.parametrize(
    ("value", "says"),
    [("tomorrow", "not an ISO 8601 time"), ("2026-11-17T03:00:00", "needs a UTC offset")],
)
def test_a_bad_value_says_what_to_write(value, says):
    with pytest.raises(ValueError, match=says):
        from_env({ENV: value})
