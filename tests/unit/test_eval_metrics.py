"""The corpus scores' arithmetic, on hand-made confusions whose recall and precision are known."""

from __future__ import annotations

import pytest

from cli.eval_metrics import Confusion, Detection, Outcome, goals, score

# 10 critical: 8 right, 1 called high, 1 called low; 5 high: 2 right, 2 called normal, 1 critical;
# 6 normal: 4 right, 2 called critical; 4 low: 4 right
PAIRS = (
    [("critical", "critical")] * 8
    + [("critical", "high"), ("critical", "low")]
    + [("high", "high")] * 2
    + [("high", "normal")] * 2
    + [("high", "critical")]
    + [("normal", "normal")] * 4
    + [("normal", "critical")] * 2
    + [("low", "low")] * 4
)


@pytest.mark.parametrize(
    ("level", "recall", "precision"),
    [
        ("critical", 8 / 10, 8 / 11),  # 11 called critical: 8 + 1 high + 2 normal
        ("high", 2 / 5, 2 / 3),  # 3 called high: 2 + 1 critical
        ("normal", 4 / 6, 4 / 6),  # 6 called normal: 4 + 2 high
        ("low", 4 / 4, 4 / 5),  # 5 called low: 4 + 1 critical
    ],
)
def test_recall_and_precision_per_level(level, recall, precision):
    # GIVEN the hand-made confusion WHEN scored per level THEN the shares counted by hand
    confusion = Confusion.of(PAIRS)
    assert confusion.recall(level) == pytest.approx(recall)
    assert confusion.precision(level) == pytest.approx(precision)


@pytest.mark.parametrize(
    ("measure", "expected"),
    [
        (lambda c: c.at_least("high", "high"), 3 / 5),  # 2 high + 1 critical of 5
        (lambda c: c.at_least("critical", "high"), 9 / 10),
        (lambda c: c.at_least("normal", "low"), 6 / 6),  # every level is at least low
        (lambda c: c.given("critical", ("normal", "low")), 2 / 10),  # 2 of 6 normal + 4 low
        (lambda c: c.total(), 25),
        (lambda c: c.labeled("critical"), 10),
        (lambda c: c.predicted("critical"), 11),
    ],
)
def test_derived_shares(measure, expected):
    assert measure(Confusion.of(PAIRS)) == pytest.approx(expected)


def test_a_level_nobody_has_is_not_a_score():
    # GIVEN no message labeled or predicted high WHEN asked THEN "no such messages", not 0% or 100%
    confusion = Confusion.of([("low", "low")])
    assert confusion.recall("high") is None
    assert confusion.precision("high") is None
    assert confusion.at_least("high", "high") is None


@pytest.mark.parametrize(
    ("pairs", "recall", "false_rate", "precision"),
    [
        # 3 labeled: 2 found; 7 not labeled: 1 found
        ([(True, True)] * 2 + [(True, False)] + [(False, True)] + [(False, False)] * 6, 2 / 3, 1 / 7, 2 / 3),
        ([(True, True)] * 4, 1.0, None, 1.0),
        ([(False, False)] * 4, None, 0.0, None),
    ],
)
def test_detection(pairs, recall, false_rate, precision):
    d = Detection.of(pairs)
    assert d.recall() == (pytest.approx(recall) if recall is not None else None)
    assert d.false_rate() == (pytest.approx(false_rate) if false_rate is not None else None)
    assert d.precision() == (pytest.approx(precision) if precision is not None else None)


def test_score_without_a_churn_fact_has_no_churn_figure():
    # GIVEN outcomes from rules that have no churn fact WHEN scored THEN churn is absent, buying counted
    outcomes = [Outcome("high", "low", "buying", True), Outcome("low", "low", "churn", False)]
    scores = score(outcomes)
    assert scores.churn is None
    assert scores.buying == Detection(tp=1, fn=0, fp=0, tn=1)
    assert scores.urgency.cell("high", "low") == 1


def test_score_with_a_churn_fact():
    outcomes = [Outcome("low", "low", "churn", False, churn=True), Outcome("low", "low", "none", False, churn=True)]
    assert score(outcomes).churn == Detection(tp=1, fn=0, fp=1, tn=0)


@pytest.mark.parametrize(
    ("outcomes", "unmet"),
    [
        # every message right: every goal met
        (
            [
                Outcome("critical", "critical", "buying", True),
                Outcome("high", "high", "none", False),
                Outcome("normal", "normal", "none", False),
                Outcome("low", "low", "none", False),
            ],
            [],
        ),
        # a critical called high, a high called critical (still high-or-above), a low called critical, buying missed
        (
            [
                Outcome("critical", "high", "buying", False),
                Outcome("high", "critical", "none", False),
                Outcome("low", "critical", "none", False),
            ],
            ["critical recall", "critical given to normal or low", "buying intent recall"],
        ),
        # no labeled messages at all: nothing measured is nothing met
        (
            [],
            [
                "critical recall",
                "high-or-above recall for high messages",
                "critical given to normal or low",
                "buying intent recall",
                "buying intent false-positive rate",
            ],
        ),
    ],
)
def test_goals(outcomes, unmet):
    # GIVEN outcomes WHEN checked against issue 11's goals THEN exactly these are unmet
    assert [g.name for g in goals(score(outcomes)) if not g.met] == unmet
