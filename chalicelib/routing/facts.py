"""Facts about one message, each computed purely and carrying its reasons: urgency, customer value, time."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chalicelib.model.customer import Customer
from chalicelib.model.event import SupportEvent
from chalicelib.routing.engine import CompiledRules, Moment
from chalicelib.routing.record import Record
from chalicelib.routing.understanding import Understood, above, level_at_most

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_NO_FLAGS: frozenset[str] = frozenset()
_NO_PRIOR = (0, "")
#: how a known customer was found, in words (None: by the id the caller gave)
_FOUND = {"domain": "by email domain (an account we know)", None: "by id", "": "by id"}
# English by hand, as strftime's %a gives them in the C locale, and at a fraction of its cost
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class Signals(Record):
    """What the engine is told rather than computes: each needs more than the message itself.

    ``sentiment`` is VADER's compound score (-1 … 1), computed once per message by the caller
    (about 0.15 ms, too slow to repeat per decision); ``recent_contacts`` counts earlier messages
    from the same sender in the last hour, which needs the tickets table.
    """

    _fields = ("sentiment", "recent_contacts")
    __slots__ = _fields
    sentiment: float | None
    recent_contacts: int

    def __init__(self, sentiment: float | None = None, recent_contacts: int = 0) -> None:
        super().__init__(sentiment, recent_contacts)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def urgency(
    channel: str, subject: str, text: str, local: datetime, signals: Signals, rules: CompiledRules
) -> tuple[int, str, str, Understood]:
    """Score 0–100 from the channel, what the message means (understanding.py), tone and repeat contact;
    the level by threshold (at most what a hedge allows); why; and what the model understood.

    ``local`` is the moment on the sender's clock: deadlines such as "at 3" are theirs.
    """
    score, said = rules.channel_parts.get(channel, _NO_PRIOR)
    understood = rules.model.read(channel, subject, text, local)
    parts = [said, *understood.parts] if score else list(understood.parts)
    score += understood.points
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
    score = 0 if score < 0 else 100 if score > 100 else score
    # someone writing again and again is no longer one person's quiet problem: repeat contact lifts that cap
    cap = None if understood.personal and signals.recent_contacts > 0 else understood.cap
    level = level_at_most(rules.level_of[score], cap)
    # the learned reading (understanding.py) has the last word but a hedge's: the score follows the level it
    # sets, so a queue sorted by score keeps the learned crisis among the crises
    if understood.floor is not None and above(understood.floor[0], level):
        level, said = understood.floor
        score = max(score, rules.threshold[level])
        parts.append(f"{said}: {level}")
    elif understood.ceiling is not None and above(level, understood.ceiling[0]):
        level, said = understood.ceiling  # always "high": below critical's threshold
        score = min(score, rules.threshold["critical"] - 1)
        parts.append(f"{said}: at most {level}")
    why = "; ".join(parts) if parts else "nothing urgent in channel or words"
    return score, level, f"urgency {score} ({level}): {why}", understood


@lru_cache(maxsize=512)
def named_zone(name: str) -> ZoneInfo | None:
    # ZoneInfo itself keeps only 8 zones strongly; customers span more, and a reload reads a file
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def zone_or(name: str, fallback: ZoneInfo) -> ZoneInfo:
    """The named zone, or ``fallback`` for a name the directory got wrong (never fail a decision on it)."""
    return named_zone(name) or fallback


def gather(
    event: SupportEvent, customer: Customer, now: datetime, rules: CompiledRules, signals: Signals, moment: Moment
) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """All facts for one decision: those routes test, those the decision publishes, and the reasons so far.

    The published facts leave out the message text (it is on the ticket already) and give the
    customer's flags as one string.
    """
    subject = event.subject or ""
    text = f"{subject}\n{event.text}".lower()
    channel: str = event.channel._value_  # the plain value, without the enum descriptor's cost
    calendar = rules.default_calendar
    zone = calendar.timezone
    local = now.astimezone(zone)
    weekday = local.weekday()
    known = customer.known
    customer_zone = (named_zone(customer.timezone) or zone) if known else zone
    customer_local = local if customer_zone is zone else now.astimezone(customer_zone)
    score, level, why, understood = urgency(channel, subject, event.text, customer_local, signals, rules)
    buying = understood.buying
    customer_weekday = customer_local.weekday()
    flags = frozenset([f.lower() for f in customer.flags]) if customer.flags else _NO_FLAGS
    today = local.date()
    # the reason tells the instant's wall time, as Calendar.explain does: a time given in the zone itself
    # comes back from astimezone as given, even one that a DST change skips
    wall = local if now.tzinfo is not zone else now.astimezone(UTC).astimezone(zone)
    tail, timed, day = moment.hours
    if day != wall.date():  # a repeated hour that belongs to another day: the stretch's words do not hold
        tail, timed, _, _ = calendar.explain_parts(now)
    hours = f"{_DAYS[wall.weekday()]} {wall.hour:02d}:{wall.minute:02d} {zone.key}: {tail}" if timed else tail
    matched_by, plan, mrr, ltv = customer.matched_by, customer.plan, customer.mrr, customer.ltv
    facts: dict[str, Any] = {
        "channel": channel,
        "provider": event.provider,
        "text": text,
        "subject": subject.lower(),
        "urgency.score": score,
        "urgency.level": level,
        "customer.known": known,
        "customer.prospect": not known,
        "customer.matched_by": matched_by or "none",
        "customer.plan": plan,
        "customer.mrr": mrr,
        "customer.ltv": ltv,
        "customer.vip": customer.vip,
        "customer.flags": flags,
        "intent.buying": buying,
        "intent.churn": understood.churn,
        "contact.recent": signals.recent_contacts,
        "time.weekday": WEEKDAYS[weekday],
        "time.hour": local.hour,
        "time.holiday": today in calendar.closed,
        "time.customer_hour": customer_local.hour,
        "time.customer_business_day": customer_weekday < 5,
        **moment.oncall_facts,
    }
    found = rules.match_tier(facts, moment.open, 0)
    tier = facts["customer.tier"] = rules.tier_names[found] if found >= 0 else "standard"
    published = facts.copy()  # in the same order, less the text
    del published["text"], published["subject"]
    published["customer.flags"] = ", ".join(sorted(flags)) if flags else ""
    # which problems the words said: incident detection counts outage-class reports by these names
    published["urgency.concepts"] = ", ".join(understood.concepts)
    intent = "; ".join(understood.intent_parts)
    if known:
        how = _FOUND.get(matched_by) or f"by {matched_by}"
        business = "a business day" if customer_weekday < 5 else "their weekend"
        reasons = [
            why,
            f"customer {customer.name}, found {how}: plan {plan}, tier {tier}, MRR ${mrr:,.0f}, LTV ${ltv:,.0f}",
            hours,
            f"customer's local time {_DAYS[customer_weekday]} "
            f"{customer_local.hour:02d}:{customer_local.minute:02d} {customer_zone.key}: {business}",
        ]
        if intent:
            reasons.insert(1, f"intent: {intent}")
        return facts, published, reasons
    shown = "with buying intent" if buying else "no buying intent in the message"
    told = f" ({intent})" if intent else ""
    return facts, published, [why, f"unknown sender {customer.name}: a prospect, {shown}{told}", hours]
