"""`switchboard rules eval`: run the labeled corpus through the rules' urgency and intent facts and score them.

Each message is decided as a stranger's at one fixed moment (a Tuesday 10:00 in the rules' zone):
the urgency and intent facts read only the message, so neither the sender nor the hour should
change them, and a fixed moment keeps every run the same.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

from chalicelib.model.customer import Customer
from chalicelib.model.event import Sender, SupportEvent
from chalicelib.routing.decide import decide
from chalicelib.routing.engine import CompiledRules
from chalicelib.routing.sentiment import signals_for
from cli.compile import RulesFileError, compile_file, display
from cli.corpus import CorpusError, Entry, load, split_of
from cli.eval_metrics import LEVELS, Confusion, Detection, Outcome, Scores, goals, score

#: a plain business-day morning: the moment does not enter urgency or intent
MOMENT = (2026, 11, 24, 10, 0)


def event_for(entry: Entry, at: datetime) -> SupportEvent:
    return SupportEvent(
        event_id=f"corpus:{entry.id}",
        channel=entry.channel,
        provider="corpus",
        received_at=at,
        sender=Sender(name="Corpus Sender"),
        text=entry.text,
        subject=entry.subject,
    )


def predict(entry: Entry, rules: CompiledRules, at: datetime) -> tuple[Outcome, list[str]]:
    """What the rules make of one message, and the reasons they give for its urgency and intent."""
    event = event_for(entry, at)
    decision = decide(event, Customer.unknown("Corpus Sender"), at, rules, signals_for(event, rules))
    facts = decision.facts
    churn = facts.get("intent.churn")
    outcome = Outcome(
        urgency=entry.urgency,
        predicted=str(facts["urgency.level"]),
        intent=entry.intent,
        buying=bool(facts["intent.buying"]),
        churn=None if churn is None else bool(churn),
    )
    # gather() gives the urgency reason first and the prospect's intent second
    return outcome, list(decision.reasons[:2])


def _pct(value: float | None) -> str:
    return "  n/a" if value is None else f"{value:5.0%}"


def matrix(confusion: Confusion) -> list[str]:
    width = max(len(level) for level in LEVELS) + 2
    head = "labeled \\ predicted".ljust(22) + "".join(level.rjust(width) for level in LEVELS)
    lines = [head + "total".rjust(width) + "recall".rjust(width)]
    for label in LEVELS:
        cells = "".join(str(confusion.cell(label, guess)).rjust(width) for guess in LEVELS)
        total = str(confusion.labeled(label)).rjust(width)
        lines.append(label.ljust(22) + cells + total + _pct(confusion.recall(label)).rjust(width))
    lines.append(
        "total".ljust(22)
        + "".join(str(confusion.predicted(g)).rjust(width) for g in LEVELS)
        + str(confusion.total()).rjust(width)
    )
    lines.append("precision".ljust(22) + "".join(_pct(confusion.precision(g)).rjust(width) for g in LEVELS))
    return lines


def _detection(name: str, d: Detection) -> str:
    return (
        f"{name}: recall {_pct(d.recall()).strip()} ({d.tp} of {d.tp + d.fn}), "
        f"false-positive rate {_pct(d.false_rate()).strip()} ({d.fp} of {d.fp + d.tn}), "
        f"precision {_pct(d.precision()).strip()}"
    )


def summary(scores: Scores) -> list[str]:
    u = scores.urgency
    lines = ["urgency (rows: the label; columns: what the rules said)", *matrix(u), ""]
    lines.append(f"high-or-above recall for high messages: {_pct(u.at_least('high', 'high')).strip()}")
    lines.append(f"critical given to normal or low: {_pct(u.given('critical', ('normal', 'low'))).strip()}")
    lines.append(_detection("buying intent", scores.buying))
    lines.append(_detection("churn", scores.churn) if scores.churn else "churn: no churn fact in the rules yet")
    return lines


def _count(part: int, whole: int) -> str:
    return f"{part} of {whole}" if whole else "-"


def by_file(scored: list[tuple[Entry, Outcome]]) -> list[str]:
    """One line per corpus file, in the order loaded: where the misses are, as figures only.

    Meant for the held-out half, which is read as figures and never message by message: a file
    whose critical recall stands apart says which kind of writing the model reads least.
    """
    files: dict[str, list[Outcome]] = {}
    for entry, outcome in scored:
        files.setdefault(Path(entry.where.rsplit(":", 1)[0]).name, []).append(outcome)
    width = max((len(name) for name in files), default=4) + 2
    lines = [
        "by file".ljust(width)
        + "messages".rjust(9)
        + "  critical recall".ljust(20)
        + "high or above".ljust(16)
        + "critical to normal/low".ljust(24)
        + "buying recall"
    ]
    for name, outcomes in files.items():
        s = score(outcomes)
        u, b = s.urgency, s.buying
        quiet = u.labeled("normal") + u.labeled("low")
        lines.append(
            name.ljust(width)
            + str(len(outcomes)).rjust(9)
            + "  "
            + _count(u.cell("critical", "critical"), u.labeled("critical")).ljust(18)
            + _count(u.cell("high", "critical") + u.cell("high", "high"), u.labeled("high")).ljust(16)
            + _count(u.cell("normal", "critical") + u.cell("low", "critical"), quiet).ljust(24)
            + _count(b.tp, b.tp + b.fn)
        )
    return lines


def miss_lines(entry: Entry, outcome: Outcome, reasons: list[str]) -> list[str]:
    """Nothing for a message the rules got right; else what differs and the reasons the facts gave."""
    problems = []
    if outcome.predicted != outcome.urgency:
        problems.append(f"urgency: labeled {outcome.urgency}, got {outcome.predicted}")
    if outcome.buying != (outcome.intent == "buying"):
        problems.append(
            "buying intent: " + ("labeled buying, not found" if not outcome.buying else "found, not labeled")
        )
    if outcome.churn is not None and outcome.churn != (outcome.intent == "churn"):
        problems.append("churn: " + ("labeled churn, not found" if not outcome.churn else "found, not labeled"))
    if not problems:
        return []
    said = " ".join(((entry.subject + " | ") if entry.subject else "").split() + entry.text.split())
    said = said if len(said) <= 100 else said[:99] + "…"
    lines = [f"✗ {entry.id} ({entry.where}) [{entry.channel.value}] {said!r}"]
    lines += [f"    {p}" for p in problems]
    lines.append("    why: " + "\n         ".join(reasons))
    return lines


def run_eval(corpus: Path, split: str, rules_path: Path, check_goals: bool, quiet: bool, per_file: bool = False) -> int:
    try:
        entries = load(corpus)
    except CorpusError as exc:
        for issue in exc.issues:
            print(issue, file=sys.stderr)
        print(f"{len(exc.issues)} problem{'s' if len(exc.issues) != 1 else ''} in the corpus", file=sys.stderr)
        return 2
    try:
        rules = compile_file(rules_path)[1]
    except RulesFileError as error:
        for problem in error.issues:
            print(problem, file=sys.stderr)
        return 1
    chosen = [e for e in entries if split == "all" or split_of(e) == split]
    at = datetime(*MOMENT, tzinfo=rules.default_calendar.timezone)
    outcomes = []
    for entry in chosen:
        outcome, reasons = predict(entry, rules, at)
        outcomes.append(outcome)
        if not quiet:
            for line in miss_lines(entry, outcome, reasons):
                print(line)
    scores = score(outcomes)
    part = "all" if split == "all" else f"the {split} half"
    print(f"\n{len(chosen)} messages ({part} of {display(corpus)}) through {display(rules_path)}")
    print("\n".join(summary(scores)))
    if per_file:
        print("\n" + "\n".join(by_file(list(zip(chosen, outcomes, strict=True)))))
    if not check_goals:
        return 0
    print("\ngoals (issue 11, on the held-out half):")
    unmet = 0
    for g in goals(scores):
        sign = "≤" if g.at_most else "≥"
        mark = "✓" if g.met else "✗"
        unmet += not g.met
        print(f"  {mark} {g.name}: {_pct(g.value).strip()} (goal {sign} {g.bound:.0%})")
    print(f"{unmet} goal{'s' if unmet != 1 else ''} unmet" if unmet else "all goals met")
    return 1 if unmet else 0
