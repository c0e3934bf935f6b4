"""The decisions benchmark's workload: a directory of customers, and messages re-addressed from events/ samples."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.rulesets import SEED
from chalicelib.model.customer import Customer
from chalicelib.model.event import Sender, SupportEvent
from chalicelib.routing.engine import CompiledRules
from chalicelib.routing.facts import Signals
from chalicelib.routing.sentiment import signals_for
from cli.offline import MemoryDirectory, customer_for, event_from_file
from local.samples import EVENTS_DIR

CUSTOMERS = 10_000
#: Mon 16 – Sun 22 Nov 2026: a whole week, no office holiday, New York and UTC on standard time
WEEK_START = datetime(2026, 11, 16, tzinfo=UTC)
UNKNOWN_SHARE = 0.10  # strangers: both lookups miss, decided as prospects
COLLEAGUE_SHARE = 0.05  # someone new at a known account: found by email domain

_FIRST = ("ana", "ben", "chloe", "dev", "emma", "felix", "grace", "hugo", "ines", "jon", "kira", "liam", "mei", "noah")
_LAST = ("adams", "baker", "costa", "diaz", "evans", "fischer", "garcia", "hansen", "ito", "jensen", "kowalski", "li")
_ZONES = (
    "America/New_York", "America/Chicago", "America/Los_Angeles", "America/Sao_Paulo", "Europe/London",
    "Europe/Berlin", "Europe/Rome", "Asia/Kolkata", "Asia/Tokyo", "Australia/Sydney", "Pacific/Auckland", "UTC",
)  # fmt: skip
_MAILBOXES = ("gmail.example", "outlook.example", "proton.example")


def make_customers(count: int, seed: int = SEED) -> list[Customer]:
    """A directory's worth of accounts: mostly free, some pro, a few enterprise; MRR and LTV spread within each."""
    rng = random.Random(seed)
    customers = []
    for i in range(count):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        plan = rng.choices(("free", "pro", "enterprise"), weights=(60, 30, 10))[0]
        mrr = 0.0 if plan == "free" else round(rng.uniform(29, 499) if plan == "pro" else rng.lognormvariate(7.5, 0.8))
        flags = [f for f, share in (("beta", 0.05), ("at-risk", 0.03)) if rng.random() < share]
        if rng.random() < {"free": 0.0, "pro": 0.01, "enterprise": 0.25}[plan]:
            flags.append("vip")
        # accounts own their domain; individuals write from a public mailbox (never a domain key)
        domain = f"acct{i:05d}.example" if plan != "free" else None
        customers.append(
            Customer(
                customer_id=f"cus_{i:05d}",
                name=f"{first.title()} {last.title()}",
                plan=plan,
                email=f"{first}.{last}.{i}@{domain or rng.choice(_MAILBOXES)}",
                domain=domain,
                mrr=mrr,
                ltv=round(mrr * rng.randint(1, 60)),
                flags=tuple(flags),
                timezone=rng.choice(_ZONES),
            )
        )
    return customers


@dataclass(frozen=True)
class Input:
    """One message as triage sees it; ``customer`` and ``signals`` are what (b) recomputes and (a) is given."""

    sample: str
    event: SupportEvent
    customer: Customer
    now: datetime
    recent: int
    signals: Signals


def sample_events(root: Path = EVENTS_DIR) -> tuple[list[tuple[str, SupportEvent]], list[str]]:
    """Every sample in events/ that cli/offline turns into a message, named provider/stem; and why the rest are not."""
    events, skipped = [], []
    for path in sorted(root.glob("*/*.json")):
        name = f"{path.parent.name}/{path.stem}"
        try:
            event = event_from_file(path, WEEK_START)
        except ValueError as exc:  # a provider cli/offline has no adapter for yet, or a handshake, not a message
            skipped.append(f"{name} ({str(exc).removeprefix(name + ': ')})")
            continue
        if isinstance(event, SupportEvent):
            events.append((name, event))
        else:
            skipped.append(f"{name} (no message)")
    return events, skipped


def make_inputs(
    count: int,
    samples: Sequence[tuple[str, SupportEvent]],
    customers: Sequence[Customer],
    directory: MemoryDirectory,
    rules: CompiledRules,
    seed: int = SEED,
) -> list[Input]:
    """``count`` messages: the samples re-addressed to random senders, at minutes spread over a week, in time order."""
    if not samples:
        raise ValueError("no sample in events/ could be parsed into a message")
    rng = random.Random(seed)
    accounts = [c for c in customers if c.domain]
    nows = sorted(WEEK_START + timedelta(minutes=rng.randrange(7 * 24 * 60)) for _ in range(count))
    tones: dict[tuple[str, str, int], Signals] = {}
    inputs = []
    # sorted: a container takes messages in arrival order, and the calendars' one-day cache expects that
    for i, now in enumerate(nows):
        (name, sample), draw = rng.choice(samples), rng.random()
        if draw < UNKNOWN_SHARE:
            sender = Sender(name=f"Visitor {i}", email=f"visitor{i}@prospect{i}.example")
        elif draw < UNKNOWN_SHARE + COLLEAGUE_SHARE and accounts:
            sender = Sender(name=f"Colleague {i}", email=f"colleague{i}@{rng.choice(accounts).domain}")
        else:
            customer = rng.choice(customers)
            sender = Sender(name=customer.name, email=customer.email)
        event = sample.model_copy(update={"sender": sender, "received_at": now, "event_id": f"{sample.event_id}-{i}"})
        recent = rng.choices((0, 1, 2, 3), weights=(85, 10, 4, 1))[0]
        # VADER depends on the text alone: a handful of sample texts need a handful of tones, not 20,000
        key = (event.text, event.channel.value, recent)
        if key not in tones:
            tones[key] = signals_for(event, rules, recent)
        inputs.append(Input(name, event, customer_for(event, directory), now, recent, tones[key]))
    return inputs


def spread(pool: Sequence[Input], count: int) -> list[Input]:
    """``count`` inputs evenly through the (time-ordered) pool, so every subset still spans the week."""
    return [pool[k * len(pool) // count] for k in range(count)]
