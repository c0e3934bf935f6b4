"""`switchboard rules learn`: learn the urgency model's second reading from the labeled corpus's tuning half.

Logistic regression (scikit-learn, a build-time tool like PyYAML: the Lambda reads only the table it
writes) over every word and pair of neighbouring words of each message, as the model reads it
(Model.normalised: an email's new words, normalised). The label is whether the message is critical.
Only the tuning half is learned from: the held-out half stays the measure of every change.

The table is written with the hash of what it was learned from, so `make test` notices a corpus that
changed without the table being learned again (`--check`), and says which command to run.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from chalicelib.routing.engine import CompiledRules
from chalicelib.routing.learned import TOKEN
from cli.compile import display
from cli.corpus import Entry, split_of

#: how the words are counted and weighed; the model reads the same features (routing/learned.py)
NGRAMS = (1, 2)
#: a word or pair in fewer tuning messages than this is not learned from: too rare to say anything
MIN_MESSAGES = 3
#: inverse regularisation strength; 0.3 or 3 moved the figures of the batches left out by fewer than 10 crises (README)
STRENGTH = 1.0
#: weights are kept to this many decimals: the table stays small and diffs stay readable
DECIMALS = 4
#: lighter weights are left out: together they barely move a probability, and each costs a cold start time to load
SMALLEST = 0.05
#: two tables learned from the same messages agree to within this (the learner's own rounding)
TOLERANCE = 1e-3


def learned_from(entries: Sequence[Entry]) -> str:
    """A hash of what the table learns from: each tuning message's id, label, channel, subject and text."""
    digest = hashlib.sha256()
    for e in sorted(entries, key=lambda e: e.id):
        digest.update(json.dumps([e.id, e.urgency == "critical", e.channel.value, e.subject, e.text]).encode())
    return digest.hexdigest()


def learn(entries: Sequence[Entry], rules: CompiledRules) -> dict[str, Any]:
    """The weights table, learned from ``entries`` (the tuning half) as ``rules``' model reads them."""
    import sklearn
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression

    chosen = sorted(entries, key=lambda e: e.id)
    texts = [rules.model.normalised(e.channel.value, e.subject or "", e.text)[1] for e in chosen]
    critical = [e.urgency == "critical" for e in chosen]
    counted = CountVectorizer(
        ngram_range=NGRAMS, binary=True, min_df=MIN_MESSAGES, token_pattern=TOKEN, lowercase=False
    )
    features = counted.fit_transform(texts)
    learner = LogisticRegression(C=STRENGTH, max_iter=5000).fit(features, critical)
    weights = {
        gram: round(float(w), DECIMALS)
        for gram, w in zip(counted.get_feature_names_out(), learner.coef_[0], strict=True)
        if abs(round(float(w), DECIMALS)) >= SMALLEST
    }
    return {
        "about": "learned by `switchboard rules learn` from the labeled corpus's tuning half; do not edit by hand",
        "learned_from": {
            "messages": len(chosen),
            "critical": sum(critical),
            "sha256": learned_from(chosen),
        },
        "settings": {
            "ngrams": list(NGRAMS),
            "min_messages": MIN_MESSAGES,
            "strength": STRENGTH,
            "scikit_learn": sklearn.__version__,
        },
        "bias": round(float(learner.intercept_[0]), DECIMALS),
        "weights": weights,
    }


def render(table: dict[str, Any]) -> str:
    # one weight a line, in order: a re-learned table diffs word by word
    return json.dumps(table, indent=1, sort_keys=True) + "\n"


def differs(shipped: dict[str, Any], fresh: dict[str, Any]) -> str | None:
    """What makes ``shipped`` not the table ``fresh`` is (learned now), or None when they agree."""
    if shipped.get("learned_from") != fresh["learned_from"]:
        return "the tuning half has changed since it was learned"
    old, new = shipped.get("weights", {}), fresh["weights"]
    worst = 0.0
    for gram in old.keys() | new.keys():
        if gram in old and gram in new:
            worst = max(worst, abs(old[gram] - new[gram]))
        elif abs(old.get(gram, new.get(gram, 0.0))) > SMALLEST + TOLERANCE:
            # a weight just at SMALLEST may be kept by one machine's learner and left out by another's
            return f"{gram!r} is in one table only"
    if abs(shipped.get("bias", 0) - fresh["bias"]) > TOLERANCE or worst > TOLERANCE:
        return f"weights differ by up to {worst:.4f}"
    return None


def run_learn(corpus: Path, rules_path: Path, output: Path | None, check: bool) -> int:
    """``output`` None: the file the rules' ``urgency.learned.weights`` names."""
    from cli.compile import RulesFileError, compile_file, learned_path
    from cli.corpus import CorpusError, load

    try:
        entries = [e for e in load(corpus) if split_of(e) == "tuning"]
        rules = compile_file(rules_path)[1]
    except CorpusError as exc:
        print("\n".join(exc.issues), file=sys.stderr)
        return 2
    except RulesFileError as exc:
        print("\n".join(map(str, exc.issues)), file=sys.stderr)
        return 1
    if output is None:
        spec = rules.document.urgency.model.get("learned")
        if spec is None:
            print(f"{display(rules_path)} names no urgency.learned weights: give --output", file=sys.stderr)
            return 1
        output = learned_path(spec["weights"])
    print(f"learning from {len(entries):,} messages (the tuning half of {display(corpus)})…", file=sys.stderr)
    fresh = learn(entries, rules)
    if check:
        shipped = json.loads(output.read_text(encoding="utf-8")) if output.exists() else {}
        if problem := differs(shipped, fresh):
            print(f"{display(output)} is out of date: {problem}: run `switchboard rules learn`", file=sys.stderr)
            return 1
        print(f"{display(output)} is up to date ({len(fresh['weights']):,} weights)")
        return 0
    output.write_text(render(fresh), encoding="utf-8")
    print(
        f"wrote {display(output)}: {len(fresh['weights']):,} weights from {fresh['learned_from']['messages']:,} "
        f"messages, {fresh['learned_from']['critical']:,} of them critical"
    )
    return 0
