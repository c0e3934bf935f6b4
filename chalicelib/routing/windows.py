"""Weekly opening windows: one window, the config form of a calendar's hours, and checks that they do not overlap."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import time
from itertools import pairwise

from chalicelib.routing.record import Record

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MIDNIGHT = time(0)

_DAYS = {name: i for i, name in enumerate(DAY_NAMES)} | {
    name: i for i, name in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))
}
_DAY_US = 86_400_000_000
_WEEK_US = 7 * _DAY_US
_WINDOW = re.compile(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*(\+\s*1)?\s*")
_DAY_SPEC_HELP = "use mon, tue, wed, thu, fri, sat, sun, a range such as mon-fri, a list such as mon,wed,fri, or daily"


def clock(t: time) -> str:
    return f"{t:%H:%M:%S}" if t.second or t.microsecond else f"{t:%H:%M}"


class Window(Record):
    """One opening, belonging to the weekday it starts on; ``end`` is on the next day when ``overnight``.

    ``end`` 00:00 with ``overnight`` is 24:00 (so 00:00-24:00 is the whole day).
    """

    _fields = ("weekday", "start", "end", "overnight")
    __slots__ = _fields
    weekday: int  # 0 = Monday, as datetime.weekday()
    start: time  # local wall-clock
    end: time
    overnight: bool

    def __init__(self, weekday: int, start: time, end: time, overnight: bool) -> None:
        super().__init__(weekday, start, end, overnight)
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday {self.weekday}: use 0 (Monday) to 6 (Sunday)")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError(f"window {self}: give wall-clock times; the calendar carries the zone")
        if not self.overnight and self.start == self.end:
            raise ValueError(f"window {self} is empty: start equals end")
        if not self.overnight and self.start > self.end:
            raise ValueError(
                f"window {self}: start is not before end; write {self}+1 for a window that crosses midnight"
            )
        if self.overnight and self.end != MIDNIGHT and self.end >= self.start:
            raise ValueError(f"window {self} would last 24 hours or more; drop the +1 for a window within one day")

    def __str__(self) -> str:
        return self.text("-")

    def text(self, dash: str) -> str:
        if self.overnight and self.end == MIDNIGHT:
            return f"{clock(self.start)}{dash}24:00"
        return f"{clock(self.start)}{dash}{clock(self.end)}{'+1' if self.overnight else ''}"


def parse_hours(hours: Mapping[str, Sequence[str] | str]) -> tuple[Window, ...]:
    """The config form: {"mon-fri": ["09:00-12:30", "13:30-18:00"], "fri": ["22:00-06:00+1"]} → windows."""
    if not hours:
        raise ValueError("no opening hours: give at least one day with a window, e.g. mon-fri: [09:00-17:00]")
    listed: dict[int, str] = {}
    windows: list[Window] = []
    for spec, texts in hours.items():
        for day in _day_spec(spec):
            if day in listed:
                where = f"in {spec!r}" if listed[day] == spec else f"in {listed[day]!r} and {spec!r}"
                raise ValueError(f"{DAY_NAMES[day]} is listed twice ({where}); give each day once with all its windows")
            listed[day] = spec
            try:
                windows.extend(_parse_window(day, text) for text in ([texts] if isinstance(texts, str) else texts))
            except ValueError as exc:
                raise ValueError(f"{spec}: {exc}") from None
    return tuple(windows)


def day_list(days: list[int]) -> str:
    """[0, 1, 2, 4] → "Mon–Wed,Fri"."""
    if len(days) == 7:
        return "daily"
    runs: list[list[int]] = []
    for day in days:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    if len(runs) > 1 and runs[0][0] == 0 and runs[-1][-1] == 6:  # "fri-mon" reads better than "Mon,Fri–Sun"
        runs = [*runs[1:-1], runs[-1] + runs[0]]
    names = [DAY_NAMES[r[0]].title() + (f"–{DAY_NAMES[r[-1]].title()}" if len(r) > 1 else "") for r in runs]
    return ",".join(names)


def _day_spec(spec: str) -> list[int]:
    """ "mon-fri" / "fri-mon" (wraps the week) / "mon,wed,fri" / "daily" → weekday numbers, repeats kept."""
    if not isinstance(spec, str):
        raise ValueError(f"day {spec!r}: {_DAY_SPEC_HELP}")
    text = spec.strip().lower()
    if text == "daily":
        return list(range(7))
    days: list[int] = []
    for part in text.split(","):
        ends = [name.strip() for name in part.split("-")]
        unknown = next((name for name in ends if name not in _DAYS), None)
        if unknown is not None or len(ends) > 2:
            raise ValueError(f"unknown day {unknown if unknown is not None else part!r} in {spec!r}: {_DAY_SPEC_HELP}")
        first, last = _DAYS[ends[0]], _DAYS[ends[-1]]
        days.extend((first + i) % 7 for i in range((last - first) % 7 + 1))
    return days


def _parse_window(day: int, text: str) -> Window:
    found = _WINDOW.fullmatch(text) if isinstance(text, str) else None
    if found is None:
        raise ValueError(
            f"bad window {text!r}: write HH:MM-HH:MM, e.g. 09:00-17:30 (HH:MM-HH:MM+1 if it ends the next day)"
        )
    sh, sm, eh, em = (int(g) for g in found.group(1, 2, 3, 4))
    crosses = found[5] is not None
    if sh > 23 or sm > 59 or eh > 24 or em > 59 or (eh == 24 and em):
        raise ValueError(f"bad time in window {text.strip()!r}: hours 00–23 (24:00 only as an end), minutes 00–59")
    if eh == 24:
        if crosses:
            raise ValueError(f"window {text.strip()}: 24:00 already ends the day; drop the +1")
        return Window(day, time(sh, sm), MIDNIGHT, overnight=True)
    if crosses and sh == sm == eh == em == 0:
        raise ValueError("window 00:00-00:00+1 would last 24 hours; write 00:00-24:00 for the whole day")
    return Window(day, time(sh, sm), time(eh, em), overnight=crosses)


def check_overlaps(windows: Sequence[Window]) -> None:
    """Windows on one weekly line, in microseconds from Monday 00:00, must not overlap (touching is fine)."""
    line = sorted(
        ((_micros(w.weekday, w.start), _micros(w.weekday + w.overnight, w.end), w) for w in windows), key=_first
    )
    # the week wraps: Sunday's overnight tail lands on Monday
    wrap = [(line[-1], (line[0][0] + _WEEK_US, 0, line[0][2]))] if line else []
    for (_, end, a), (start, _, b) in [*pairwise(line), *wrap]:
        if start < end:
            why = "" if a.weekday == b.weekday else " (a window that crosses midnight must end before the next opens)"
            raise ValueError(f"windows {DAY_NAMES[a.weekday]} {a} and {DAY_NAMES[b.weekday]} {b} overlap{why}")


def _micros(day: int, t: time) -> int:
    return day * _DAY_US + ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond


def _first(item: tuple[int, int, Window]) -> int:
    return item[0]
