"""`switchboard console link` against moto: the link goes to the person alone; bad input is one line and exit 2."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from chalicelib.console import session
from cli import console as console_cli
from cli.main import main as switchboard
from tests.functional.conftest import NIGHT
from tests.functional.test_console_sign_in import _phone, _received


@pytest.fixture
def stage(aws, monkeypatch):
    monkeypatch.setattr(console_cli, "clock", lambda: NIGHT)
    monkeypatch.setenv("CONSOLE_SESSION_SECRET", "cli-secret")
    monkeypatch.delenv("SWITCHBOARD_PUBLIC_URL", raising=False)
    return ["--stage", "local", "--base-url", "https://api.example.com/prod"]


def test_a_link_goes_to_that_person_and_the_command_says_where_not_what(aws, stage, capsys):
    # GIVEN maya and tom, both on the founders topic with their own filters
    maya, tom = _phone(aws, "maya", "founders"), _phone(aws, "tom", "founders")
    # WHEN the operator sends maya a link to a ticket
    assert switchboard(["console", "link", "maya", *stage, "--next", "/console/tickets/T-1"]) == 0
    out = capsys.readouterr().out
    # THEN it says where it went, and not the link
    assert "Maya Chen (maya)" in out and "founders topic" in out
    assert "/console/auth" not in out
    # AND maya alone received a link to that ticket, signed with the stage's secret
    [message] = _received(aws, maya)
    assert _received(aws, tom) == []
    assert json.loads(message["MessageAttributes"]["people"]["Value"]) == ["maya"]
    [url] = re.findall(r"https://\S+", message["Message"])
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://api.example.com/prod/console/auth"
    query = parse_qs(parts.query)
    assert query["next"] == ["/console/tickets/T-1"]
    seen = session.read(query["t"][0], NIGHT, "cli-secret", purpose=session.SIGN_IN)
    assert seen is not None and seen.person == "maya"


def test_print_shows_the_link_for_local_development(aws, stage, capsys):
    assert switchboard(["console", "link", "priya", *stage, "--print"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("https://api.example.com/prod/console/auth?t=priya.")


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        pytest.param(
            ["mallory"], "no person 'mallory' in the rules; the people are: ana, leo, maya, priya, tom", id="unknown"
        ),
        pytest.param(["maya", "--next", "https://evil.example"], "--next must be a path inside the console", id="next"),
        pytest.param(["maya", "--base-url", "api.example.com"], "must be an http(s) URL", id="base-url"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(aws, stage, capsys, argv, said):
    args = [*argv, *stage] if "--base-url" not in argv else [*argv, "--stage", "local"]
    assert switchboard(["console", "link", *args]) == 2
    err = capsys.readouterr().err
    assert said in err and len(err.strip().splitlines()) == 1


def test_a_stage_without_a_base_url_is_refused(aws, monkeypatch, capsys):
    monkeypatch.delenv("SWITCHBOARD_PUBLIC_URL", raising=False)
    assert switchboard(["console", "link", "maya", "--stage", "local"]) == 2
    assert "--base-url" in capsys.readouterr().err


def test_the_help_has_examples(capsys):
    with pytest.raises(SystemExit):
        switchboard(["console", "link", "--help"])
    assert "switchboard console link priya --local --print" in capsys.readouterr().out


def test_a_stage_link_is_signed_with_the_secret_in_ssm(aws, monkeypatch, capsys):
    # GIVEN the stage's secret in SSM and none in the environment
    monkeypatch.setattr(console_cli, "clock", lambda: NIGHT)
    monkeypatch.delenv("CONSOLE_SESSION_SECRET", raising=False)
    aws.operator.client("ssm").put_parameter(
        Name="/switchboard/local/console-session-secret", Value="from-ssm", Type="SecureString"
    )
    # WHEN a link is printed
    argv = ["console", "link", "ana", "--stage", "local", "--base-url", "https://x.test", "--print"]
    assert switchboard(argv) == 0
    url = capsys.readouterr().out.strip().splitlines()[-1]
    # THEN it is signed with SSM's secret
    token = parse_qs(urlsplit(url).query)["t"][0]
    assert session.read(token, NIGHT, "from-ssm", purpose=session.SIGN_IN) is not None
