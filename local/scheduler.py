"""Fires the Chalice app's ``@app.schedule`` handlers on their rate() or cron() with EventBridge's event."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from local.background import BackgroundLoop
from local.worker import FakeLambdaContext, Handler, Log

_RATE = re.compile(r"^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
_MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
_DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]  # EventBridge cron: 1 = SUN … 7 = SAT
# (low, high, names) per field of EventBridge's cron(minutes hours day-of-month month day-of-week year)
_FIELDS: tuple[tuple[int, int, list[str]], ...] = (
    (0, 59, []),
    (0, 23, []),
    (1, 31, []),
    (1, 12, _MONTHS),
    (1, 7, _DAYS),
    (1970, 2199, []),
)


class UnsupportedScheduleError(ValueError):
    """A schedule expression this local scheduler cannot evaluate (e.g. cron's L, W or #)."""


def _values(spec: str, low: int, high: int, names: list[str]) -> set[int] | None:
    """The values a cron field allows; None for ``*`` or ``?`` (anything)."""
    if spec in ("*", "?"):
        return None
    allowed: set[int] = set()
    for part in spec.split(","):
        base, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if base == "*":
            start, end = low, high
        else:
            first, _, last = base.partition("-")
            start = _number(first, names)
            end = _number(last, names) if last else (high if step_text else start)
        allowed.update(range(start, end + 1, step))
    return allowed


def _number(token: str, names: list[str]) -> int:
    upper = token.upper()
    if upper in names:
        return names.index(upper) + 1
    if not token.isdigit():
        raise UnsupportedScheduleError(f"cron token {token!r} is not supported locally")
    return int(token)


@dataclass(frozen=True)
class Cron:
    fields: tuple[set[int] | None, ...]

    @classmethod
    def parse(cls, body: str) -> Cron:
        parts = body.split()
        if len(parts) != 6:
            raise UnsupportedScheduleError(f"cron({body}) needs 6 fields")
        return cls(tuple(_values(p, *spec) for p, spec in zip(parts, _FIELDS, strict=True)))

    def matches(self, at: datetime) -> bool:
        # EventBridge evaluates cron in UTC; isoweekday() is MON=1 … SUN=7, cron's is SUN=1 … SAT=7
        actual = (at.minute, at.hour, at.day, at.month, at.isoweekday() % 7 + 1, at.year)
        return all(allowed is None or value in allowed for allowed, value in zip(self.fields, actual, strict=True))


@dataclass
class Schedule:
    """One ``@app.schedule`` handler and when it next fires."""

    name: str
    expression: str
    handler: Handler
    period: timedelta | None = None
    cron: Cron | None = None
    next_at: datetime | None = None
    skipped: str | None = None  # why this expression cannot run locally; it is listed, never fired

    def plan(self, now: datetime) -> None:
        """The first firing after ``now``: one period later (as a new EventBridge rule), or the next cron minute."""
        if self.period is not None:
            self.next_at = now + self.period
        elif self.cron is not None:
            self.next_at = self.next_cron_minute(now)

    def next_cron_minute(self, after: datetime) -> datetime | None:
        assert self.cron is not None
        at = after.replace(second=0, microsecond=0) + timedelta(minutes=1)
        for _ in range(366 * 24 * 60):  # a year of minutes: enough for any expression that ever fires
            if self.cron.matches(at):
                return at
            at += timedelta(minutes=1)
        return None


def parse_expression(expression: str) -> tuple[timedelta | None, Cron | None]:
    rate = _RATE.match(expression.strip())
    if rate:
        unit = rate.group(2).rstrip("s")
        return timedelta(seconds=int(rate.group(1)) * _UNIT_SECONDS[unit]), None
    if expression.startswith("cron(") and expression.endswith(")"):
        return None, Cron.parse(expression[5:-1])
    raise UnsupportedScheduleError(f"{expression!r} is neither rate(...) nor cron(...)")


def find_schedules(app: Any, max_period: timedelta | None = None) -> list[Schedule]:
    """Every ``@app.schedule`` handler registered on a Chalice app (blueprints included).

    ``max_period`` runs rate() schedules at least that often: the local stage sweeps escalations
    every few seconds so its short acknowledgement timeouts show within a demo, not a minute.
    """
    from chalice.app import ScheduledEventConfig

    found = []
    for source in app.event_sources:
        if not isinstance(source, ScheduledEventConfig):
            continue  # on_cw_event patterns and queue/topic sources are not clocks
        raw = source.schedule_expression
        expression = raw if isinstance(raw, str) else raw.to_string()
        handler = app.handler_map[source.name]
        try:
            period, cron = parse_expression(expression)
        except (UnsupportedScheduleError, ValueError) as exc:
            found.append(Schedule(source.name, expression, handler, skipped=str(exc)))
            continue
        if period is not None and max_period is not None and period > max_period:
            period = max_period
        found.append(Schedule(source.name, expression, handler, period, cron))
    return found


def scheduled_event(rule_arn: str, at: datetime, region: str, account: str) -> dict[str, Any]:
    """The event EventBridge sends a scheduled rule's target."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account,
        "time": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [rule_arn],
        "detail": {},
    }


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Scheduler(BackgroundLoop):
    """Calls each schedule's handler when due; ``tick(now)`` is the whole clock, the thread just calls it."""

    schedules: list[Schedule]
    prefix: str  # Chalice names a rule <app>-<stage>-<handler>
    region: str = "us-east-1"
    account: str = "123456789012"
    clock: Callable[[], datetime] = _utc_now
    log: Log = field(default=lambda _line: None)

    def plan(self, now: datetime | None = None) -> None:
        now = now or self.clock()
        for schedule in self.schedules:
            schedule.plan(now)

    def tick(self, now: datetime) -> list[str]:
        """Fire every schedule due at ``now``; returns the names fired."""
        fired = []
        for schedule in self.schedules:
            if schedule.next_at is None or now < schedule.next_at:
                continue
            name = f"{self.prefix}-{schedule.name}"
            arn = f"arn:aws:events:{self.region}:{self.account}:rule/{name}"
            event = scheduled_event(arn, schedule.next_at, self.region, self.account)
            try:
                schedule.handler(event, FakeLambdaContext(name, region=self.region, account=self.account))
            except Exception as exc:  # EventBridge would retry; locally we report it and keep the clock going
                self.log(f"⚠  scheduled {schedule.name} raised {type(exc).__name__}: {exc}")
            fired.append(schedule.name)
            if schedule.period is None:
                schedule.next_at = schedule.next_cron_minute(now)
            else:
                # the next slot, or one period from now after a pause: never a burst of catch-up calls
                following = schedule.next_at + schedule.period
                schedule.next_at = following if following > now else now + schedule.period
        return fired

    thread_name = "scheduler"
    idle_seconds = 1.0

    def start(self) -> None:
        if not self.schedules:
            return
        self.plan()
        super().start()

    def step(self) -> None:
        self.tick(self.clock())

    def describe(self) -> list[str]:
        """One line per schedule, for the start-up banner."""
        if not self.schedules:
            return ["no scheduled handlers"]
        lines = []
        for s in self.schedules:
            when = f"  next {s.next_at:%H:%M:%S} UTC" if s.next_at else ""
            if (
                s.period is not None
                and s.expression.startswith("rate(")
                and s.period != parse_expression(s.expression)[0]
            ):
                when += f", locally every {s.period.total_seconds():g} s"
            lines.append(f"{s.name}  {s.expression}" + (f"  not run locally: {s.skipped}" if s.skipped else when))
        return lines
