"""`python -m bench.identity --write FILE` / `--check FILE`: every reading and decision, dumped to compare.

A guard for work on the engine's speed (chalicelib/routing): a faster reading or route match must
decide exactly as before. It dumps, one JSON line per case, what the model understood (points, every
part and note, cap, intent) and the whole decision (route path, targets, times, every reason, the
published facts) for:

- every message of tests/corpus at several moments (a business morning, Friday before closing, a
  Saturday night, the night of a DST change), as a stranger and as a customer far from the office,
  and variants of each text that stress normalising (capitals, curly quotes, cut mid-word, joined);
- every case of the shipped routing.tests.yaml;
- every sample in events/ at several moments, sent by whoever the directory finds;
- the decisions benchmark's workload (re-addressed samples over a week) at the shipped rules and at
  100 and 1,000 routes.

``--check`` prints how many cases differ and their keys, never their text: the corpus's held-out half
is read here too, and its misses are not to be looked at while tuning.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.model.customer import Customer
from chalicelib.model.decision import Decision
from chalicelib.model.event import SupportEvent
from chalicelib.routing.decide import decide
from chalicelib.routing.engine import CompiledRules
from chalicelib.routing.facts import Signals
from chalicelib.routing.loader import load_rules
from chalicelib.routing.sentiment import signals_for

#: in the office's zone: a business morning, Friday 16:40, Saturday 23:50, a DST night, a Monday 07:55
MOMENTS = (
    (2026, 11, 24, 10, 0),
    (2026, 11, 20, 16, 40),
    (2026, 11, 21, 23, 50),
    (2026, 3, 8, 1, 30),
    (2026, 11, 23, 7, 55),
)
#: the workload's sizes (None: the shipped rules) and inputs: enough to touch every route and every sample at many hours
WORKLOAD: dict[int | None, int] = {None: 2000, 100: 2000, 1000: 400}


def _decision(decision: Decision) -> dict[str, Any]:
    return decision.model_dump(mode="json")


def _read(rules: CompiledRules, event: SupportEvent, local: datetime) -> dict[str, Any]:
    understood = rules.model.read(event.channel.value, event.subject or "", event.text, local)
    return {name: getattr(understood, name) for name in understood._fields}


def _variants(text: str, other: str) -> Iterator[tuple[str, str]]:
    """The text as written, and as others would write it: each stresses a step of normalising."""
    yield "as-written", text
    yield "capitals", text.upper()
    yield "curly", text.replace("'", "\u2019").replace('"', "\u201c")
    # cut at a place that is rarely a word boundary
    yield "cut", text[: max(1, len(text) * 3 // 7)]
    yield "joined", f"{text}\n\n{other}"
    yield "marks", text.replace(". ", "!! ").replace(",", " ,").replace(" ", "  ")


def corpus_cases(rules: CompiledRules) -> Iterator[tuple[str, dict[str, Any]]]:
    from cli.corpus import CORPUS_DIR, load
    from cli.evaluate import event_for

    zone = rules.default_calendar.timezone
    entries = load(CORPUS_DIR)
    stranger = Customer.unknown("Corpus Sender")
    far = Customer(
        customer_id="cus_far", name="Far Away Ltd", plan="enterprise", mrr=900.0, ltv=20000.0, timezone="Asia/Tokyo"
    )
    for n, entry in enumerate(entries):
        other = entries[(n * 7 + 3) % len(entries)].text
        for i, moment in enumerate(MOMENTS):
            at = datetime(*moment, tzinfo=zone)
            event = event_for(entry, at)
            signals = signals_for(event, rules)
            for who, customer in (("stranger", stranger), ("far", far)):
                if who == "far" and i % 2:
                    continue
                local = at.astimezone(ZoneInfo("Asia/Tokyo")) if who == "far" else at
                yield (
                    f"corpus:{entry.id}:{who}:{i}",
                    {
                        "read": _read(rules, event, local),
                        "decision": _decision(decide(event, customer, at, rules, signals)),
                    },
                )
        at = datetime(*MOMENTS[0], tzinfo=zone)
        for name, text in _variants(entry.text, other):
            if name == "as-written":
                continue
            event = event_for(entry, at).model_copy(update={"text": text})
            yield (
                f"corpus:{entry.id}:{name}",
                {"read": _read(rules, event, at), "decision": _decision(decide(event, stranger, at, rules, Signals()))},
            )


def routing_test_cases(rules: CompiledRules) -> Iterator[tuple[str, dict[str, Any]]]:
    from cli.expectations import Suite, _resolve
    from cli.offline import CUSTOMERS_FILE, MemoryDirectory, customer_for, event_from_file
    from cli.rules import TESTS_FILE
    from cli.yaml_keys import load_unique

    suite = Suite.model_validate(load_unique(TESTS_FILE.read_text("utf-8")))
    base = TESTS_FILE.parent
    directory = MemoryDirectory.from_file(_resolve(suite.customers, base) if suite.customers else CUSTOMERS_FILE)
    zone = rules.default_calendar.timezone
    for i, case in enumerate(suite.cases):
        at = case.at if case.at.tzinfo else case.at.replace(tzinfo=zone)
        event = event_from_file(_resolve(case.event, base), at)
        customer = customer_for(event, directory, case.customer)
        signals = signals_for(event, rules, case.recent)
        if case.sentiment is not None:
            signals = Signals(sentiment=case.sentiment, recent_contacts=case.recent)
        yield f"routing-test:{i}", {"decision": _decision(decide(event, customer, at, rules, signals))}


def sample_cases(rules: CompiledRules) -> Iterator[tuple[str, dict[str, Any]]]:
    from bench.workload import sample_events
    from cli.offline import CUSTOMERS_FILE, MemoryDirectory, customer_for
    from local.samples import EVENTS_DIR

    directory = MemoryDirectory.from_file(CUSTOMERS_FILE)
    zone = rules.default_calendar.timezone
    samples, _ = sample_events(EVENTS_DIR)
    for name, sample in samples:
        for i, moment in enumerate(MOMENTS):
            at = datetime(*moment, tzinfo=zone)
            event = sample.model_copy(update={"received_at": at})
            customer = customer_for(event, directory)
            for recent in (0, 2):
                decision = decide(event, customer, at, rules, signals_for(event, rules, recent))
                yield f"events:{name}:{i}:{recent}", {"read": _read(rules, event, at), "decision": _decision(decision)}


def workload_cases(rules: CompiledRules) -> Iterator[tuple[str, dict[str, Any]]]:
    from bench.rulesets import build_rules
    from bench.workload import make_customers, make_inputs, sample_events
    from cli.offline import MemoryDirectory

    people = make_customers(2000)
    directory = MemoryDirectory(people)
    samples, _ = sample_events()
    for size, count in WORKLOAD.items():
        sized = rules if size is None else build_rules(size, runs=1).rules
        for n, x in enumerate(make_inputs(count, samples, people, directory, rules)):
            yield (
                f"workload:{size or 'shipped'}:{n}",
                {"decision": _decision(decide(x.event, x.customer, x.now, sized, x.signals))},
            )


def cases() -> Iterator[tuple[str, dict[str, Any]]]:
    rules = load_rules()
    for source in (corpus_cases, routing_test_cases, sample_cases, workload_cases):
        yield from source(rules)


def lines() -> list[str]:
    return [json.dumps({"key": key, **value}, ensure_ascii=False, default=str) for key, value in cases()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.identity", description=__doc__.splitlines()[0])
    how = parser.add_mutually_exclusive_group(required=True)
    how.add_argument("--write", type=Path, metavar="FILE", help="dump every case to FILE")
    how.add_argument("--check", type=Path, metavar="FILE", help="compare every case with FILE's")
    args = parser.parse_args(argv)
    now = lines()
    if args.write:
        args.write.write_text("\n".join(now) + "\n", "utf-8")
        print(f"{len(now)} cases written")
        return 0
    before = args.check.read_text("utf-8").splitlines()
    differ = [json.loads(a)["key"] for a, b in zip(before, now, strict=False) if a != b]
    if len(before) != len(now):
        print(f"{len(before)} cases before, {len(now)} now")
    print(f"{len(now)} cases, {len(differ)} differ" + (f": {', '.join(differ[:20])}" if differ else ""))
    return 1 if differ or len(before) != len(now) else 0


if __name__ == "__main__":
    sys.exit(main())
