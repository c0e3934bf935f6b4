"""Rule sets for the decisions benchmark: the shipped rules with synthetic routes inserted before their own."""

from __future__ import annotations

import json
import random
import re
import time
from dataclasses import dataclass
from typing import Any

import yaml

from chalicelib.routing.engine import CompiledRules
from chalicelib.routing.loader import from_compiled
from cli.compile import RULES_YAML, compile_text, render

SEED = 20261116
COMPILE_RUNS = 3

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


def shipped_route_count(shipped_text: str) -> int:
    """How many routes the shipped rules have: the smallest size a benchmark can build from them."""
    return len(yaml.safe_load(shipped_text)["routes"])


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
