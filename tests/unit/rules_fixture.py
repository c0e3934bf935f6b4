"""Literal rules for engine tests: small enough to read beside each table."""

from __future__ import annotations

from chalicelib.routing.engine import CompiledRules
from cli.compile import compile_text

LITERAL = """
version: 1
default_calendar: office
people:
  maya: {name: Maya Chen, phone: "+12125550101", topic: founders}
  priya: {name: Priya Nair, phone: "+12125550103", topic: support}
  leo: {name: Leo Martins, phone: "+12125550104", topic: support}
teams:
  support: {topic: support, calendar: office, members: [priya, leo]}
  sales: {topic: sales, calendar: office, members: [maya]}
  founders: {topic: founders, calendar: always, members: [maya]}
calendars:
  office:
    timezone: America/New_York
    hours: {mon-fri: ["09:00-17:00"]}
    closed: {2026-11-26: Thanksgiving}
  always:
    timezone: UTC
    hours: {daily: ["00:00-24:00"]}
rotations:
  primary: {members: [priya, leo], period: daily, handoff: "09:00", timezone: America/New_York, start: 2026-11-23}
escalation_policies:
  urgent:
    levels:
      - {notify: ["rotation:primary"], ack_timeout: 5m}
      - {notify: ["team:founders"], ack_timeout: 10m}
tiers:
  - {name: vip, when: {fact: customer.vip, eq: true}}
  - {name: paying, when: {fact: customer.plan, in: [pro, enterprise]}}
urgency:
  channel_priors: {voice: 80}
  concepts:
    outage: {points: 50, words: [is down]}
    billing: {points: 10, words: [refund]}
  emphasis: {points: 30, words: [asap]}
  sentiment: {weight: 20, channels: [widget]}
  repeat_contact: {per_message: 10, max: 20}
  levels: {critical: 70, high: 40, normal: 10}
intent:
  buying: {price: {points: 1, words: [pricing]}}
auto_replies:
  later: "Hi {first_name}, we will reply by {reply_by}."
routes:
  - name: call
    when: {fact: channel, eq: voice}
    then: {team: support, priority: P1, escalation: urgent, dial: ["rotation:primary", "team:founders"]}
  - name: tag-night
    when: {not: {in_calendar: office}}
    continue: true
    then: {auto_reply: later}
  - name: vip-critical
    when: {all: [{fact: customer.tier, eq: vip}, {fact: urgency.level, eq: critical}]}
    then: {team: support, priority: P1, escalation: urgent}
  - name: buyer
    when: {all: [{fact: customer.prospect, eq: true}, {fact: intent.buying, eq: true}]}
    then: {team: sales, priority: P2, defer: until_open, sla: {within: 2h, clock: business}}
  - name: big-spender
    when: {fact: customer.mrr, gte: 1000}
    then: {priority: P2}
  - name: refunds
    when: {fact: text, matches: "refund|charge ?back"}
    then: {team: support, priority: P3, sla: {within: 1d, clock: calendar}}
default:
  then: {team: support, priority: P4, sla: {within: 1h, clock: business}}
"""


def literal_rules(text: str = LITERAL) -> CompiledRules:
    return compile_text(text, "literal.yaml")[1]
