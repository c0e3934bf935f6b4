"""`make run`'s path as a newcomer takes it: `python -m local --exit-after-replay` in a process of its own."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from local.clock import ENV as CLOCK_ENV
from local.platform import free_port
from local.samples import ROOT

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(
    "local_now",
    [
        pytest.param("2026-11-17T03:00:00-05:00", id="03h00-new-york"),
        # office hours: other samples open pages with longer ladders first; the demo still follows the call
        pytest.param("2026-11-17T14:00:00-05:00", id="14h00-new-york"),
    ],
)
def test_python_m_local_replays_the_samples_prints_the_tickets_and_exits_0(local_now: str) -> None:
    # GIVEN free ports (the package's own platform holds others), an environment without an endpoint,
    # and the platform's clock started at a chosen hour (routing depends on it; the wall clock must not)
    env = {k: v for k, v in os.environ.items() if k != "AWS_ENDPOINT_URL"}
    env["PYTHONIOENCODING"] = "utf-8"
    env[CLOCK_ENV] = local_now
    args = ["--exit-after-replay", "--port", str(free_port()), "--moto-port", str(free_port())]
    args += ["--standin-port", str(free_port())]
    # WHEN the platform starts, replays events/ and exits
    done = subprocess.run(
        [sys.executable, "-m", "local", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=240,
    )
    # THEN it succeeded, quietly, and showed what happened
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    out = done.stdout
    assert " SES emails → " in out and "retries made no second ticket" in out
    # AND the SES emails went through the topic and their handler: the reply joined the first email's ticket
    assert "ses/reply-base64" in out and "published to the inbound-email topic" in out
    assert "follow-ups joined their thread's ticket" in out and " 0 follow-ups" not in out
    assert "TICKET" in out and "ROUTE" in out and "PAGED" in out
    # the table clips long route names (how far depends on the other columns: an incident's pages widen PAGED)
    assert "key-customer" in out
    assert "📟 PAGE → founders (maya, tom)  [P1] Dana Whitfield (Northwind)" in out
    assert "No Moto CloudFormation support" not in out + done.stderr
    # AND a live call's page escalates from the on-call person to the founders, and stops at Maya's ack link
    assert "no acknowledgement within 10 seconds: escalating to level 2 of 2" in out
    # (in the console: the ack page's link signs her in, and she acknowledges and replies there)
    assert "console       http://127.0.0.1:" in out and "/console/auth?t=maya." in out
    assert "She opens it in the console: GET /console/auth → 200 /console/tickets/T-" in out
    assert "presses Acknowledge in the console: POST …/acknowledge → 200 You have the page: escalation stopped." in out
    assert "Later sweeps change nothing" in out and "state acked" in out
    assert "acknowledged by Maya Chen via the console" in out
    # AND the customers hear back: auto-replies on their channels, and Maya's reply from the page to the caller
    assert '✉ → Dana Whitfield via widget: "Hi Dana, we have paged our on-call engineer' in out
    assert "✉ → Dana Whitfield via email (SES): " in out
    assert "types a reply in the console: POST …/reply → 200 " in out
    assert '✉ → +13125550199 via SMS: "Hi Alex, this is Maya' in out
    assert "REPLIED" in out and "reply from Maya Chen sent to Alex Kim by SMS" in out
    # AND the page followed is the demo's own live call, whatever else opened a page first
    assert "Escalation: Alex Kim's voice message" in out, out
    assert f"clock         started at {local_now[:10]}" in out
    # AND the outage scene: a burst is one suspected incident that pages nobody again, confirmed and resolved
    # from its page's link, every reporter told on their own channel, the status page showing it
    assert "of the burst's 10 linked reports paged nobody" in out and "10 of the burst's 10" in out
    assert "POST …/incident/confirm → 200 Incident confirmed" in out
    # each of the burst's 10 reporters hears the confirmation and the resolution (the stand-in clips each line)
    assert sum("an update on the problem you reported" in line for line in out.splitlines()) >= 2 * 10
    assert "/status → 200; /status.json says “" in out and "(investigating, major)" in out
    assert "POST …/incident/update → 200 Incident resolved" in out
    closed = out.split("tickets are closed")[0].rsplit(";", 1)[-1].split()  # "N of N"
    assert closed[0] == closed[2], out


def test_a_port_in_use_is_one_clear_line_and_exit_2() -> None:
    # GIVEN something already listening on the API port
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        # WHEN the platform is asked to use it
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "local",
                "--exit-after-replay",
                "--port",
                str(port),
                "--moto-port",
                str(free_port()),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
    # THEN it says which port and which flag, once, and exits 2 without starting anything
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"error: port {port} on 127.0.0.1 is already in use; choose another with --port (e.g. --port {port + 1})"
    ]
    assert done.stdout == ""
