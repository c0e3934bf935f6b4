"""The local scheduler: finds @app.schedule handlers and fires them with EventBridge's scheduled event."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from chalice.app import Chalice, CloudWatchEvent, Cron, Rate

from local.scheduler import Scheduler, UnsupportedScheduleError, find_schedules, parse_expression

T0 = datetime(2026, 11, 17, 8, 0, 30, tzinfo=UTC)  # a Tuesday


def tiny_app(calls: list[CloudWatchEvent]) -> Chalice:
    app = Chalice(app_name="tiny")

    @app.schedule("rate(1 minute)")
    def sweep(event: CloudWatchEvent) -> None:
        calls.append(event)

    @app.on_sqs_message(queue="not-a-clock")
    def consume(event: Any) -> None:
        raise AssertionError("a queue handler is not a schedule")

    return app


def test_a_rate_schedule_fires_once_per_period_with_a_scheduled_event() -> None:
    # GIVEN a Chalice app with one handler on rate(1 minute) and one that is not scheduled
    calls: list[CloudWatchEvent] = []
    scheduler = Scheduler(find_schedules(tiny_app(calls)), prefix="tiny-local")
    assert scheduler.describe() == ["sweep  rate(1 minute)"]
    # WHEN its clock runs from T0 for three and a half minutes, a tick every 10 seconds
    scheduler.plan(T0)
    fired = [scheduler.tick(T0 + timedelta(seconds=s)) for s in range(0, 211, 10)]
    # THEN the handler ran at 1, 2 and 3 minutes, each time with the event EventBridge would send
    assert sum(len(f) for f in fired) == 3
    assert [c.time for c in calls] == ["2026-11-17T08:01:30Z", "2026-11-17T08:02:30Z", "2026-11-17T08:03:30Z"]
    assert calls[0].detail_type == "Scheduled Event"
    assert calls[0].source == "aws.events"
    assert calls[0].resources == ["arn:aws:events:us-east-1:123456789012:rule/tiny-local-sweep"]


def test_an_app_without_schedules_says_so() -> None:
    assert Scheduler(find_schedules(Chalice(app_name="empty")), prefix="empty-local").describe() == [
        "no scheduled handlers"
    ]


def test_after_a_pause_a_rate_schedule_fires_once_not_a_burst() -> None:
    calls: list[CloudWatchEvent] = []
    scheduler = Scheduler(find_schedules(tiny_app(calls)), prefix="tiny-local")
    scheduler.plan(T0)
    # GIVEN ten minutes without a tick (a laptop asleep) WHEN it ticks THEN one call, next one a period later
    assert scheduler.tick(T0 + timedelta(minutes=10)) == ["sweep"]
    assert scheduler.tick(T0 + timedelta(minutes=10, seconds=59)) == []
    assert scheduler.tick(T0 + timedelta(minutes=11)) == ["sweep"]


@pytest.mark.parametrize(
    ("expression", "at", "expected"),
    [
        ("cron(0/15 * * * ? *)", T0.replace(minute=15, second=0), True),
        ("cron(0/15 * * * ? *)", T0.replace(minute=16, second=0), False),
        ("cron(0 8 ? * MON-FRI *)", T0.replace(second=0), True),  # Tuesday 08:00 UTC
        ("cron(0 8 ? * SAT,SUN *)", T0.replace(second=0), False),
        ("cron(30 9 17 NOV ? 2026)", T0.replace(hour=9, minute=30), True),
    ],
)
def test_cron_expressions_match_in_utc(expression: str, at: datetime, expected: bool) -> None:
    _, cron = parse_expression(expression)
    assert cron is not None
    assert cron.matches(at) is expected


def test_schedule_objects_and_unsupported_expressions() -> None:
    # GIVEN Chalice's Rate and Cron objects THEN they are read as their expressions
    assert parse_expression(Rate(5, Rate.MINUTES).to_string())[0] == timedelta(minutes=5)
    assert parse_expression(Cron(0, 10, "*", "*", "?", "*").to_string())[1] is not None
    # AND what this scheduler cannot evaluate is refused by name, not misfired
    with pytest.raises(UnsupportedScheduleError):
        parse_expression("cron(0 10 L * ? *)")


def test_an_expression_it_cannot_evaluate_is_listed_and_never_fired() -> None:
    # GIVEN a schedule on the last day of the month (cron's L)
    app = Chalice(app_name="tiny")

    @app.schedule("cron(0 10 L * ? *)")
    def month_end(event: CloudWatchEvent) -> None:
        raise AssertionError("never called")

    scheduler = Scheduler(find_schedules(app), prefix="tiny-local")
    # WHEN the scheduler plans and ticks THEN it says why it skips it and never calls it
    scheduler.plan(T0)
    assert scheduler.tick(T0 + timedelta(days=40)) == []
    assert "not run locally" in scheduler.describe()[0]
