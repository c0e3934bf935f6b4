"""Every corpus message is understood exactly as it was when the golden file was written.

A guard for optimisations of the urgency model (understanding.py, patterns.py, reading.py): a
faster engine must not change judgement. The golden file holds, per message of tests/corpus, the
level, score, intent facts, what the model understood (points, parts and notes, cap, concepts) and
the decision's urgency and intent reasons, one JSON object a line so a difference reads as a diff.

A deliberate change to the rules' words or the corpus changes these on purpose: regenerate with
``python -m tests.unit.test_understanding_golden --write`` and review the diff.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from chalicelib.model.customer import Customer
from chalicelib.routing.decide import decide
from chalicelib.routing.loader import load_rules
from chalicelib.routing.sentiment import signals_for
from cli.corpus import CORPUS_DIR, load
from cli.evaluate import MOMENT, event_for

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "understanding.jsonl"


def judgements() -> list[dict[str, Any]]:
    """What the shipped rules make of each corpus message, as the golden file records it."""
    rules = load_rules()
    at = datetime(*MOMENT, tzinfo=rules.default_calendar.timezone)
    stranger = Customer.unknown("Corpus Sender")
    out = []
    for entry in load(CORPUS_DIR):
        event = event_for(entry, at)
        decision = decide(event, stranger, at, rules, signals_for(event, rules))
        local = at.astimezone(rules.default_calendar.timezone)
        understood = rules.model.read(event.channel.value, event.subject or "", event.text, local)
        facts = decision.facts
        out.append(
            {
                "id": entry.id,
                "level": facts["urgency.level"],
                "score": facts["urgency.score"],
                "buying": facts["intent.buying"],
                "churn": facts.get("intent.churn"),
                "concepts": facts.get("urgency.concepts"),
                "understood": {name: getattr(understood, name) for name in understood._fields},
                # gather() gives the urgency reason first and the prospect's intent second
                "reasons": list(decision.reasons[:2]),
            }
        )
    return out


def _lines(records: list[dict[str, Any]]) -> list[str]:
    return [json.dumps(r, ensure_ascii=False, sort_keys=True) for r in records]


def test_every_corpus_message_is_understood_as_the_golden_file_says() -> None:
    # GIVEN the golden judgements of every corpus message
    expected = GOLDEN.read_text("utf-8").splitlines()
    # WHEN the shipped rules read the corpus again
    actual = _lines(judgements())
    # THEN each message gets the same level, score, intent, concepts and reasons
    assert len(actual) == len(expected)
    changed = [f"was {e}\nnow {a}" for e, a in zip(expected, actual, strict=True) if e != a]
    assert not changed, f"{len(changed)} messages judged differently:\n" + "\n".join(changed[:5])


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python -m tests.unit.test_understanding_golden --write")
    GOLDEN.write_text("\n".join(_lines(judgements())) + "\n", "utf-8")
