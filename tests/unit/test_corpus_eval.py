"""The labeled corpus as a reviewer meets it: bad entries named by file and line, and `rules eval` on the real one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cli.corpus import CORPUS_DIR, CorpusError, Entry, load, split_of
from cli.main import main

GOOD = """\
channel: sms
messages:
  - {id: a-1, urgency: critical, intent: none, text: "site down pls call"}
  - {id: a-2, urgency: low, intent: none, text: "thx"}
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ('{id: a-3, urgency: urgnet, intent: none, text: "help"}', "a-3'?: urgency 'urgnet': Input should be"),
        ("{id: a-3, urgency: low, intent: none}", "a-3'?: text: Field required"),
        ('{id: a-3, urgency: low, intent: none, text: ""}', "a-3'?: text"),
        ('{id: a-3, urgency: low, intent: maybe, text: "hm"}', "a-3'?: intent 'maybe'"),
        ('{id: a-3, channel: fax, urgency: low, intent: none, text: "hm"}', "a-3'?: channel 'fax'"),
        ('{id: a-3, urgency: low, intent: none, text: "hm", label: x}', "a-3'?: label"),
        ('{id: a-1, urgency: low, intent: none, text: "again"}', r"duplicate id 'a-1' \(first at .*corpus.yaml:3\)"),
    ],
)
def test_a_bad_entry_is_named_by_file_and_line(tmp_path, entry, expected):
    # GIVEN a corpus file whose fifth line is a bad entry
    path = write(tmp_path, "corpus.yaml", GOOD + f"  - {entry}\n")
    # WHEN it is loaded THEN one problem, at that file and line
    with pytest.raises(CorpusError) as caught:
        load(path)
    assert len(caught.value.issues) == 1
    assert re.search(r"corpus\.yaml:5: .*" + expected, caught.value.issues[0]), caught.value.issues[0]


def test_a_duplicate_across_files_names_both_places(tmp_path):
    write(tmp_path, "a.yaml", GOOD)
    write(tmp_path, "b.yaml", "channel: x\nmessages:\n  - {id: a-2, urgency: low, intent: none, text: hi}\n")
    with pytest.raises(CorpusError) as caught:
        load(tmp_path)
    assert caught.value.issues == [f"{tmp_path / 'b.yaml'}:3: duplicate id 'a-2' (first at {tmp_path / 'a.yaml'}:4)"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("channel: sms\n", ":1: a corpus file is a mapping with a `messages:` list"),
        ("messages:\n  - [not, a, mapping]\n", ":2: an entry is a mapping"),
        ("messages:\n  - {id: a, text: [unclosed\n", ": not YAML"),
    ],
)
def test_a_malformed_file_is_named(tmp_path, text, expected):
    with pytest.raises(CorpusError) as caught:
        load(write(tmp_path, "bad.yaml", text))
    assert expected in caught.value.issues[0]


def test_an_entry_channel_overrides_the_file_default(tmp_path):
    path = write(
        tmp_path, "c.yaml", GOOD + '  - {id: a-3, channel: email, subject: Hi, urgency: low, intent: none, text: "x"}\n'
    )
    entries = load(path)
    assert [(e.id, e.channel.value, e.where.rsplit(":", 1)[1]) for e in entries] == [
        ("a-1", "sms", "3"),
        ("a-2", "sms", "4"),
        ("a-3", "email", "5"),
    ]


def test_split_is_stable_and_an_explicit_split_wins():
    # GIVEN the same id twice, and one pinned WHEN split THEN the hash decides the same each time; split: overrides
    base = {"channel": "sms", "urgency": "low", "intent": "none", "text": "x"}
    first, again = Entry.model_validate({"id": "m-1", **base}), Entry.model_validate({"id": "m-1", **base})
    assert split_of(first) == split_of(again)
    other = "tuning" if split_of(first) == "held-out" else "held-out"
    assert split_of(Entry.model_validate({"id": "m-1", "split": other, **base})) == other


def test_the_real_corpus_splits_roughly_in_half_within_each_label():
    # the hash's halves: batches pinned to the tuning half with `split:` are not the hash's choice
    entries = [e for e in load(CORPUS_DIR) if e.split is None]
    for label in ("critical", "high", "normal", "low"):
        chosen = [e for e in entries if e.urgency == label]
        held = sum(split_of(e) == "held-out" for e in chosen)
        assert 0.35 <= held / len(chosen) <= 0.65, label


@pytest.mark.parametrize("split", ["all", "held-out"])
def test_rules_eval_on_the_real_corpus_prints_a_matrix_that_adds_up(capsys, split):
    # GIVEN the real corpus and the shipped rules
    entries = load(CORPUS_DIR)
    size = len(entries) if split == "all" else sum(split_of(e) == "held-out" for e in entries)
    # WHEN evaluated
    code = main(["rules", "eval", "--split", split])
    out = capsys.readouterr().out
    # THEN exit 0 (no --goals), and a matrix whose rows and columns add up to the messages scored
    assert code == 0
    assert f"\n{size} messages (" in out
    rows = {
        m[1]: [int(n) for n in m[2].split()]
        for m in re.finditer(r"^(critical|high|normal|low) +((?:\d+ +){4}\d+) ", out, re.M)
    }
    assert list(rows) == ["critical", "high", "normal", "low"]
    assert all(sum(r[:4]) == r[4] for r in rows.values())
    assert sum(r[4] for r in rows.values()) == size
    totals = re.search(r"^total +((?:\d+ +){4}\d+)$", out, re.M)
    assert totals and [int(n) for n in totals[1].split()] == [sum(r[i] for r in rows.values()) for i in range(5)]
    for line in ("precision", "high-or-above recall for high messages:", "critical given to normal or low:"):
        assert line in out
    assert "buying intent: recall" in out
    assert "churn:" in out
    # every miss names its entry's file and line and gives the facts' reasons
    misses = re.findall(r"^✗ \S+ \(tests/corpus/\w+\.yaml:\d+\) ", out, re.M)
    assert len(misses) == out.count("\n    why: ")


def test_rules_eval_goals_exit_1_when_unmet(capsys, tmp_path):
    # GIVEN a corpus of one critical message the shipped rules cannot know is critical
    path = write(
        tmp_path, "one.yaml", "channel: sms\nmessages:\n  - {id: q-1, urgency: critical, intent: none, text: zzz}\n"
    )
    # WHEN evaluated with --goals THEN the unmet goals are listed and the exit is 1
    code = main(["rules", "eval", str(path), "--goals", "-q"])
    out = capsys.readouterr().out
    assert code == 1
    assert "✗ critical recall:" in out
    assert "✗" not in out.split("goals")[0]  # -q: no miss lines before the figures


def test_rules_eval_reports_a_bad_corpus_and_exits_2(capsys, tmp_path):
    path = write(tmp_path, "bad.yaml", GOOD.replace("urgency: low", "urgency: meh"))
    code = main(["rules", "eval", str(path)])
    err = capsys.readouterr().err
    assert code == 2
    assert "bad.yaml:4: entry 'a-2': urgency 'meh'" in err
    assert err.rstrip().endswith("1 problem in the corpus")


def test_rules_eval_by_file_gives_each_files_figures(capsys, tmp_path):
    # GIVEN a corpus of two files, the second one crisis the rules cannot know is critical
    write(tmp_path, "a.yaml", GOOD)
    write(tmp_path, "b.yaml", "channel: sms\nmessages:\n  - {id: q-1, urgency: critical, intent: none, text: zzz}\n")
    # WHEN evaluated with --by-file
    code = main(["rules", "eval", str(tmp_path), "--by-file", "-q"])
    out = capsys.readouterr().out
    # THEN one line per file after the figures: its messages, then its crises found of its crises
    assert code == 0
    rows = {m[1]: m.groups()[1:] for m in re.finditer(r"^(\w\.yaml) +(\d+)  (\d+) of (\d+) ", out, re.M)}
    assert rows.keys() == {"a.yaml", "b.yaml"}
    assert rows["a.yaml"][0] == "2" and rows["a.yaml"][2] == "1"
    assert rows["b.yaml"] == ("1", "0", "1")
    # a file with no buying message says so rather than 0 of 0
    assert re.search(r"^b\.yaml .* -$", out, re.M)
