"""Routing expectation tests: event + time + customer → the route, priority, targets and deferral expected."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from chalicelib.model.decision import Decision, Priority
from chalicelib.routing.decide import decide
from chalicelib.routing.facts import Signals
from chalicelib.routing.sentiment import signals_for
from cli.compile import ROOT, RulesFileError, compile_file, display
from cli.yaml_keys import load_unique


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Expect(_Strict):
    """Only what is given is checked."""

    route: str | None = None
    priority: Priority | None = None
    team: str | None = None
    tier: str | None = None
    escalation: str | None = None
    #: pager topics paged now ([] = nobody is paged now)
    page: list[str] | None = None
    #: people on the dial list, in order
    dial: list[str] | None = None
    deferred: bool | None = None
    deferred_until: datetime | None = None
    sla_due: datetime | None = None
    auto_reply: bool | None = None
    #: words the auto-reply must say, each somewhere in it
    auto_reply_says: list[str] | None = None
    #: words it must not say (a promise the route does not keep: "URGENT")
    auto_reply_lacks: list[str] | None = None


class Case(_Strict):
    name: str
    event: Path
    #: ISO time; without an offset it is read in the rules' business-hours zone
    at: datetime
    #: a customer id, email, phone, handle or domain; "unknown" for a sender not in the directory; default: look up the sender
    customer: str | None = None
    recent: int = 0
    #: the message's tone (-1 … 1) instead of computing it
    sentiment: float | None = None
    expect: Expect


class Suite(_Strict):
    rules: Path | None = None
    customers: Path | None = None
    cases: list[Case]


def _resolve(path: Path, base: Path) -> Path:
    for candidate in (path, base / path, ROOT / path):
        if candidate.exists():
            return candidate
    return path


def _show(value: Any, zone: Any) -> Any:
    return value.astimezone(zone).isoformat() if isinstance(value, datetime) else value


def check(case: Case, decision: Decision, zone: Any) -> list[str]:
    """What differs between the expectation and the decision, one line each."""
    e, d = case.expect, case.expect.model_fields_set
    actual: dict[str, Any] = {
        "route": decision.route,
        "priority": decision.priority,
        "team": decision.team,
        "tier": decision.tier,
        "escalation": decision.escalation,
        "page": [] if decision.deferred_until else list(decision.page_targets),
        "dial": [c.person for c in decision.dial],
        "deferred": decision.deferred_until is not None,
        "deferred_until": decision.deferred_until,
        "sla_due": decision.sla_due,
        "auto_reply": decision.auto_reply is not None,
    }
    problems = []
    said = decision.auto_reply or ""
    for words in e.auto_reply_says or ():
        if words not in said:
            problems.append(f"auto_reply_says: {words!r} not in {said!r}")
    for words in e.auto_reply_lacks or ():
        if words in said:
            problems.append(f"auto_reply_lacks: {words!r} in {said!r}")
    for field in sorted(d - {"auto_reply_says", "auto_reply_lacks"}):
        want = getattr(e, field)
        if isinstance(want, datetime) and want.tzinfo is None:
            want = want.replace(tzinfo=zone)
        got = actual[field]
        if want != got:
            problems.append(f"{field}: expected {_show(want, zone)}, got {_show(got, zone)}")
    return problems


def run_expectations(path: Path, rules_path: Path | None, verbose: bool) -> int:
    from cli.offline import CUSTOMERS_FILE, MemoryDirectory, customer_for, event_from_file

    try:
        text = path.read_text(encoding="utf-8")
        raw = load_unique(text)
        lines = {i: node.start_mark.line + 1 for i, node in enumerate(_case_nodes(text))}
        suite = Suite.model_validate(raw)
    except OSError as exc:
        print(f"{path}: cannot read: {exc.strerror}", file=sys.stderr)
        return 2
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark is not None else 1
        print(f"{display(path)}:{line}: not a routing tests file: {exc.problem}", file=sys.stderr)
        return 2
    except (yaml.YAMLError, ValidationError) as exc:
        print(f"{path}: not a routing tests file: {exc}", file=sys.stderr)
        return 2
    base = path.parent
    try:
        rules = compile_file(_resolve(rules_path or suite.rules or Path("routing.yaml"), base))[1]
    except RulesFileError as exc:
        for issue in exc.issues:
            print(issue, file=sys.stderr)
        return 1
    zone = rules.default_calendar.timezone
    directory = MemoryDirectory.from_file(_resolve(suite.customers, base) if suite.customers else CUSTOMERS_FILE)
    passed = failed = 0
    for i, case in enumerate(suite.cases):
        at = case.at if case.at.tzinfo else case.at.replace(tzinfo=zone)
        where = f"{display(path)}:{lines.get(i, 0)}"
        try:
            event = event_from_file(_resolve(case.event, base), at)
            customer = customer_for(event, directory, case.customer)
        except (OSError, ValueError) as exc:
            print(f"✗ {case.name} ({where}): {exc}")
            failed += 1
            continue
        signals = signals_for(event, rules, case.recent)
        if case.sentiment is not None:
            signals = Signals(sentiment=case.sentiment, recent_contacts=case.recent)
        decision = decide(event, customer, at, rules, signals)
        problems = check(case, decision, zone)
        if problems:
            failed += 1
            print(f"✗ {case.name} ({where})")
            for p in problems:
                print(f"    {p}")
            print("    why: " + "\n         ".join(decision.reasons))
        else:
            passed += 1
            if verbose:
                print(f"✓ {case.name}: {decision.priority.value} {decision.team} via {decision.route}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


def _case_nodes(text: str) -> list[yaml.Node]:
    root = yaml.compose(text)
    if isinstance(root, yaml.MappingNode):
        for key, value in root.value:
            if key.value == "cases" and isinstance(value, yaml.SequenceNode):
                return list(value.value)
    return []
