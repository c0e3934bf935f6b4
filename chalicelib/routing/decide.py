"""decide(): (event, customer, now, rules) → Decision: routes in order, first match wins, every reason kept."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.model.customer import Customer
from chalicelib.model.decision import Decision
from chalicelib.model.event import SupportEvent
from chalicelib.routing.engine import CompiledRules
from chalicelib.routing.facts import Signals, gather, named_zone
from chalicelib.routing.greeting import greeting
from chalicelib.routing.plans import Plan, plan_for, targets_at
from chalicelib.routing.times import Times, times

_NO_SIGNALS = Signals()


def decide(
    event: SupportEvent, customer: Customer, now: datetime, rules: CompiledRules, signals: Signals | None = None
) -> Decision:
    """Route one event. Pure: the clock is ``now``, the policy is ``rules``, nothing is read or written."""
    moment = rules.moment(now)
    facts, published, reasons = gather(event, customer, now, rules, signals or _NO_SIGNALS, moment)
    match, routes, is_open = rules.match_route, rules.routes, moment.open
    taken: list[int] = []
    index = match(facts, is_open, 0)
    while index >= 0:
        taken.append(index)
        reasons.append(rules.route_reason(index, facts, is_open))
        if not routes[index].continue_:
            break
        index = match(facts, is_open, index + 1)
    if index < 0:
        taken.append(-1)
        reasons.append("no route stopped the search: the default route applies")
    key = tuple(taken)
    plan = rules.plans.get(key) or plan_for(rules, key)
    due = times(plan, now, is_open[plan.calendar_name], moment.closed[plan.calendar_name])
    reasons += due.reasons
    targets = plan.targets or targets_at(rules, plan, moment)
    reasons += targets.reasons
    if plan.auto_reply is not None:
        auto_reply = _auto_reply(plan, event, customer, published["customer.known"], now, due, reasons)
    else:
        auto_reply = None
    return _decision(
        {
            "route": plan.route,
            "route_path": plan.path,
            "team": plan.team,
            "priority": plan.priority,
            "tier": published["customer.tier"],
            "escalation": plan.escalation,
            "notify": targets.notify,
            "page_targets": targets.topics,
            "dial": targets.dial,
            "sla": plan.sla_text,
            "sla_due": due.sla_due,
            "auto_reply": auto_reply,
            "deferred_until": due.deferred_until,
            "reasons": tuple(reasons),
            "facts": published,
            "rules_version": rules.version,
        }
    )


def _auto_reply(
    plan: Plan, event: SupportEvent, customer: Customer, known: bool, now: datetime, due: Times, reasons: list[str]
) -> str:
    # the customer's zone when we know them (a name the directory got wrong: the team's); None: an unknown sender
    office = plan.calendar.timezone
    zone = (named_zone(customer.timezone) or office) if known else None
    reply_by, reason = due.reply_words(plan.auto_reply or "", now, zone, office)
    reasons.append(reason)
    name = customer.name
    first_name = greeting(event.sender.name, customer.contact_name if known else None)
    if plan.reply_parts is None:
        return plan.template.format(first_name=first_name, name=name, reply_by=reply_by, team=plan.team, ticket_ref="")
    told = (first_name, name, reply_by)
    return "".join([text if field < 0 else text + told[field] for text, field in plan.reply_parts])


_FIELDS = set(Decision.model_fields)
_set = object.__setattr__


def _decision(values: dict[str, Any]) -> Decision:
    """``Decision.model_construct(**values)`` for values that name every field, in order, without its per-field loop.

    Every value comes from validated rules and models; validating again would cost a fifth of a
    decision and model_construct's generic loop a tenth (test_decide checks the two agree).
    """
    decision = Decision.__new__(Decision)
    _set(decision, "__dict__", values)
    _set(decision, "__pydantic_fields_set__", _FIELDS.copy())
    _set(decision, "__pydantic_extra__", None)
    _set(decision, "__pydantic_private__", None)
    return decision
