"""Decisions: decide() throughput and latency at 10, 100 and 1,000 routes over 10,000 cached customers."""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import random
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from chalicelib.model.customer import Customer
from chalicelib.model.event import Sender, SupportEvent
from chalicelib.routing.decide import decide
from chalicelib.routing.engine import CompiledRules
from chalicelib.routing.facts import Signals
from chalicelib.routing.loader import from_compiled
from chalicelib.routing.sentiment import signals_for
from cli.compile import RULES_YAML, compile_text, render
from cli.offline import MemoryDirectory, customer_for, event_from_file
from local.samples import EVENTS_DIR

ROUTE_COUNTS = (10, 100, 1000)
CUSTOMERS = 10_000
DECISIONS = 20_000
#: a decision at 1,000 routes costs several times more: fewer keep `make bench` short, still enough for a p99
DECISIONS_LARGE = 5_000
QUICK_DECISIONS = 500
COMPILE_RUNS = 3
BUDGET_RATE = 20_000  # decisions/s, at BUDGET_RATE_ROUTES
BUDGET_RATE_ROUTES = 100
BUDGET_P99_MS = 1.0  # at BUDGET_P99_ROUTES
BUDGET_P99_ROUTES = 1000
SEED = 20261116
#: CPUs used by other processes during a timing above which the report flags it
BUSY = 0.25
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

# What synthetic routes test. Each route pairs conditions that often hold with one that never
# does for the bench's customers and events, so every decision runs every synthetic route to the end.
_PLANS = ("legacy-gold", "partner-2019", "edu-campus", "nonprofit-plus", "reseller", "startup-program", "gov-cloud")
_FLAGS = ("legal-hold", "sanctioned", "partner-escalation", "reseller-managed", "chargeback-risk")
_RARE_WORDS = (
    "chargeback", "subpoena", "gdpr request", "soc 2", "hipaa", "penetration test", "wire transfer",
    "purchase order", "invoice dispute", "data processing agreement", "scim", "ddos", "ransomware",
    "press inquiry", "cease and desist", "bug bounty", "vulnerability disclosure", "accessibility audit",
)  # fmt: skip
_REGEXES = (
    r"\binv-\d{6}\b",
    r"\border\s+#?\d{8}\b",
    r"\b(?:ticket|case)\s+#\d{5,}\b",
    r"\bpo[- ]?\d{7}\b",
    r"\bcve-\d{4}-\d{4,}\b",
    r"\b[a-z0-9._%+-]+@(?:lawfirm|legal)\.[a-z]{2,}\b",
)
_COMPANIONS: tuple[dict[str, Any], ...] = (
    {"fact": "channel", "eq": "widget"},
    {"fact": "channel", "in": ["email", "sms", "slack"]},
    {"fact": "urgency.level", "in": ["high", "critical"]},
    {"fact": "customer.known", "eq": True},
    {"fact": "customer.tier", "in": ["vip", "high-value"]},
    {"fact": "time.weekday", "in": ["sat", "sun"]},
    {"fact": "time.hour", "gte": 18},
    {"fact": "intent.buying", "eq": True},
    {"fact": "urgency.score", "gte": 30},
)


def _never(rng: random.Random) -> dict[str, Any]:
    """A fact condition no bench customer or event satisfies, of the kinds operators write."""
    kind = rng.randrange(6)
    if kind == 0:
        return {"fact": "customer.plan", "eq": rng.choice(_PLANS)}
    if kind == 1:
        return {"fact": "customer.plan", "in": rng.sample(_PLANS, rng.randint(2, 3))}
    if kind == 2:
        return {"fact": "customer.mrr", "gte": rng.choice((1_000_000, 2_500_000, 5_000_000))}
    if kind == 3:
        return {"fact": "customer.ltv", "gte": 1_000_000_000}
    if kind == 4:
        return {"fact": "customer.flags", "contains_any": rng.sample(_FLAGS, rng.randint(1, 2))}
    return {"fact": "provider", "eq": rng.choice(("intercom-import", "freshdesk-legacy"))}


def _when(i: int, rng: random.Random) -> tuple[str, dict[str, Any]]:
    """Route i's name stem and condition; a fixed cycle of kinds keeps the mix even for a few routes."""
    kind = i % 10
    if kind in (0, 8):
        return "legacy-plan", _never(rng)
    if kind in (1, 6, 9):
        members = [*rng.sample(_COMPANIONS, rng.randint(1, 2)), _never(rng)]
        rng.shuffle(members)  # where the impossible test sits decides how much of the `all` runs
        return "account-rule", {"all": members}
    if kind == 2:
        return "special-accounts", {"any": [_never(rng) for _ in range(rng.randint(2, 3))]}
    if kind == 3:
        return "exception", {"all": [{"not": rng.choice(_COMPANIONS)}, _never(rng)]}
    if kind == 4:
        office = {"in_calendar": "office"} if rng.random() < 0.5 else {"not": {"in_calendar": "office"}}
        members = [office, _never(rng)]
        rng.shuffle(members)
        return "office-hours", {"all": members}
    if kind == 5:
        return "legal-keywords", {"fact": "text", "contains_any": rng.sample(_RARE_WORDS, rng.randint(1, 3))}
    return "reference-pattern", {"fact": rng.choice(("text", "text", "subject")), "matches": rng.choice(_REGEXES)}


def synthetic_routes(count: int, shipped: dict[str, Any], seed: int = SEED) -> list[dict[str, Any]]:
    """``count`` routes as an operator would add them, naming only teams and policies the shipped file defines."""
    rng = random.Random(seed)
    teams, policies, replies = (
        sorted(shipped["teams"]),
        sorted(shipped["escalation_policies"]),
        sorted(shipped["auto_replies"]),
    )
    routes = []
    for i in range(count):
        stem, when = _when(i, rng)
        then: dict[str, Any] = {"team": rng.choice(teams), "priority": rng.choice(("P1", "P2", "P3", "P4"))}
        if rng.random() < 0.6:
            then["sla"] = {
                "within": rng.choice(("30m", "1h", "2h", "4h", "1d")),
                "clock": rng.choice(("business", "calendar")),
            }
        if rng.random() < 0.3:
            then["escalation"] = rng.choice(policies)
        if rng.random() < 0.2:
            then["auto_reply"] = rng.choice(replies)
        route: dict[str, Any] = {"name": f"{stem}-{i:04d}", "when": when}
        if rng.random() < 0.05:
            route["continue"] = True
        routes.append({**route, "then": then})
    return routes


def rules_text(routes: int, shipped_text: str, seed: int = SEED) -> tuple[str, frozenset[str]]:
    """The shipped YAML with ``routes - shipped`` synthetic routes inserted before its own (and their names)."""
    shipped = yaml.safe_load(shipped_text)
    extra = routes - len(shipped["routes"])
    if extra < 0:
        raise ValueError(f"{routes} routes is fewer than the {len(shipped['routes'])} the shipped rules have")
    added = synthetic_routes(extra, shipped, seed)
    # flow style, one route a line: what a long, machine-assisted policy file tends to look like
    lines = ["  - " + yaml.safe_dump(r, default_flow_style=True, sort_keys=False, width=10_000).strip() for r in added]
    text, found = re.subn(
        r"^routes:[^\n]*\n",
        lambda m: m.group(0) + "".join(f"{line}\n" for line in lines),
        shipped_text,
        count=1,
        flags=re.M,
    )
    if not found:
        raise ValueError("no top-level `routes:` in the shipped rules")
    return text, frozenset(r["name"] for r in added)


@dataclass(frozen=True)
class RuleSet:
    routes: int
    synthetic: frozenset[str]
    rules: CompiledRules
    #: compile_text: YAML → validated JSON (`make rules`, at build time)
    build_ms: tuple[float, ...]
    #: compiled JSON → CompiledRules: what a container pays once, on its first message
    load_ms: tuple[float, ...]


def build_rules(routes: int, runs: int = COMPILE_RUNS, shipped_text: str | None = None) -> RuleSet:
    text, synthetic = rules_text(routes, shipped_text if shipped_text is not None else RULES_YAML.read_text("utf-8"))
    build_ms, load_ms = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        compiled, _ = compile_text(text, f"bench/routing-{routes}.yaml")
        t1 = time.perf_counter()
        # as loader.load_rules does it: the file's text parsed, validated and compiled
        rules = from_compiled(json.loads(render(compiled)))
        t2 = time.perf_counter()
        build_ms.append((t1 - t0) * 1000)
        load_ms.append((t2 - t1) * 1000)
    return RuleSet(routes, synthetic, rules, tuple(build_ms), tuple(load_ms))


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


@dataclass(frozen=True)
class Timing:
    """Per-call latencies (sorted) and the whole loop's wall time, timer overhead included."""

    sorted_ns: tuple[int, ...]
    elapsed_ns: int
    #: CPUs other processes kept busy meanwhile (None off Linux): on a small shared machine they slow us down
    others_cpu: float | None = None

    @property
    def count(self) -> int:
        return len(self.sorted_ns)

    @property
    def per_second(self) -> float:
        return self.count / (self.elapsed_ns / 1e9)

    def percentile_ms(self, q: float) -> float:
        # nearest rank: p99 of 500 calls is the 495th fastest, a latency that really happened
        rank = math.ceil(round(q * self.count / 100, 9))  # round: 99 * 500 / 100 must not become 495.0000001
        return self.sorted_ns[max(0, rank - 1)] / 1e6

    @property
    def p50_ms(self) -> float:
        return self.percentile_ms(50)

    @property
    def p99_ms(self) -> float:
        return self.percentile_ms(99)

    @property
    def max_ms(self) -> float:
        return self.sorted_ns[-1] / 1e6

    def to_dict(self) -> dict[str, Any]:
        return {
            "decisions": self.count,
            "per_second": round(self.per_second),
            "p50_ms": round(self.p50_ms, 4),
            "p99_ms": round(self.p99_ms, 4),
            "max_ms": round(self.max_ms, 4),
            "mean_ms": round(statistics.fmean(self.sorted_ns) / 1e6, 4),
            "others_cpu": None if self.others_cpu is None else round(self.others_cpu, 2),
        }


def _busy_seconds() -> float | None:
    """CPU seconds the whole machine has spent busy since boot, from /proc/stat; None where there is none."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return None
    # user nice system idle iowait irq softirq steal: all but idle and iowait are busy (steal: the host gave
    # our virtual CPU to someone else, which slows this process just the same)
    ticks = [int(f) for f in fields[:8]]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


def _own_seconds() -> float:
    times = os.times()
    return times.user + times.system


def _timed(
    call: Callable[[Input], tuple[str, ...]], inputs: Sequence[Input], warmup: int
) -> tuple[Timing, list[tuple[str, ...]]]:
    """Warm up, then time every call; returns the timing and each decision's route path."""
    for x in inputs[:warmup]:
        call(x)
    # the set-up's garbage is collected now rather than inside the first timed calls; the collector
    # stays on, because a container runs with it on and its pauses belong in the p99
    gc.collect()
    clock = time.perf_counter_ns
    latencies = [0] * len(inputs)
    paths: list[tuple[str, ...]] = [()] * len(inputs)
    busy0, own0 = _busy_seconds(), _own_seconds()
    start = clock()
    for i, x in enumerate(inputs):
        t0 = clock()
        path = call(x)
        latencies[i] = clock() - t0
        paths[i] = path
    elapsed = clock() - start
    busy1, own1 = _busy_seconds(), _own_seconds()
    others = None
    if busy0 is not None and busy1 is not None:
        others = max(0.0, (busy1 - busy0) - (own1 - own0)) / (elapsed / 1e9)
    return Timing(tuple(sorted(latencies)), elapsed, others), paths


@dataclass(frozen=True)
class RouteCountResult:
    routes: int
    synthetic: int
    build_ms: tuple[float, ...]
    load_ms: tuple[float, ...]
    #: (a) decide() alone, given the customer and signals: what the budgets are about
    decide: Timing
    #: (b) the triage Lambda's CPU per message: directory lookup + signals (VADER) + decide()
    full: Timing
    #: decisions whose route path includes a synthetic route (~0: the synthetic routes were all evaluated)
    synthetic_matched: int
    #: which route decided, by name, over the (a) decisions
    final_routes: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return {
            "routes": self.routes,
            "synthetic_routes": self.synthetic,
            "build_median_ms": round(statistics.median(self.build_ms), 1),
            "load_median_ms": round(statistics.median(self.load_ms), 1),
            "decide": self.decide.to_dict(),
            "full_path": self.full.to_dict(),
            "synthetic_matched": self.synthetic_matched,
            "final_routes": self.final_routes,
        }


@dataclass(frozen=True)
class DecisionsResult:
    by_routes: tuple[RouteCountResult, ...]
    customers: int
    #: how the senders were found: email, domain, or not at all (unknown)
    senders: dict[str, int]
    #: the samples used, and those skipped with why
    events: tuple[str, ...]
    skipped: tuple[str, ...]
    channels: dict[str, int]
    compile_runs: int
    budget_rate: int = BUDGET_RATE
    budget_p99_ms: float = BUDGET_P99_MS

    def at(self, routes: int) -> RouteCountResult | None:
        return next((r for r in self.by_routes if r.routes == routes), None)

    @property
    def rate_verdict(self) -> str | None:
        found = self.at(BUDGET_RATE_ROUTES)
        return None if found is None else "PASS" if found.decide.per_second >= self.budget_rate else "UNDER"

    @property
    def p99_verdict(self) -> str | None:
        found = self.at(BUDGET_P99_ROUTES)
        return None if found is None else "PASS" if found.decide.p99_ms <= self.budget_p99_ms else "OVER"

    def to_dict(self) -> dict[str, Any]:
        return {
            "customers": self.customers,
            "senders": self.senders,
            "events": list(self.events),
            "skipped_samples": list(self.skipped),
            "channels": self.channels,
            "compile_runs": self.compile_runs,
            "budgets": {
                "decide_per_second": {
                    "routes": BUDGET_RATE_ROUTES,
                    "min": self.budget_rate,
                    "verdict": self.rate_verdict,
                },
                "decide_p99_ms": {"routes": BUDGET_P99_ROUTES, "max": self.budget_p99_ms, "verdict": self.p99_verdict},
            },
            "by_routes": [r.to_dict() for r in self.by_routes],
        }


def _spread(pool: Sequence[Input], count: int) -> list[Input]:
    """``count`` inputs evenly through the (time-ordered) pool, so every subset still spans the week."""
    return [pool[k * len(pool) // count] for k in range(count)]


def default_decisions(routes: int) -> int:
    return DECISIONS if routes <= 100 else DECISIONS_LARGE


def run(
    route_counts: Sequence[int] = ROUTE_COUNTS,
    customers: int = CUSTOMERS,
    decisions: int | None = None,
    compile_runs: int = COMPILE_RUNS,
    progress: Callable[[str], None] | None = None,
) -> DecisionsResult:
    """Compile each rule set, then time (a) and (b) over the same inputs; ``decisions`` None: the defaults per size."""
    say = progress or (lambda _: None)
    shipped_text = RULES_YAML.read_text("utf-8")
    rule_sets = []
    for n in route_counts:
        say(f"compiling {n} routes")
        rule_sets.append(build_rules(n, compile_runs, shipped_text))
    people = make_customers(customers)
    directory = MemoryDirectory(people)
    wanted = {n: decisions or default_decisions(n) for n in route_counts}
    # the signals depend on the urgency section only, the same in every rule set
    samples, skipped = sample_events()
    pool = make_inputs(max(wanted.values()), samples, people, directory, rule_sets[0].rules)
    results = []
    for rule_set in rule_sets:
        rules, inputs = rule_set.rules, _spread(pool, wanted[rule_set.routes])
        warmup = min(500, max(10, len(inputs) // 10))

        def alone(x: Input, rules: CompiledRules = rules) -> tuple[str, ...]:
            return decide(x.event, x.customer, x.now, rules, x.signals).route_path

        def full(x: Input, rules: CompiledRules = rules) -> tuple[str, ...]:
            customer = customer_for(x.event, directory)
            return decide(x.event, customer, x.now, rules, signals_for(x.event, rules, x.recent)).route_path

        say(f"{rule_set.routes} routes: {len(inputs):,} decisions, decide() alone")
        timing, paths = _timed(alone, inputs, warmup)
        say(f"{rule_set.routes} routes: {len(inputs):,} decisions, lookup + signals + decide()")
        full_timing, _ = _timed(full, inputs, warmup)
        results.append(
            RouteCountResult(
                routes=rule_set.routes,
                synthetic=len(rule_set.synthetic),
                build_ms=rule_set.build_ms,
                load_ms=rule_set.load_ms,
                decide=timing,
                full=full_timing,
                synthetic_matched=sum(1 for p in paths if not rule_set.synthetic.isdisjoint(p)),
                final_routes=dict(Counter(p[-1] for p in paths).most_common()),
            )
        )
    senders = Counter(x.customer.matched_by or "unknown" for x in pool)
    return DecisionsResult(
        by_routes=tuple(results),
        customers=customers,
        senders=dict(senders.most_common()),
        events=tuple(sorted({x.sample for x in pool})),
        skipped=tuple(skipped),
        channels=dict(Counter(x.event.channel.value for x in pool).most_common()),
        compile_runs=compile_runs,
    )


def _contended(timing: Timing) -> str:
    # a verdict from a contended run can flip on a quiet one (p99 first): say so beside it
    if timing.others_cpu is None or timing.others_cpu < BUSY:
        return ""
    return f"; *other processes used {timing.others_cpu:.2f} CPU meanwhile"


def format_report(result: DecisionsResult) -> str:
    total = sum(result.senders.values())
    mix = ", ".join(f"{100 * n / total:.0f}% {how}" for how, n in result.senders.items())
    channels = ", ".join(f"{100 * n / total:.0f}% {channel}" for channel, n in result.channels.items())
    lines = [
        f"Decisions – one thread, {result.customers:,} cached customers, {len(result.events)} sample events re-addressed "
        f"(senders found by {mix}; channels {channels}), times spread over {WEEK_START:%a %d %b %Y} + 7 days",
    ]
    if result.skipped:
        # named, so a sample that stops parsing is noticed rather than quietly changing the mix
        per_provider = Counter(name.split("/", 1)[0] for name in result.skipped)
        lines.append(
            f"  {len(result.skipped)} samples skipped, not parsed into a message by cli/offline.event_from_file "
            f"({', '.join(f'{p} {n}' for p, n in sorted(per_provider.items()))}; each with its reason in --json)"
        )
    lines += [
        f"  rules compiled once per container (median of {result.compile_runs}; synthetic routes before the shipped ones):",
        "    routes  synthetic   build ms (YAML → JSON, `make rules`)   load ms (JSON → CompiledRules, the container's cost)",
    ]
    for r in result.by_routes:
        lines.append(
            f"    {r.routes:6d}  {r.synthetic:9d}   {statistics.median(r.build_ms):8.1f}"
            f"{'':29}{statistics.median(r.load_ms):8.1f}"
        )
    for alone, title in (
        (True, "(a) decide() alone, customer and signals given – the budgets apply here"),
        (False, "(b) per message on triage's CPU: directory lookup + signals (VADER tone) + decide()"),
    ):
        lines.append(f"  {title}")
        head = "    routes  decisions    per second    p50 ms    p99 ms    max ms   others' CPU"
        lines.append(head + ("   matched a synthetic route" if alone else ""))
        for r in result.by_routes:
            t = r.decide if alone else r.full
            extra = f"   {r.synthetic_matched:,d} of {t.count:,d}" if alone else ""
            others = "n/a" if t.others_cpu is None else f"{t.others_cpu:.2f}" + (" *" if t.others_cpu >= BUSY else "  ")
            lines.append(
                f"    {r.routes:6d}  {t.count:9,d}  {t.per_second:12,.0f}  {t.p50_ms:8.3f}  {t.p99_ms:8.3f}"
                f"  {t.max_ms:8.3f}  {others:>12}{extra}"
            )
    timings = [t for r in result.by_routes for t in (r.decide, r.full)]
    if any(t.others_cpu is not None and t.others_cpu >= BUSY for t in timings):
        lines.append(
            f"  * other processes kept ≥ {BUSY} CPU busy while this was timed: on a small or shared machine that"
            " slows these figures down; compare runs made on a quiet machine"
        )
    lines.append("  budgets (decide() alone):")
    rate, p99 = result.at(BUDGET_RATE_ROUTES), result.at(BUDGET_P99_ROUTES)
    if rate is not None:
        per_s = rate.decide.per_second
        note = (
            f"{per_s / result.budget_rate:.2f}× the budget"
            + ("" if per_s >= result.budget_rate else f"; needs {result.budget_rate / per_s:.2f}× faster")
            + _contended(rate.decide)
        )
        lines.append(
            f"    ≥ {result.budget_rate:,}/s at {BUDGET_RATE_ROUTES} routes: {per_s:,.0f}/s  {result.rate_verdict} ({note})"
        )
    if p99 is not None:
        ms = p99.decide.p99_ms
        note = (
            f"{result.budget_p99_ms - ms:.3f} ms to spare"
            if ms <= result.budget_p99_ms
            else f"{ms - result.budget_p99_ms:.3f} ms over"
        ) + _contended(p99.decide)
        lines.append(
            f"    p99 ≤ {result.budget_p99_ms:g} ms at {BUDGET_P99_ROUTES:,} routes: {ms:.3f} ms  {result.p99_verdict} ({note})"
        )
    if rate is None and p99 is None:
        lines.append(f"    not measured (needs {BUDGET_RATE_ROUTES} and {BUDGET_P99_ROUTES:,} routes)")
    return "\n".join(lines)


def summary(result: DecisionsResult) -> str:
    """A sentence for the README line: the two budgeted figures."""
    parts = []
    if (rate := result.at(BUDGET_RATE_ROUTES)) is not None:
        parts.append(
            f"{rate.decide.per_second:,.0f} decisions/s at {BUDGET_RATE_ROUTES} routes "
            f"(budget ≥ {result.budget_rate:,}, {result.rate_verdict})"
        )
    if (p99 := result.at(BUDGET_P99_ROUTES)) is not None:
        parts.append(
            f"p99 {p99.decide.p99_ms:.2f} ms at {BUDGET_P99_ROUTES:,} routes "
            f"(budget ≤ {result.budget_p99_ms:g} ms, {result.p99_verdict})"
        )
    return (
        f"Decisions (decide() alone, one thread, {result.customers:,} customers): {', '.join(parts)}." if parts else ""
    )


def profile(routes: int = 100, decisions: int = 5_000, top: int = 15) -> str:
    """cProfile of decide() alone at ``routes`` routes, top functions by own time (for whoever optimises the engine)."""
    import cProfile
    import io
    import pstats

    rules = build_rules(routes, runs=1).rules
    people = make_customers(CUSTOMERS)
    inputs = make_inputs(decisions, sample_events()[0], people, MemoryDirectory(people), rules)
    for x in inputs[:500]:
        decide(x.event, x.customer, x.now, rules, x.signals)
    profiler = cProfile.Profile()
    profiler.enable()
    for x in inputs:
        decide(x.event, x.customer, x.now, rules, x.signals)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()


def tell(message: str) -> None:
    """Progress on stderr, only for a person watching: the report on stdout stays clean for redirection."""
    if sys.stderr.isatty():
        print(f"  {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.decisions", description=__doc__)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_DECISIONS} decisions per size, one compile")
    parser.add_argument(
        "--profile", type=int, metavar="ROUTES", help="print a cProfile of decide() at ROUTES routes instead"
    )
    args = parser.parse_args(argv)
    if args.profile:
        print(profile(args.profile))
        return 0
    result = run(
        decisions=QUICK_DECISIONS if args.quick else None,
        compile_runs=1 if args.quick else COMPILE_RUNS,
        progress=tell,
    )
    print(format_report(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
