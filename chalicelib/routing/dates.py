"""Which dates a calendar opens on, as Alertmanager's time intervals say it: days of the month, months, years.

Each field is a list of values or inclusive ranges ("1:5", "-3:-1", "january:march", "2026:2027"); a date
matches when every field given matches (an absent field matches all). Days count from the month's start
(1..31) or, negative, from its end (-1 is the last day), so "-3:-1" is the last three days of every month,
28 February included. A day the month does not have (31 in April, 30 in February) matches nothing.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Sequence
from datetime import date

from chalicelib.routing.record import Record

MONTH_NAMES = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
_MONTHS = {name: i for i, name in enumerate(MONTH_NAMES, 1)} | {name[:3]: i for i, name in enumerate(MONTH_NAMES, 1)}

Range = tuple[int, int]


def _ends(value: int | str, what: str) -> tuple[str, str]:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"{what} {value!r}: give a value or a range such as {_EXAMPLES[what]}")
    text = str(value).strip().lower()
    # a leading minus belongs to the number, so "-3:-1" splits on the colon only
    first, colon, last = text.partition(":")
    if not first or (colon and not last) or ":" in last:
        raise ValueError(f"{what} {value!r}: give a value or a range such as {_EXAMPLES[what]}")
    return first, last or first


def _number(text: str, value: int | str, what: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{what} {value!r}: give a value or a range such as {_EXAMPLES[what]}") from None


def parse_day_range(value: int | str) -> Range:
    """1..31 from the month's start, -1..-31 from its end; "1:-1" (start to end) is allowed, "-3:5" is not."""
    first, last = (_number(t, value, "day of month") for t in _ends(value, "day of month"))
    for n in (first, last):
        if n == 0 or not -31 <= n <= 31:
            raise ValueError(f"day of month {value!r}: use 1 to 31, or -1 (the last day) to -31")
    if first < 0 <= last:
        raise ValueError(f"day of month {value!r}: a range counted from the month's end must end there too")
    if (first < 0) == (last < 0) and first > last:
        raise ValueError(f"day of month {value!r} is reversed: write the earlier day first")
    return first, last


def parse_month_range(value: int | str) -> Range:
    """1..12 or names ("january", "jan"); ranges do not wrap the year: "november:december", "january:february"."""
    first, last = (_month(t, value) for t in _ends(value, "month"))
    if first > last:
        raise ValueError(f"month {value!r} is reversed: a range does not wrap the year; give two ranges instead")
    return first, last


def _month(text: str, value: int | str) -> int:
    n = _MONTHS.get(text)
    if n is None:
        n = _number(text, value, "month") if text.isdigit() else 0
        if not 1 <= n <= 12:
            raise ValueError(f"unknown month {text!r} in {value!r}: use 1 to 12 or january … december")
    return n


def parse_year_range(value: int | str) -> Range:
    first, last = (_number(t, value, "year") for t in _ends(value, "year"))
    for n in (first, last):
        if not 1 <= n <= 9999:
            raise ValueError(f"year {value!r}: use a year such as 2026")
    if first > last:
        raise ValueError(f"year {value!r} is reversed: write the earlier year first")
    return first, last


_EXAMPLES = {"day of month": '"1:5" or "-3:-1"', "month": '"january:march"', "year": '"2026:2027"'}


def text(r: Range) -> str:
    """The compiled form: "5", "-3:-1"."""
    return str(r[0]) if r[0] == r[1] else f"{r[0]}:{r[1]}"


class DateFilter(Record):
    """Days of the month, months and years a calendar opens on; an empty field matches every date."""

    _fields = ("days", "months", "years")
    __slots__ = _fields
    days: tuple[Range, ...]
    months: frozenset[int]
    years: tuple[Range, ...]

    def __init__(self, days: tuple[Range, ...], months: frozenset[int], years: tuple[Range, ...]) -> None:
        super().__init__(days, months, years)

    @classmethod
    def build(
        cls, days: Sequence[int | str] = (), months: Sequence[int | str] = (), years: Sequence[int | str] = ()
    ) -> DateFilter | None:
        """The config form, e.g. days ["-3:-1"], months ["january:march", 12]; None when nothing is limited."""
        if not (days or months or years):
            return None
        month_set = frozenset(m for a, b in map(parse_month_range, months) for m in range(a, b + 1))
        return cls(tuple(map(parse_day_range, days)), month_set, tuple(map(parse_year_range, years)))

    def matches(self, day: date) -> bool:
        if self.years and not any(a <= day.year <= b for a, b in self.years):
            return False
        if self.months and day.month not in self.months:
            return False
        if not self.days:
            return True
        # a negative day counts back from this month's last day: -1 is the 28th, 29th, 30th or 31st
        end = monthrange(day.year, day.month)[1] + 1
        n = day.day
        return any((a if a > 0 else end + a) <= n <= (b if b > 0 else end + b) for a, b in self.days)

    def describe(self) -> str:
        """ "days -3:-1 of jan–mar, 2026" for a calendar's one-line description."""
        parts = []
        if self.days:
            parts.append(f"days {','.join(map(text, self.days))}")
        if self.months:
            parts.append(f"of {_month_list(sorted(self.months))}")
        if self.years:
            parts.append(f"in {','.join(map(text, self.years))}")
        return " ".join(parts)


def _month_list(months: list[int]) -> str:
    runs: list[list[int]] = []
    for m in months:
        if runs and runs[-1][-1] == m - 1:
            runs[-1].append(m)
        else:
            runs.append([m])
    short = [name[:3].title() for name in MONTH_NAMES]
    return ",".join(short[r[0] - 1] + (f"–{short[r[-1] - 1]}" if len(r) > 1 else "") for r in runs)
