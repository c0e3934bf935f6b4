"""What auto-replies promise, checked against what the routes that send them do, by running the rules.

Promises are read from the template's words, not declared beside them: the words are what the
customer reads, and a declaration could say one thing while the text says another. Three are known:

- "reply with the word URGENT" (URGENT in capitals): an URGENT reply saying something is down, from
  anyone the template reaches, at the same moment and on the same channel, must page a person now;
- "paged", "paging", "on-call", "on call": the route that sends it pages a person now;
- ``{reply_by}``: the route has a time to promise (an SLA or a deferral), not a guess.

Routes are run, not read: synthetic messages from one customer per tier, on every channel that can
carry an auto-reply, at every hour of a week, go through decide(); whatever is sent is checked. A
build-time check (`rules validate`, `rules compile`, so `make test`): the Lambda never runs it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.model.customer import Customer
from chalicelib.model.decision import Decision
from chalicelib.model.event import Channel, Sender, SupportEvent
from chalicelib.routing.checks import template_fields
from chalicelib.routing.conditions import AllOf, AnyOf, Condition, Fact, Not
from chalicelib.routing.decide import decide
from chalicelib.routing.engine import CompiledRules, Problem
from chalicelib.routing.times import when

#: a template that invites an URGENT reply: the word in capitals, as the customer is told to write it
INVITES_URGENT = re.compile(r"\bURGENT\b")
#: a template that says a person has been woken and is on it
SAYS_PAGED = re.compile(r"\b(paged|paging|on-call|on call)\b", re.IGNORECASE)
#: first messages that reach auto-replies: a question, a buyer, something urgent, something critical
PROBES = (
    "How do I export my invoices to a spreadsheet?",
    "Hi, could we get a quote and a demo for 40 seats? We decide this week.",
    "URGENT: I can't log in to the app",
    "URGENT: the app is down for everyone, production is broken and we are losing orders asap",
)
#: what a customer told to reply URGENT writes back when something is wrong: high (one person locked
#: out), then critical (down for everyone); the shipped model rates a lone "the app is down" critical
URGENT_REPLIES = PROBES[2:]
#: a week without public holidays in the shipped calendars, hourly at :45 (so 12:45, a lunch break, is seen)
MOMENTS = tuple(datetime(2026, 11, 30, 0, 45, tzinfo=UTC) + timedelta(hours=h) for h in range(7 * 24))
#: a live call is answered, not auto-replied
CHANNELS = tuple(c for c in Channel if c is not Channel.VOICE)


def promise_problems(rules: CompiledRules) -> list[Problem]:
    """Every template whose promise a route that sends it does not keep: one problem per template, route, tier."""
    templates = rules.document.auto_replies
    urgent = {name for name, text in templates.items() if INVITES_URGENT.search(text)}
    paged = {name for name, text in templates.items() if SAYS_PAGED.search(text)}
    timed = {name for name, text in templates.items() if "reply_by" in _fields(text)}
    if not (urgent or paged or timed):
        return []
    found: dict[tuple[str, str, str, str], Problem] = {}

    def report(template: str, decision: Decision, tier: str, kind: str, message: str) -> None:
        route = _sender(rules, decision, template)
        key = (template, route, tier, kind)
        if key not in found:
            found[key] = Problem(("auto_replies", template), f"route {route!r}, tier {tier}: {message}")

    customers = tiers(rules)
    zone = rules.default_calendar.timezone
    for now in MOMENTS:
        for tier, customer in customers.items():
            for channel in CHANNELS:
                decisions = [decide(_event(channel, text, now), customer, now, rules) for text in PROBES]
                # the urgent probes are also what a customer invited to write URGENT writes back
                answers = decisions[len(PROBES) - len(URGENT_REPLIES) :]
                for decision in decisions:
                    template = _template(rules, decision)
                    if template is None:
                        continue
                    at = f"a message on {channel.value} at {when(now, zone)}"
                    if template in paged and not _pages_now(decision):
                        report(
                            template,
                            decision,
                            tier,
                            "paged",
                            f"says a person was paged, but {at} {_did(decision, zone)}",
                        )
                    if template in timed and decision.sla_due is None and decision.deferred_until is None:
                        why = "promises {reply_by}, but the route has no SLA and no deferral: no time to promise"
                        report(template, decision, tier, "time", f"{why} (e.g. {at})")
                    if template in urgent:
                        for reply, answer in zip(URGENT_REPLIES, answers, strict=True):
                            if not _pages_now(answer) or answer.facts["urgency.level"] not in ("high", "critical"):
                                report(
                                    template, decision, tier, "urgent",
                                    f"invites a reply with the word URGENT ({at}), but the reply {reply!r} "
                                    f"(urgency {answer.facts['urgency.level']}) goes to route {answer.route!r} and "
                                    f"{_did(answer, zone)}: page a person for it, or send this tier a reply without "
                                    "the URGENT sentence",
                                )  # fmt: skip
    return list(found.values())


def tiers(rules: CompiledRules) -> dict[str, Customer]:
    """One customer for each tier the rules can give: an unknown sender, then accounts on the plans, amounts
    and flags the tier conditions name, with and without; the first of each tier stands for it.
    """
    # "free", and a plan no tier names: a known account in the catch-all tier
    plans: set[str] = {"free", "other"}
    amounts: set[float] = {0.0}
    flags: set[str] = {"vip"}
    for tier in rules.document.tiers:
        for fact in _facts(tier.when):
            values = fact.value if isinstance(fact.value, tuple) else (fact.value,)
            for value in values:
                if fact.fact == "customer.plan" and isinstance(value, str):
                    plans.add(value)
                elif fact.fact in ("customer.mrr", "customer.ltv") and isinstance(value, int | float):
                    amounts.update({float(value), float(value) + 1})
                elif fact.fact == "customer.flags" and isinstance(value, str):
                    flags.add(value)
    zone = rules.default_calendar.timezone.key
    candidates = [Customer.unknown("Probe Sender")] + [
        Customer(
            customer_id="probe", name="Probe Account", plan=plan, mrr=amount, ltv=amount, flags=flag, timezone=zone
        )
        for plan in sorted(plans)
        for amount in sorted(amounts)
        for flag in ((), *((f,) for f in sorted(flags)))
    ]
    found: dict[str, Customer] = {}
    now = MOMENTS[0]
    for customer in candidates:
        found.setdefault(decide(_event(Channel.EMAIL, PROBES[0], now), customer, now, rules).tier, customer)
    return found


def _facts(cond: Condition) -> Iterator[Fact]:
    if isinstance(cond, Fact):
        yield cond
    elif isinstance(cond, AllOf | AnyOf):
        for member in cond.members:
            yield from _facts(member)
    elif isinstance(cond, Not):
        yield from _facts(cond.inner)


def _fields(template: str) -> set[str]:
    try:
        return template_fields(template)
    except ValueError:  # check_names reports it
        return set()


def _event(channel: Channel, text: str, now: datetime) -> SupportEvent:
    return SupportEvent(
        event_id=f"probe:{channel.value}",
        channel=channel,
        provider="probe",
        received_at=now,
        sender=Sender(name="Probe Sender", email="probe@example.com"),
        text=text,
    )


def _template(rules: CompiledRules, decision: Decision) -> str | None:
    """Which template the decision sends (the plan knows it; the decision carries only the text)."""
    if decision.auto_reply is None:
        return None
    return next(
        (name for name in (_then(rules, route).auto_reply for route in decision.route_path) if name is not None),
        rules.document.default.then.auto_reply,
    )


def _then(rules: CompiledRules, route: str) -> Any:
    if route == "default":
        return rules.document.default.then
    return next(r.then for r in rules.routes if r.name == route)


def _sender(rules: CompiledRules, decision: Decision, template: str) -> str:
    """The route whose `auto_reply` sent the template: the first on the path that names it."""
    return next((route for route in decision.route_path if _then(rules, route).auto_reply == template), "default")


def _pages_now(decision: Decision) -> bool:
    return bool(decision.page_targets or decision.dial) and decision.deferred_until is None


def _did(decision: Decision, zone: ZoneInfo) -> str:
    if decision.deferred_until is not None:
        return f"holds its page until {when(decision.deferred_until, zone)}"
    if decision.page_targets or decision.dial:
        return "pages now"
    return f"pages nobody ({decision.priority.value}, queued)"


#: results by rules version: tests compile the same literal rules many times, and a week of decisions is ~1 s
_CHECKED: dict[str, list[Problem]] = {}


def kept_promises(rules: CompiledRules) -> list[Problem]:
    """promise_problems(rules), worked out once per rules version."""
    found = _CHECKED.get(rules.version)
    if found is None:
        found = _CHECKED[rules.version] = promise_problems(rules)
    return found
