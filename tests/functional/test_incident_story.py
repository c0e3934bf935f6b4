"""The outage story on the app: 40 X mentions, 5 emails and 3 chats in 10 minutes → one incident, one page.

Real sample requests from events/, each from a different sender, signed and sent through the API; triage
runs from the queue as Lambda would, under its own IAM policy; the operator confirms, updates and resolves
with the CLI.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta
from typing import Any

from chalice.test import Client

import app as app_module
from chalicelib import bootstrap
from chalicelib.errors import DependencyError
from chalicelib.incidents.model import Status
from chalicelib.replies.model import ReplyKind
from cli import incident as incident_cli
from cli.main import main as switchboard
from local.burst import burst, chat, x_mention
from local.samples import local_secrets, signed
from local.worker import QueueWorker
from tests.functional.conftest import PUBLIC_URL
from tests.functional.paging_helpers import paged, sweep
from tests.reply_fakes import ScriptedSender


def test_a_burst_is_one_incident_one_page_and_the_operator_runs_it_from_the_cli(aws, clock, capsys, monkeypatch):
    # GIVEN 48 reports from 48 people on three channels, over 10 minutes
    requests = burst(mentions=40, emails=5, chats=3)
    start = clock.now
    worker = QueueWorker(aws.clients["sqs"], aws.stack.outputs["EventsQueueUrl"], app_module.triage, "triage")
    with Client(app_module.app) as client:
        for n, request in enumerate(requests):
            clock.now = start + timedelta(seconds=12 * n)
            ready = signed(request, local_secrets(), clock.now, PUBLIC_URL)
            assert client.http.post(ready.path, headers=ready.headers, body=ready.body).status_code in (200, 202)
            while worker.run_once(wait_seconds=0).received:
                pass
    # THEN one incident, suspected, with every report linked
    repo = bootstrap.container().incidents_table
    (incident,) = repo.open_incidents()
    assert incident.status is Status.SUSPECTED and incident.title.startswith("Possible incident: 3 customers on X")
    reports = repo.reports(incident.incident_id)
    assert len(reports) == len(aws.tickets()) == 48
    assert Counter(r.channel for r in reports) == {"x": 40, "email": 5, "widget": 3}
    # AND each person on the ladder was notified at most once (not 30 times)
    pages = paged(aws)
    notified = Counter(person for page in pages for person in page["people"])
    assert notified and max(notified.values()) == 1
    (page,) = pages
    assert "Possible incident: 3 customers on X report an outage" in page["text"]
    # AND from the report that opened it on, each reporter heard where it stands, not the generic auto-reply
    # (the first two wrote before there was an incident)
    outbox = bootstrap.container().reply_outbox
    linked_answers = [r for t in aws.tickets() for r in outbox.for_ticket(t["ticket_id"]["S"])
                      if "Other customers report the same problem" in r.text]  # fmt: skip
    assert len(linked_answers) == 48 - 2
    # WHEN the operator confirms, updates twice and resolves, from the CLI
    monkeypatch.setattr(incident_cli, "clock", lambda: clock.now)
    monkeypatch.setenv("REPLIES_QUEUE_URL", aws.stack.outputs["RepliesQueueUrl"])
    table = ["--table", aws.settings.tickets_table, "--status-url", f"{PUBLIC_URL}/status"]
    steps = [
        ["confirm", incident.incident_id, "--impact", "major", "-m", "The app does not load for many customers."],
        ["update", incident.incident_id, "--status", "identified", "-m", "A bad deploy; rolling back."],
        ["update", incident.incident_id, "--status", "monitoring", "-m", "Rolled back; watching."],
        ["resolve", incident.incident_id, "-m", "The app loads again for everyone."],
    ]
    for step in steps:
        clock.now += timedelta(minutes=5)
        assert switchboard(["incident", *step, "--by", "dana", *table]) == 0
        assert "48 customers told" in capsys.readouterr().out
    # AND the replies function sends what the updates recorded (twice over: a redelivery sends nothing new)
    sender = ScriptedSender()
    bootstrap.use(bootstrap.Container(aws.settings, clock=clock, session=aws.session("send_replies"),
                                      reply_sender=sender), "send_replies")  # fmt: skip
    replies = QueueWorker(aws.clients["sqs"], aws.stack.outputs["RepliesQueueUrl"], app_module.send_replies,
                          "send_replies", retry_delay=None)  # fmt: skip
    while replies.run_once(wait_seconds=0).received:
        pass
    assert switchboard(["incident", "resolve", incident.incident_id, "-m", "again", *table]) == 2
    # THEN it is resolved with four updates in the operator's words, and no longer open
    done = repo.get(incident.incident_id)
    assert [u.status for u in done.updates] == [
        Status.INVESTIGATING,
        Status.IDENTIFIED,
        Status.MONITORING,
        Status.RESOLVED,
    ]
    assert done.impact.value == "major" and repo.open_incidents() == []
    capsys.readouterr()
    assert switchboard(["incident", "show", incident.incident_id, *table]) == 0
    shown = capsys.readouterr().out
    assert "reports (48):" in shown and "resolved" in shown and "UTC" in shown
    # AND a move the lifecycle refuses exits 2 with one line
    assert switchboard(["incident", "confirm", incident.incident_id, "-m", "again", *table]) == 2
    assert "not suspected" in capsys.readouterr().err
    # AND the public status page shows it in its history, with the four updates in the operator's words
    with Client(app_module.app) as client:
        history = json.loads(client.http.get("/status.json").body)["history"]
    (shown_incident,) = [i for i in history if i["id"] == incident.incident_id]
    assert shown_incident["status"] == "resolved" and shown_incident["name"] == "Service disruption"
    assert [u["body"] for u in reversed(shown_incident["incident_updates"])] == [step[-1] for step in steps]
    # AND each of the 48 customers got each of the four updates once, in order, on their own channel, with
    # the status link; and their tickets are closed
    bodies = [step[-1] for step in steps]
    by_ticket: dict[str, list[Any]] = {}
    for reply in sender.sent:
        by_ticket.setdefault(reply.ticket_id, []).append(reply)
    assert {t["ticket_id"]["S"] for t in aws.tickets()} <= set(by_ticket)
    for ticket in aws.tickets():
        updates = [r for r in by_ticket[ticket["ticket_id"]["S"]] if r.kind is ReplyKind.INCIDENT]
        assert [next(b for b in bodies if b in r.text) for r in updates] == bodies
        assert all(r.event.channel.value == ticket["channel"]["S"] for r in updates)
        assert f"{PUBLIC_URL}/status" in updates[0].text
        assert ticket["status"]["S"] == "resolved"
    # WHEN one chat customer writes again in the same conversation
    later = chat(0, text="Still blank for me, sorry!", message_id="wm_burst0_again")
    clock.now += timedelta(minutes=5)
    ready = signed(later, local_secrets(), clock.now, PUBLIC_URL)
    with Client(app_module.app) as client:
        assert client.http.post(ready.path, headers=ready.headers, body=ready.body).status_code in (200, 202)
    worker.run_once(wait_seconds=0)
    # THEN their own ticket reopens, with the message on it; the 47 others stay closed
    statuses = Counter(t["status"]["S"] for t in aws.tickets())
    assert statuses == {"resolved": 47, "open": 1} and len(aws.tickets()) == 48


def test_an_update_a_crash_left_half_told_is_told_by_the_sweep_to_the_rest(aws, clock, capsys, monkeypatch):
    # GIVEN a burst of three reports, a suspected incident
    worker = QueueWorker(aws.clients["sqs"], aws.stack.outputs["EventsQueueUrl"], app_module.triage, "triage")
    with Client(app_module.app) as client:
        for n in range(3):
            ready = signed(x_mention(n), local_secrets(), clock.now, PUBLIC_URL)
            assert client.http.post(ready.path, headers=ready.headers, body=ready.body).status_code in (200, 202)
    while worker.run_once(wait_seconds=0).received:
        pass
    c = bootstrap.container()
    (incident,) = c.incidents_table.open_incidents()
    # AND the outbox failing after its first write
    record, calls = c.reply_outbox.record, []

    def failing(reply: Any, retry_at: Any) -> bool:
        calls.append(reply.reply_id)
        if len(calls) > 1:
            raise DependencyError("injected: DynamoDB unavailable")
        return bool(record(reply, retry_at))

    monkeypatch.setattr(c.incident_notifier, "record", failing)
    # WHEN the operator confirms: the incident is public, the telling fails half-way
    confirmed = c.incidents.confirm(incident.incident_id, "The app does not load.", "dana")
    assert c.incidents_table.get(incident.incident_id).status is confirmed.status is Status.INVESTIGATING
    assert c.incidents.told is None and not confirmed.updates[-1].notified
    monkeypatch.setattr(c.incident_notifier, "record", record)
    # THEN the sweep leaves it while the command may still be running, and tells the rest after
    assert sweep()["incident_updates_told"] == 0
    clock.now += timedelta(minutes=3)
    assert sweep()["incident_updates_told"] == 1
    told = [r for t in aws.tickets() for r in c.reply_outbox.for_ticket(t["ticket_id"]["S"])
            if r.kind is ReplyKind.INCIDENT]  # fmt: skip
    assert len(told) == 3 and len({r.ticket_id for r in told}) == 3
    # AND the update is marked told: the next sweep tells nobody
    assert c.incidents_table.get(incident.incident_id).updates[-1].notified
    assert sweep()["incident_updates_told"] == 0
    # WHEN the resolution's telling fails at once, THEN the sweep (under its own policy) tells it and closes
    # the tickets, and the incident stays resolved
    calls.clear()
    monkeypatch.setattr(c.incident_notifier, "record", failing)
    calls.append("fail from the first")
    c.incidents.resolve(incident.incident_id, "The app loads again.", "dana")
    monkeypatch.setattr(c.incident_notifier, "record", record)
    clock.now += timedelta(minutes=3)
    assert sweep()["incident_updates_told"] == 1
    assert {t["status"]["S"] for t in aws.tickets()} == {"resolved"}
    done = c.incidents_table.get(incident.incident_id)
    assert done.status is Status.RESOLVED and done.updates[-1].notified and c.incidents_table.open_incidents() == []
