"""The learned reading: its table read word by word, how it combines with the word families, and how it is made."""

from __future__ import annotations

import json
import math
from datetime import datetime
from pathlib import Path

import pytest

from chalicelib.model.customer import Customer
from chalicelib.model.event import Channel, Sender, SupportEvent
from chalicelib.routing.decide import decide
from chalicelib.routing.engine import CompiledRules
from chalicelib.routing.learned import Learned, from_mapping
from cli.compile import RULES_YAML, RulesFileError, compile_file, compile_text
from cli.main import main

TABLE = Learned.from_weights(
    -1.0, {"every": 2.0, "every customer": 1.5, "fine": -3.0, "since": 0.5, "zebra": 9.0, "quokka": -9.0}
)


@pytest.mark.parametrize(
    ("norm", "p", "said"),
    [
        # nothing known: the bias alone
        (" hello there ", 0.2689, ()),
        # a word and the pair it starts count once each, however often they are written
        (" every customer , every customer ", 0.9241, (("every", 2.0), ("every customer", 1.5))),
        # the marks reading.py leaves between words are not words: the pair reads across them
        (" every . customer ", 0.9241, (("every", 2.0), ("every customer", 1.5))),
        # words against a crisis lower it, and are not named as its reasons
        (" every thing is fine since ", 0.1824, (("every", 2.0), ("since", 0.5))),
    ],
)
def test_a_table_reads_words_and_pairs(norm, p, said):
    # GIVEN a small table WHEN a message is read THEN the probability of its words, and the words that weighed most
    lesson = TABLE.read(norm)
    assert lesson.p == pytest.approx(p, abs=1e-4)
    assert lesson.said == said


def test_the_reading_counts_exactly_the_words_and_pairs_the_learner_counted():
    # GIVEN the learner's own analyser (cli/learn.py's settings) and a message with a decimal, a time and marks
    from sklearn.feature_extraction.text import CountVectorizer

    from chalicelib.routing.learned import TOKEN
    from cli.learn import NGRAMS

    norm = " the 2.5 kg box , every day . at 3:30 the box is fine "
    grams = set(CountVectorizer(ngram_range=NGRAMS, token_pattern=TOKEN, lowercase=False).build_analyzer()(norm))
    # WHEN a table weighs each of those once, and weighs what the learner never saw ("2.5": two words to it)
    table = Learned.from_weights(0.0, {**dict.fromkeys(grams, 0.01), "2.5": 5.0})
    # THEN the reading adds exactly the learner's words and pairs, each once
    assert table.read(norm).p == pytest.approx(1 / (1 + math.exp(-0.01 * len(grams))))


def test_the_reason_names_at_most_three_words_heaviest_first():
    lesson = TABLE.read(" zebra every customer since ")
    assert lesson.words() == "'zebra' +9.00, 'every' +2.00, 'every customer' +1.50"


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"weights": {}}, "a number `bias` and a mapping `weights`"),
        ({"bias": 0, "weights": ["every"]}, "a number `bias` and a mapping `weights`"),
        ({"bias": 0, "weights": {"every": "two"}}, "a word \\(or two\\) and a number"),
    ],
)
def test_a_bad_table_is_refused_with_what_is_wrong(data, problem):
    with pytest.raises(ValueError, match=problem):
        from_mapping(data)


@pytest.fixture(scope="module")
def rules() -> CompiledRules:
    # the shipped rules with the small table in place of the learned one: the combination, not the weights
    compiled = compile_file(RULES_YAML)[1]
    assert compiled.model.learned is not None
    _, critical_at, doubt_below = compiled.model.learned
    compiled.model.learned = (TABLE, critical_at, doubt_below)
    return compiled


AT = datetime.fromisoformat("2026-11-24T10:15:00-05:00")


def urgency_of(rules: CompiledRules, text: str) -> tuple[str, int, str]:
    event = SupportEvent(
        event_id="learned-test",
        channel=Channel.WIDGET,
        provider="widget",
        received_at=AT,
        sender=Sender(name="Ada"),
        text=text,
    )
    decision = decide(event, Customer.unknown("Ada"), AT, rules)
    return str(decision.facts["urgency.level"]), int(decision.facts["urgency.score"]), decision.reasons[0]


@pytest.mark.parametrize(
    ("text", "level", "says"),
    [
        # a scene no family has words for, read as a crisis: critical, and its score among the crises'
        ("the zebra is loose in the shop", "critical", "reads as a crisis (1.00, learned from the corpus: 'zebra'"),
        # the sender's own hedge keeps its cap
        ("not urgent, but the site is down for all our users, zebra", "normal", "hedge ('not urgent'): at most normal"),
        # so does one person's problem: the families' level stands
        ("I can't log in, zebra", "normal", "one person's problem, nobody else affected: at most high"),
        # a crisis in the families' words that the table doubts is at most high
        ("the site is down for all our users, quokka", "high", "does not read as a crisis (0.00"),
        # in between, the families decide
        ("the site is down for all our users", "critical", "scope ('for all our users')"),
    ],
)
def test_the_learned_reading_sets_a_floor_or_a_ceiling_the_families_keep_under_their_caps(rules, text, level, says):
    # GIVEN the shipped words and a table WHEN a message is decided THEN its level, and the reason that set it
    got, score, why = urgency_of(rules, text)
    assert got == level
    assert says in why
    # where the reading sets the level, the score agrees with it, so a queue sorted by score keeps it in place
    if "learned from the corpus" in why:
        assert (score >= rules.threshold["critical"]) == (level == "critical")


def test_rules_naming_a_missing_table_are_refused_at_its_line():
    # GIVEN the shipped rules naming a table that is not there
    text = RULES_YAML.read_text(encoding="utf-8").replace("weights: urgency_learned.json", "weights: nowhere.json")
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "nowhere.json" in row)
    # WHEN compiled THEN one problem, at that line, saying what to run
    with pytest.raises(RulesFileError) as caught:
        compile_text(text, "routing.yaml")
    (issue,) = caught.value.issues
    assert issue.line == line
    assert "nowhere.json" in issue.message and "switchboard rules learn" in issue.message


CORPUS = """\
channel: sms
messages:
{}
"""


def _corpus(folder: Path, extra: str = "") -> Path:
    rows = []
    for i in range(12):
        critical = i % 2 == 0
        text = "every customer is stuck since noon" if critical else "how do I change my logo thanks"
        rows.append(
            f'  - {{id: t-{i}, split: tuning, urgency: {"critical" if critical else "low"}, intent: none, text: "{text}"}}'
        )
    rows.append('  - {id: h-1, split: held-out, urgency: critical, intent: none, text: "nobody can pay"}')
    path = folder / "corpus.yaml"
    path.write_text(CORPUS.format("\n".join(rows)) + extra, encoding="utf-8")
    return folder


def test_rules_learn_writes_a_table_from_the_tuning_half_and_check_notices_a_changed_corpus(tmp_path, capsys):
    # GIVEN a corpus of twelve tuning messages and one held out
    corpus = _corpus(tmp_path)
    table = tmp_path / "learned.json"
    # WHEN learned
    assert main(["rules", "learn", str(corpus), "--output", str(table)]) == 0
    data = json.loads(table.read_text(encoding="utf-8"))
    # THEN a table learned from the tuning half alone: crisis words weigh toward critical, others against
    assert data["learned_from"]["messages"] == 12
    assert data["learned_from"]["critical"] == 6
    assert "nobody" not in data["weights"]
    assert data["weights"]["every"] > 0 > data["weights"]["logo"]
    # and --check agrees with it, until a tuning message changes
    assert main(["rules", "learn", str(corpus), "--output", str(table), "--check"]) == 0
    _corpus(tmp_path, '  - {id: t-99, split: tuning, urgency: low, intent: none, text: "thanks"}\n')
    capsys.readouterr()
    assert main(["rules", "learn", str(corpus), "--output", str(table), "--check"]) == 1
    assert "out of date: the tuning half has changed since it was learned" in capsys.readouterr().err


BASE = {"learned_from": {"messages": 2, "critical": 1, "sha256": "x"}, "bias": -1.0, "weights": {"every": 2.0}}


@pytest.mark.parametrize(
    ("fresh", "problem"),
    [
        # the same table, or one within the learner's own rounding, is up to date
        (BASE, None),
        ({**BASE, "weights": {"every": 2.0004}}, None),
        # a weight at the edge of the table, kept by one learner and left out by another
        ({**BASE, "weights": {"every": 2.0, "day": 0.0505}}, None),
        # anything more is not
        ({**BASE, "weights": {"every": 2.1}}, "weights differ by up to 0.1000"),
        ({**BASE, "weights": {"every": 2.0, "down": 0.9}}, "'down' is in one table only"),
        ({**BASE, "bias": -1.2}, "weights differ by up to 0.0000"),
        ({**BASE, "learned_from": {"messages": 3, "critical": 1, "sha256": "y"}}, "the tuning half has changed"),
    ],
)
def test_check_tells_a_table_learned_again_from_one_that_is_out_of_date(fresh, problem):
    from cli.learn import differs

    found = differs(BASE, fresh)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found
