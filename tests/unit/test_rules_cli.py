"""`switchboard rules …` as an operator uses it: exit codes, file:line errors, readable decisions."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from chalicelib.routing.loader import CONFIG_DIR
from chalicelib.settings import DEFAULT_RULES_FILE
from cli import rules as rules_cli
from cli.compile import RULES_YAML, compile_file, render
from cli.main import main
from cli.rules import SCHEMA_FILE
from tests.unit.rules_fixture import LITERAL

ROOT = Path(__file__).resolve().parents[2]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_committed_routing_json_is_the_compiled_routing_yaml():
    # a stale routing.json would ship rules nobody reviewed: `make rules` regenerates it
    compiled, _ = compile_file(RULES_YAML)
    assert DEFAULT_RULES_FILE.read_text(encoding="utf-8") == render(compiled), "run `make rules`"


def test_the_committed_json_schema_is_current(capsys):
    code, _, err = run(capsys, "rules", "schema", "--check")
    assert code == 0, err + " (run `make schema`)"
    assert json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))["title"] == "Switchboard routing rules"


def test_validate_accepts_the_shipped_rules(capsys):
    code, out, _ = run(capsys, "rules", "validate")
    assert code == 0
    assert out.startswith("chalicelib/config/routing.yaml: valid (version ")


def test_validate_names_file_line_and_route_and_exits_1(capsys, tmp_path):
    # GIVEN a rules file whose route names a team that does not exist
    broken = tmp_path / "routing.yaml"
    broken.write_text(
        LITERAL.replace("then: {team: sales, priority: P2, defer", "then: {team: billing, priority: P2, defer")
    )
    line = next(i for i, text in enumerate(broken.read_text().splitlines(), 1) if "team: billing" in text)
    # WHEN it is validated THEN exit 1 and one line an operator can jump to
    code, _, err = run(capsys, "rules", "validate", str(broken))
    assert code == 1
    assert f"routing.yaml:{line}: route 'buyer': routes.3.then.team: unknown team 'billing'" in err
    assert err.rstrip().endswith("1 problem in the rules")


def test_validate_warns_about_a_bar_meant_between_phrases_and_still_exits_0(capsys, tmp_path):
    # GIVEN a rules file whose outage words say "is down|not working" (read: "is down working" or "is not working")
    slipped = tmp_path / "routing.yaml"
    slipped.write_text(LITERAL.replace("words: [is down]", "words: [refund, is down|not working]"))
    line = next(i for i, text in enumerate(slipped.read_text().splitlines(), 1) if "is down|not" in text)
    # WHEN it is validated
    code, out, err = run(capsys, "rules", "validate", str(slipped))
    # THEN it is valid, exit 0, and a warning names the file, the line and the pattern's place
    assert code == 0
    assert ": valid (version " in out
    assert (
        f"routing.yaml:{line}: warning: urgency.concepts.outage.words.1: \"is down|not working\": '|' chooses "
        'between single words, so this reads "is down working" or "is not working"'
    ) in err
    assert err.rstrip().endswith("1 warning in the rules")
    # AND with --strict the warning fails the check
    code, _, err = run(capsys, "rules", "validate", "--strict", str(slipped))
    assert code == 1
    assert "warning: urgency.concepts.outage.words.1" in err


def test_validate_is_quiet_about_intended_alternations(capsys, tmp_path):
    # GIVEN rules whose '|' choose between words of one kind
    fine = tmp_path / "routing.yaml"
    fine.write_text(LITERAL.replace("words: [is down]", "words: [is|are down|offline, log|sign in fail*]"))
    # WHEN validated strictly THEN no warning, exit 0
    code, _, err = run(capsys, "rules", "validate", "--strict", str(fine))
    assert (code, err) == (0, "")


def test_compile_check_fails_on_a_stale_output(capsys, tmp_path):
    out = tmp_path / "routing.json"
    out.write_text("{}")
    code, _, err = run(capsys, "rules", "compile", "--check", "--output", str(out))
    assert code == 1 and "out of date" in err and "make rules" in err
    assert run(capsys, "rules", "compile", "--output", str(out))[0] == 0
    assert run(capsys, "rules", "compile", "--check", "--output", str(out))[0] == 0


def test_explain_prints_the_decision_and_every_numbered_reason(capsys):
    code, out, _ = run(capsys, "rules", "explain", "events/widget/vip-outage.json", "--at", "2026-11-24T03:00:00-05:00")
    assert code == 0
    assert "→ P1 support · route key-customer-critical · tier vip" in out
    assert "    1. urgency " in out
    assert "Tue 03:00 America/New_York: closed; opens Tue 09:00" in out
    assert "page now: team founders, Priya Nair (on call, rotation primary)" in out


def test_explain_as_another_customer(capsys):
    code, out, _ = run(
        capsys,
        "rules",
        "explain",
        "events/widget/vip-outage.json",
        "--at",
        "2026-11-24 03:00",
        "--customer",
        "marco@trattoria.example",
    )
    assert code == 0
    assert "route paying-critical" in out and "from Marco Rossi" in out


def test_explain_rejects_a_bad_time_clearly(capsys):
    code, _, err = run(capsys, "rules", "explain", "events/widget/vip-outage.json", "--at", "tomorrow")
    assert code == 2
    assert "--at 'tomorrow': use 2026-11-24T03:00:00-05:00" in err


def test_the_shipped_routing_tests_pass(capsys):
    code, out, _ = run(capsys, "rules", "test")
    assert code == 0
    assert out.strip().splitlines()[-1].endswith(" passed, 0 failed")


def test_a_failing_expectation_exits_1_and_says_what_differs(capsys, tmp_path):
    # GIVEN an expectation the shipped rules do not meet
    suite = tmp_path / "wrong.tests.yaml"
    suite.write_text(
        f"rules: {RULES_YAML}\n"
        "cases:\n"
        "  - name: a free how-to at night is NOT P1\n"
        "    event: events/widget/free-howto.json\n"
        "    at: 2026-11-24T03:00:00\n"
        "    expect: {priority: P1, page: [founders]}\n"
    )
    code, out, _ = run(capsys, "rules", "test", str(suite))
    assert code == 1
    assert f"✗ a free how-to at night is NOT P1 ({suite}:3)" in out
    assert "priority: expected P1, got P4" in out
    assert "page: expected ['founders'], got []" in out
    assert out.strip().splitlines()[-1] == "0 passed, 1 failed"


def test_diff_prints_every_decision_that_changes(capsys, tmp_path):
    # GIVEN new rules where free users at night become P3
    new = tmp_path / "routing.yaml"
    text = RULES_YAML.read_text()
    marker = "  - name: free-after-hours"
    head, tail = text.split(marker)
    new.write_text(head + marker + tail.replace("priority: P4", "priority: P3", 1))
    # WHEN diffed against the shipped rules over one week
    code, out, _ = run(
        capsys, "rules", "diff", "--rules", str(new), "--against", str(RULES_YAML), "--week", "2026-11-23"
    )
    # THEN only the free user's out-of-hours decisions change
    assert code == 0
    changed = [line for line in out.splitlines() if "→" in line and "rules" not in line]
    # the free user (Sam) writes through the widget and by email: only those decisions change, only their priority
    assert changed and all(line.endswith("priority P4 → P3") for line in changed)
    assert "widget/free-howto            Mon 03:00  priority P4 → P3" in out
    assert re.search(rf"\n{len(changed)} of \d+ decisions change", out)


@pytest.mark.parametrize(
    ("bias_then", "changes"),
    [
        (None, False),  # the same table at the revision: nothing changes
        (-50.0, True),  # a table that doubts every message: the crises are read otherwise
    ],
)
def test_diff_against_a_revision_reads_that_revisions_learned_table(capsys, monkeypatch, bias_then, changes):
    # GIVEN a revision whose rules are today's and whose learned table is today's or another
    table = json.loads((CONFIG_DIR / "urgency_learned.json").read_text(encoding="utf-8"))
    if bias_then is not None:
        table["bias"] = bias_then
    files = {
        Path("chalicelib/config/routing.yaml"): RULES_YAML.read_text(encoding="utf-8"),
        Path("chalicelib/config/urgency_learned.json"): json.dumps(table),
    }
    shown: list[tuple[str, Path]] = []

    def git_show(revision: str, relative: Path) -> str:
        shown.append((revision, relative))
        return files[relative]

    monkeypatch.setattr(rules_cli, "_git_show", git_show)
    # WHEN the shipped rules are diffed against that revision
    code, out, _ = run(capsys, "rules", "diff", "--against", "v1", "--week", "2026-11-23")
    # THEN both files were read at the revision, and the table's change shows in the decisions
    assert code == 0
    assert shown == [("v1", path) for path in files]
    counted = re.search(r"\n(\d+) of \d+ decisions change", out)
    assert counted is not None
    assert (int(counted.group(1)) > 0) is changes


@pytest.mark.parametrize(
    ("outside", "says"),
    [
        (False, "not a file, and git cannot show chalicelib/config/routing.yaml at no-such-revision"),
        (True, "a git revision compares the project's own rules, and "),
    ],
)
def test_diff_against_a_revision_it_cannot_read_says_why_in_one_line(capsys, tmp_path, outside, says):
    # GIVEN a revision git does not know, or rules from outside the project that git cannot have
    rules = ["--rules", str(tmp_path / "routing.yaml")] if outside else []
    if outside:
        (tmp_path / "routing.yaml").write_text(RULES_YAML.read_text(encoding="utf-8"), encoding="utf-8")
    # WHEN diffed against it
    with pytest.raises(SystemExit) as exited:
        run(capsys, "rules", "diff", *rules, "--against", "no-such-revision", "--week", "2026-11-23")
    # THEN one line says why
    assert says in str(exited.value)
