"""`make run`'s clock: the real time, or an instant chosen with SWITCHBOARD_LOCAL_NOW that then runs on.

Routing depends on the hour (office hours, who is on call), so a demo or a test that must show
the same thing whenever it runs starts the platform's clock at a fixed instant. The clock keeps
ticking at real speed from there: acknowledgement timeouts still pass and sweeps still escalate.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

ENV = "SWITCHBOARD_LOCAL_NOW"


def running_from(start: datetime, monotonic: Callable[[], float] = time.monotonic) -> Callable[[], datetime]:
    """A clock that reads ``start`` now and advances with ``monotonic`` from here on."""
    origin = monotonic()

    def now() -> datetime:
        return start + timedelta(seconds=monotonic() - origin)

    return now


def from_env(environ: Mapping[str, str]) -> Callable[[], datetime] | None:
    """The clock SWITCHBOARD_LOCAL_NOW asks for (ISO 8601 with an offset), or None for the real time."""
    value = environ.get(ENV, "").strip()
    if not value:
        return None
    try:
        start = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{ENV}={value!r} is not an ISO 8601 time, e.g. 2026-11-17T03:00:00-05:00") from None
    if start.tzinfo is None:
        raise ValueError(f"{ENV}={value!r} needs a UTC offset, e.g. 2026-11-17T03:00:00-05:00")
    return running_from(start.astimezone(UTC))
