"""`switchboard rules diff`: the same events at the same moments through two versions of the rules."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path

from chalicelib.model.decision import Decision
from chalicelib.routing.decide import decide
from chalicelib.routing.engine import CompiledRules
from local.samples import EVENTS_DIR

#: moments in each day that exercise night, opening, lunch, afternoon, evening and late night
HOURS = (3, 9, 12, 14, 19, 23)


def outcome(d: Decision) -> dict[str, object]:
    """The parts of a decision a person would notice changing."""
    return {
        "route": d.route,
        "priority": d.priority.value,
        "team": d.team,
        "paged": ", ".join(d.page_targets) if d.pages else "nobody",
        "deferred": "yes" if d.deferred_until else "no",
        "escalation": d.escalation or "none",
        "dial": " → ".join(c.person for c in d.dial) or "none",
        "auto-reply": "yes" if d.auto_reply else "no",
        "sla": d.sla or "none",
    }


def changes(old: Decision, new: Decision) -> list[str]:
    a, b = outcome(old), outcome(new)
    return [f"{k} {a[k]} → {b[k]}" for k in a if a[k] != b[k]]


def diff_rules(old: CompiledRules, new: CompiledRules, extra: list[Path], week: date | None) -> int:
    from chalicelib.routing.sentiment import signals_for
    from cli.offline import MemoryDirectory, customer_for, event_from_file
    from cli.rules import week_of

    zone = new.default_calendar.timezone
    days = week_of(week or datetime.now(zone).date())
    files = sorted(p for p in EVENTS_DIR.glob("*/*.json")) + extra
    directory = MemoryDirectory.from_file()
    print(f"old rules {old.version} ({old.source}) → new rules {new.version} ({new.source})")
    print(
        f"replaying {len(files)} events at {len(HOURS)} times a day, {days[0]:%a %d %b} – {days[-1]:%a %d %b %Y} {zone.key}\n"
    )
    total = changed = 0
    for path in files:
        name = f"{path.parent.name}/{path.stem}"
        try:
            first = event_from_file(path, datetime.combine(days[0], time(0), tzinfo=zone))
        except ValueError as exc:
            print(f"  skipped {name}: {exc}")
            continue
        customer = customer_for(first, directory)
        old_signals, new_signals = signals_for(first, old), signals_for(first, new)
        for day in days:
            for hour in HOURS:
                at = datetime.combine(day, time(hour), tzinfo=zone)
                event = first.model_copy(update={"received_at": at})
                delta = changes(
                    decide(event, customer, at, old, old_signals), decide(event, customer, at, new, new_signals)
                )
                total += 1
                if delta:
                    changed += 1
                    print(f"  {name:<28} {at:%a %H:%M}  " + "; ".join(delta))
    print(f"\n{changed} of {total} decisions change")
    return 0
