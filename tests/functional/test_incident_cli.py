"""`switchboard incident` against moto: open by hand, announce maintenance, list, refuse bad input with exit 2."""

from __future__ import annotations

import pytest

from chalicelib import bootstrap
from chalicelib.incidents.model import Status
from cli import incident as incident_cli
from cli.main import main as switchboard
from tests.functional.conftest import NIGHT


@pytest.fixture
def table(aws, monkeypatch):
    monkeypatch.setattr(incident_cli, "clock", lambda: NIGHT)
    monkeypatch.setenv("SWITCHBOARD_STATUS_URL", "https://api.example.com/prod/status")
    return ["--table", aws.settings.tickets_table]


def test_open_by_hand_then_maintenance_then_list(table, capsys):
    # WHEN the operator opens an incident and announces maintenance
    assert switchboard(["incident", "open", "--title", "Email delayed", "--component", "messaging",
                        "-m", "Investigating delays.", "--by", "dana", *table]) == 0  # fmt: skip
    assert switchboard(["incident", "maintenance", "--title", "Database upgrade", "--start", "2026-11-18T02:00Z",
                        "--end", "2026-11-18T03:00+00:00", "-m", "Read-only for an hour.", *table]) == 0  # fmt: skip
    capsys.readouterr()
    # THEN both are listed open, times in UTC, and the hand-opened one is where reports link
    assert switchboard(["incident", "list", *table]) == 0
    listed = capsys.readouterr().out
    assert "investigating" in listed and "scheduled" in listed and "2026-11-18 02:00 UTC" in listed
    active = bootstrap.container().incidents_table.active()
    assert active is not None and active.title == "Email delayed" and active.status is Status.INVESTIGATING


def test_the_history_lists_closed_ones_too(table, capsys):
    switchboard(["incident", "open", "--title", "API errors", "-m", "Looking.", *table])
    (incident,) = bootstrap.container().incidents_table.open_incidents()
    assert switchboard(["incident", "resolve", incident.incident_id, "-m", "Fixed.", *table]) == 0
    capsys.readouterr()
    assert switchboard(["incident", "list", *table]) == 0
    assert capsys.readouterr().out.strip() == "no open incidents"
    assert switchboard(["incident", "list", "--days", "90", *table]) == 0
    assert "resolved" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        pytest.param(["show", "I-0000000000"], "no incident I-0000000000", id="unknown"),
        pytest.param(
            ["open", "--title", "x", "--component", "teleport", "-m", "y"], "unknown component", id="component"
        ),
        pytest.param(
            ["maintenance", "--title", "x", "--start", "2026-11-18T03:00Z", "--end", "2026-11-18T02:00Z", "-m", "y"],
            "end after it starts",
            id="backwards-window",
        ),
    ],
)
def test_bad_input_exits_2_with_one_line(table, capsys, argv, said):
    assert switchboard(["incident", *argv, *table]) == 2
    err = capsys.readouterr().err
    assert said in err and err.count("\n") == 1


def test_a_time_without_a_zone_is_refused_by_the_parser(table, capsys):
    with pytest.raises(SystemExit) as exit_:
        switchboard(["incident", "maintenance", "--title", "x", "--start", "2026-11-18T02:00", "--end",
                     "2026-11-18T03:00Z", "-m", "y", *table])  # fmt: skip
    assert exit_.value.code == 2 and "has no zone" in capsys.readouterr().err


def test_without_a_table_it_says_how_to_name_one(monkeypatch, capsys):
    monkeypatch.delenv("TICKETS_TABLE", raising=False)
    assert switchboard(["incident", "list"]) == 2
    assert "pass --table NAME, --stage STAGE or --local" in capsys.readouterr().err


def test_help_names_every_command(capsys):
    with pytest.raises(SystemExit):
        switchboard(["incident", "--help"])
    out = capsys.readouterr().out
    for command in ("list", "show", "confirm", "update", "resolve", "dismiss", "open", "maintenance", "UTC"):
        assert command in out
