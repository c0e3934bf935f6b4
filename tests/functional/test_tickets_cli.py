"""`switchboard tickets show` in-process against moto: a ticket's messages, pages and timeline, in time order."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from chalicelib import bootstrap
from cli.main import main
from local.samples import all_samples
from tests.functional.paging_helpers import deliver, sweep

SAMPLES = {s.name: s for s in all_samples() if s.is_http}
CALL = "twilio/call-01-incoming"
#: the call's ticket and page ids: both are hashes of the call's event id, the same in every run
TICKET = "T-79BA30B7D3"


def items(aws, prefix: str) -> list[dict[str, Any]]:
    scanned = aws.clients["dynamodb"].scan(TableName=aws.settings.tickets_table)["Items"]
    return [i for i in scanned if i["pk"]["S"].startswith(prefix)]


def show(aws, capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["tickets", "show", *args, "--table", aws.settings.tickets_table])
    out, err = capsys.readouterr()
    return code, out, err


def section(out: str, title: str) -> list[str]:
    """The lines under a section title, up to the blank line that ends it."""
    lines = out.splitlines()
    start = lines.index(title) + 1
    end = lines.index("", start) if "" in lines[start:] else len(lines)
    return lines[start:end]


def steps(out: str) -> list[list[str]]:
    """[time, kind] of each timeline entry (its wrapped lines and the day lines left out)."""
    return [line.split()[:2] for line in section(out, "timeline") if line[2:3].isdigit()]


def row(out: str, label: str) -> str:
    """A header row's value ("  page         sent (to support)" → "sent (to support)")."""
    [line] = [line for line in out.splitlines() if line.startswith(f"  {label} ")]
    return line[len(label) + 2 :].strip()


@pytest.fixture
def acked_call(aws, clock) -> str:
    """Dana's 03:00 call: Leo paged, nobody answers for 5 1/2 minutes, the founders paged, Maya acks 2 min later."""
    deliver(aws, CALL)
    clock.now += timedelta(minutes=5, seconds=30)
    sweep()
    clock.now += timedelta(minutes=2)
    [page] = items(aws, "PAGE#")
    bootstrap.container().paging.acknowledge(page["page_id"]["S"], "maya", clock.now, via="the page's link")
    # sweeps after the ack change nothing, and show nothing
    clock.now += timedelta(minutes=30)
    sweep()
    return str(page["page_id"]["S"])


def test_a_paged_escalated_acknowledged_ticket_shows_every_step_in_order(aws, capsys, acked_call):
    # GIVEN the call paged Leo, escalated to the founders, and Maya acknowledged
    # WHEN its ticket is shown, by its id in lower case
    code, out, err = show(aws, capsys, TICKET.lower())
    # THEN the header says what it is and how it was paged, in UTC
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == f"{TICKET}  open  P1  support  (times in UTC)"
    assert row(out, "customer") == "Dana Whitfield (Northwind), cus_northwind, tier vip"
    assert row(out, "route") == "live-call → team support, escalation urgent"
    assert row(out, "page") == "sent (to support)"
    assert row(out, "first reply") == "due 2026-11-17 08:15:00 (15 minutes)"
    assert section(out, "reasons")[0] == "  1. urgency 10 (low): voice +10"
    # AND the page's state: who took it, when, how far it had gone
    assert (
        " ".join(section(out, "pages")).split()
        == (
            f"{acked_call} acked by Maya Chen at 2026-11-17 08:07:30; had reached level 2 of 2, round 1 of 3"
            " (Maya Chen, Tom Okafor); P1, policy urgent"
        ).split()
    )
    # AND the timeline has every step, in order, with its time and why
    timeline = section(out, "timeline")
    assert timeline[0] == "  Tue 2026-11-17"
    assert steps(out) == [
        ["08:00:00", "opened"],
        ["08:00:00", "page-opened"],
        ["08:00:00", "notified"],
        ["08:05:30", "notified"],
        ["08:07:30", "acknowledged"],
    ]
    text = " ".join(" ".join(timeline).split())
    for why in (
        "voice from WHITFIELD DANA → P1 support/live-call: Incoming call",
        "opened: paging level 1 of 2 (Leo Martins, on call, rotation primary)",
        "no acknowledgement within 5 minutes: escalating to level 2 of 2 (Maya Chen, Tom Okafor",
        "acknowledged by Maya Chen via the page's link at 08:07 UTC",
    ):
        assert why in text
    # AND it fits a 100-column terminal
    assert max(len(line) for line in out.splitlines()) <= 100


@pytest.fixture
def call_with_voicemail(aws, clock) -> dict[str, str]:
    """Dana's call nobody answers, and two minutes later its voicemail and transcript: one ticket, 3 messages."""
    deliver(aws, CALL, "twilio/call-02-dial-no-answer", "twilio/call-03-dial-busy")
    clock.now += timedelta(minutes=2)
    deliver(aws, "twilio/call-04-recording", "twilio/call-05-transcription")
    [page] = items(aws, "PAGE#")
    follow_ups = sorted(i["event_id"]["S"] for i in items(aws, f"TICKET#{TICKET}") if i["sk"]["S"].startswith("MSG#"))
    [ticket] = aws.tickets()
    return {
        "ticket": TICKET.lower(),
        "page": page["page_id"]["S"].lower(),
        "ack code": page["ack_code"]["S"],
        "opening event": ticket["event_id"]["S"],
        "follow-up event": follow_ups[-1],
    }


def test_a_ticket_with_follow_ups_shows_them_as_messages_and_in_the_timeline(aws, capsys, call_with_voicemail):
    # GIVEN the call and its two voicemail callbacks  WHEN the ticket is shown
    code, out, _ = show(aws, capsys, TICKET)
    assert code == 0
    # THEN the header counts three messages, and all three are listed, oldest first
    assert row(out, "messages") == "3, the last at 2026-11-17 08:02:00"
    messages = section(out, "messages")
    assert [m.split()[:3] for m in messages] == [
        ["2026-11-17", "08:00:00", "voice"],
        ["2026-11-17", "08:02:00", "voice"],
        ["2026-11-17", "08:02:00", "voice"],
    ]
    assert "Voicemail (14 s)" in messages[1]
    assert "our dashboard is" in messages[2]
    # AND the timeline has them between the page's steps: the transcript folded into the open page
    assert steps(out) == [
        ["08:00:00", "opened"],
        ["08:00:00", "page-opened"],
        ["08:00:00", "notified"],
        ["08:02:00", "follow-up"],
        ["08:02:00", "follow-up"],
        ["08:02:00", "folded"],
    ]
    text = " ".join(out.split())
    assert "message 2, voice from +12125550100 → P1 no page: Voicemail" in text
    assert "message 3, voice from +12125550100 → P1 paged: Hi, it's Dana" in text


@pytest.mark.parametrize(
    ("key", "found_by"),
    [
        ("ticket", None),
        ("page", "page P-"),
        ("ack code", "ack code "),
        ("opening event", "(the message that opened it)"),
        ("follow-up event", "(a follow-up)"),
    ],
    ids=["ticket-id-lower-case", "page-id-lower-case", "ack-code", "event-id", "follow-up-event-id"],
)
def test_a_page_or_event_id_finds_its_ticket(aws, capsys, call_with_voicemail, key, found_by):
    # GIVEN the call's ticket  WHEN it is shown by one of the ids a person may hold
    code, out, err = show(aws, capsys, call_with_voicemail[key])
    # THEN it is the call's ticket, and the header says how it was found
    assert (code, err) == (0, "")
    assert out.startswith(f"{TICKET}  open  P1")
    if found_by is None:
        assert not [line for line in out.splitlines() if line.startswith("  found by ")]
    else:
        assert found_by in row(out, "found by")


@pytest.mark.parametrize(
    ("sample", "page", "pages", "last_step"),
    [
        (CALL, "sent (to support)", "open at level 1 of 2", "notified"),
        (
            "sendgrid/raw-mime",
            "deferred, held until 2026-11-17 14:00:00 (to founders)",
            "none",
            "deferred",
        ),
        ("widget/free-howto", "none", "none", "opened"),
    ],
    ids=["paged", "deferred", "queued"],
)
def test_the_header_and_timeline_say_whether_and_when_someone_is_paged(aws, capsys, sample, page, pages, last_step):
    # GIVEN one message at 03:00 New York time
    deliver(aws, sample)
    [ticket] = aws.tickets()
    # WHEN its ticket is shown
    code, out, _ = show(aws, capsys, ticket["ticket_id"]["S"])
    # THEN the page row, the pages and the last step of the timeline agree
    assert code == 0
    assert row(out, "page") == page
    assert pages in section(out, "pages")[0]
    assert steps(out)[-1][1] == last_step


@pytest.mark.parametrize(
    ("wanted", "message"),
    [
        ("T-0000000000", "no ticket T-0000000000 in switchboard-local-tickets"),
        ("p-00000000aa", "no page P-00000000AA in switchboard-local-tickets"),
        ("000000", "no page has the ack code 000000 in switchboard-local-tickets"),
        ("twilio:call:CAnope", "no ticket, page or event 'twilio:call:CAnope' in switchboard-local-tickets ("),
    ],
    ids=["ticket", "page", "ack-code", "event"],
)
def test_an_unknown_id_is_one_line_naming_what_was_looked_for_and_exit_2(aws, capsys, wanted, message):
    # GIVEN a table with Dana's call  WHEN an id nothing has is shown
    deliver(aws, CALL)
    code, out, err = show(aws, capsys, wanted)
    # THEN exit 2, nothing on stdout, one line on stderr
    assert (code, out) == (2, "")
    assert err.startswith(f"switchboard tickets show: error: {message}")
    assert err.count("\n") == 1


def test_no_table_named_is_exit_2_with_how_to_name_one(aws, capsys, monkeypatch):
    monkeypatch.delenv("TICKETS_TABLE", raising=False)
    assert main(["tickets", "show", TICKET]) == 2
    assert "pass --table NAME, --stage STAGE or --local" in capsys.readouterr().err


def test_json_is_one_object_with_the_ticket_follow_ups_pages_timeline_and_replies(aws, capsys, acked_call):
    # GIVEN the paged, escalated, acknowledged call  WHEN it is shown as JSON
    code, out, _ = show(aws, capsys, acked_call, "--json")
    # THEN it parses, and holds the same facts the person sees
    assert code == 0
    shown = json.loads(out)
    assert set(shown) == {"ticket", "found_by", "follow_ups", "pages", "timeline", "replies"}
    assert shown["ticket"]["ticket_id"] == TICKET
    assert shown["found_by"] == f"page {acked_call}"
    assert shown["follow_ups"] == []
    [page] = shown["pages"]
    assert (page["page_id"], page["state"], page["acked_by"]) == (acked_call, "acked", "maya")
    assert [(e["at"], e["kind"]) for e in shown["timeline"]] == [
        ("2026-11-17T08:00:00Z", "opened"),
        ("2026-11-17T08:00:00Z", "page-opened"),
        ("2026-11-17T08:00:00Z", "notified"),
        ("2026-11-17T08:05:30Z", "notified"),
        ("2026-11-17T08:07:30Z", "acknowledged"),
    ]


def test_help_explains_the_ids_and_has_examples(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["tickets", "show", "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    for text in ("a page id", "an event id", "examples:", "switchboard tickets show --local", "exit status"):
        assert text in out
