"""Facts about one message, each computed purely and carrying its reasons: urgency, customer value, time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chalicelib.model.customer import Customer
from chalicelib.model.event import SupportEvent
from chalicelib.routing.conditions import Context
from chalicelib.routing.engine import CompiledRules

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Signals:
    """What the engine is told rather than computes: each needs more than the message itself.

    ``sentiment`` is VADER's compound score (-1 … 1), computed once per message by the caller
    (about 0.15 ms, too slow to repeat per decision); ``recent_contacts`` counts earlier messages
    from the same sender in the last hour, which needs the tickets table.
    """

    sentiment: float | None = None
    recent_contacts: int = 0


@dataclass(frozen=True)
class Urgency:
    score: int
    level: str
    reasons: tuple[str, ...]


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def urgency_of(event: SupportEvent, text: str, signals: Signals, rules: CompiledRules) -> Urgency:
    """Score 0–100 from the channel, phrases, time pressure, tone and repeat contact; the level by threshold."""
    channel = event.channel.value
    score = rules.channel_priors.get(channel, 0)
    parts = [f"{channel} +{score}"] if score else []
    for phrase, weight in rules.weighted_phrases:
        if phrase in text:
            score += weight
            parts.append(f"{phrase!r} +{weight}")
    tone = signals.sentiment
    # VADER calls compound ≤ -0.05 negative; only negativity raises urgency, scaled by how negative
    if tone is not None and tone <= -0.05 and rules.sentiment_weight and channel in rules.sentiment_channels:
        points = round(rules.sentiment_weight * -tone)
        score += points
        parts.append(f"negative tone ({tone:+.2f}) +{points}")
    if signals.recent_contacts > 0 and rules.repeat_per_message:
        points = min(rules.repeat_per_message * signals.recent_contacts, rules.repeat_max)
        score += points
        parts.append(f"{_ordinal(signals.recent_contacts + 1)} message this hour +{points}")
    score = max(0, min(100, score))
    level = next((name for threshold, name in rules.levels if score >= threshold), "low")
    why = ", ".join(parts) if parts else "nothing urgent in channel or words"
    return Urgency(score, level, (f"urgency {score} ({level}): {why}",))


@lru_cache(maxsize=512)
def _zone(name: str) -> ZoneInfo | None:
    # ZoneInfo itself keeps only 8 zones strongly; customers span more, and a reload reads a file
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def zone_or(name: str, fallback: ZoneInfo) -> ZoneInfo:
    """The named zone, or ``fallback`` for a name the directory got wrong (never fail a decision on it)."""
    return _zone(name) or fallback


def gather(
    event: SupportEvent, customer: Customer, now: datetime, rules: CompiledRules, signals: Signals
) -> tuple[Context, list[str]]:
    """All facts for one decision, and the reasons a person needs to follow it."""
    text = f"{event.subject or ''}\n{event.text}".lower()
    urgency = urgency_of(event, text, signals, rules)
    calendar = rules.default_calendar
    local = now.astimezone(calendar.timezone)
    customer_zone = zone_or(customer.timezone, calendar.timezone) if customer.known else calendar.timezone
    customer_local = now.astimezone(customer_zone)
    facts: dict[str, Any] = {
        "channel": event.channel.value,
        "provider": event.provider,
        "text": text,
        "subject": (event.subject or "").lower(),
        "urgency.score": urgency.score,
        "urgency.level": urgency.level,
        "customer.known": customer.known,
        "customer.prospect": not customer.known,
        "customer.matched_by": customer.matched_by or "none",
        "customer.plan": customer.plan,
        "customer.mrr": customer.mrr,
        "customer.ltv": customer.ltv,
        "customer.vip": customer.vip,
        "customer.flags": frozenset(f.lower() for f in customer.flags),
        "intent.buying": any(p in text for p in rules.buying_phrases),
        "contact.recent": signals.recent_contacts,
        "time.weekday": WEEKDAYS[local.weekday()],
        "time.hour": local.hour,
        "time.holiday": local.date() in calendar.closed,
        "time.customer_hour": customer_local.hour,
        "time.customer_business_day": customer_local.weekday() < 5,
    }
    for name in rules.rotations:
        facts[f"oncall.{name}"] = rules.on_call(name, now).person
    ctx = Context(facts, now, rules.is_open)
    found = rules.match_tier(facts, ctx.calendar_open, 0)
    tier = rules.tier_names[found] if found >= 0 else "standard"
    facts["customer.tier"] = tier
    reasons = list(urgency.reasons)
    if customer.known:
        how = (
            "by email domain (an account we know)"
            if customer.matched_by == "domain"
            else f"by {customer.matched_by or 'id'}"
        )
        money = f"MRR ${customer.mrr:,.0f}, LTV ${customer.ltv:,.0f}"
        reasons.append(f"customer {customer.name}, found {how}: plan {customer.plan}, tier {tier}, {money}")
    else:
        intent = "with buying intent" if facts["intent.buying"] else "no buying intent in the message"
        reasons.append(f"unknown sender {customer.name}: a prospect, {intent}")
    reasons.append(rules.hours_reason(now))
    if customer.known:
        business = "a business day" if facts["time.customer_business_day"] else "their weekend"
        reasons.append(f"customer's local time {customer_local:%a %H:%M} {customer_zone.key}: {business}")
    return ctx, reasons
