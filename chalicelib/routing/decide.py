"""decide(): (event, customer, now, rules) → Decision, first matching route wins, every reason kept."""

from __future__ import annotations

from datetime import datetime

from chalicelib.model.customer import Customer
from chalicelib.model.decision import Decision
from chalicelib.model.event import SupportEvent
from chalicelib.routing.rules import URGENCY_ORDER, CompiledRules, DefaultRoute, Match, Route


def urgency_of(event: SupportEvent, rules: CompiledRules) -> tuple[str, list[str]]:
    """The urgency level from the lexicon, with the phrases that set it."""
    text = f"{event.subject or ''}\n{event.text}".lower()
    for level, phrases in (("critical", rules.critical_phrases), ("high", rules.high_phrases)):
        hits = [p for p in phrases if p in text]
        if hits:
            return level, [f"urgency {level}: message mentions {', '.join(repr(h) for h in hits)}"]
    return "normal", ["urgency normal: no urgent phrase in the message"]


def _mismatch(match: Match, facts: dict[str, str | int | float | bool], customer: Customer) -> str | None:
    """The first condition that does not hold, as words; None when the route matches."""
    if match.urgency_at_least and URGENCY_ORDER[str(facts["urgency"])] < URGENCY_ORDER[match.urgency_at_least]:
        return f"urgency {facts['urgency']} < {match.urgency_at_least}"
    if match.tiers is not None and customer.tier not in match.tiers:
        return f"tier {customer.tier.value} not in {[t.value for t in match.tiers]}"
    if match.vip is not None and customer.vip != match.vip:
        return f"vip is {customer.vip}"
    if match.channels is not None and facts["channel"] not in [c.value for c in match.channels]:
        return f"channel {facts['channel']} not in {[c.value for c in match.channels]}"
    if match.in_business_hours is not None and facts["in_business_hours"] != match.in_business_hours:
        return "outside business hours" if match.in_business_hours else "inside business hours"
    return None


def decide(event: SupportEvent, customer: Customer, now: datetime, rules: CompiledRules) -> Decision:
    """Route one event. Pure: the clock is ``now``, the policy is ``rules``."""
    hours = rules.business_hours
    local = hours.local(now)
    in_hours = hours.contains(now)
    urgency, reasons = urgency_of(event, rules)
    who = f"{customer.name} ({customer.tier.value}{', VIP' if customer.vip else ''})"
    reasons.append(f"customer {who}" if customer.known else f"unknown sender {customer.name}: treated as a prospect")
    reasons.append(
        f"{local:%a %H:%M} {hours.timezone.key} is {'inside' if in_hours else 'outside'} business hours ({hours.describe()})"
    )
    facts: dict[str, str | int | float | bool] = {
        "urgency": urgency,
        "channel": event.channel.value,
        "tier": customer.tier.value,
        "vip": customer.vip,
        "in_business_hours": in_hours,
        "team_local_time": local.isoformat(timespec="minutes"),
    }
    chosen: Route | DefaultRoute = rules.rules.default
    name = "default"
    for route in rules.rules.routes:
        miss = _mismatch(route.match, facts, customer)
        if miss is None:
            chosen, name = route, route.name
            reasons.append(f"route {route.name!r} matched")
            break
    else:
        reasons.append("no route matched: default route")
    targets = tuple(chosen.page) if chosen.page is not None else ((chosen.team,) if chosen.priority.pages else ())
    reasons.append(f"page {', '.join(targets)}" if targets else f"{chosen.priority.value}: queued, nobody paged")
    return Decision(
        route=name,
        team=chosen.team,
        priority=chosen.priority,
        page_targets=targets,
        reasons=tuple(reasons),
        facts=facts,
        rules_version=rules.version,
    )
