"""Who a suspected incident's one page goes to: the rules' ``incidents.page``, resolved as a route's would be.

Pure: the rules and the moment in, the opening report's decision with the incident's targets out. The report
that crosses the line may be an unknown sender's tweet that pages nobody on its own; the incident must page.
"""

from __future__ import annotations

from datetime import datetime

from chalicelib.model.decision import Decision, Priority
from chalicelib.routing.engine import CompiledRules
from chalicelib.routing.plans import targets


def incident_decision(rules: CompiledRules, decision: Decision, now: datetime) -> Decision:
    """The decision, paging whom the rules' incidents section names, now (never deferred).

    As is when the section names nobody, or when the decision pages someone now already.
    """
    page = rules.incidents.page
    if page is None or decision.pages:  # a report that pages now on its own (a VIP's) keeps its own, stronger ladder
        return decision
    team, priority_name, escalation = page
    priority = Priority(priority_name)
    found = targets(rules, escalation, priority, team, (), rules.moment(now))
    return decision.model_copy(
        update={
            "team": team,
            "priority": priority,
            "escalation": escalation,
            "notify": found.notify,
            "page_targets": found.topics,
            "deferred_until": None,
            "reasons": (*decision.reasons, "the incident pages: " + "; ".join(found.reasons)),
        }
    )
