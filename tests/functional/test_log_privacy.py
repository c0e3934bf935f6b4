"""No names, emails, phone numbers or message text in INFO (or WARNING) logs, over the whole sample replay."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from urllib.parse import urlencode, urlsplit

import pytest
from chalice.test import Client

import app as app_module
from chalicelib import bootstrap
from chalicelib.model.event import SupportEvent
from chalicelib.model.page import Page
from chalicelib.observability import logger
from local.samples import EVENTS_DIR, all_samples, load, local_secrets, signed
from local.worker import QueueWorker
from tests.functional.conftest import PUBLIC_URL
from tests.functional.paging_helpers import LINK, paged, sweep

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


class _Lines(logging.Handler):
    """Each record as Powertools writes it to CloudWatch: the JSON line, extra fields included."""

    def __init__(self) -> None:
        super().__init__(level=logging.INFO)
        self.setFormatter(logger.registered_formatter)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def log_lines() -> Iterator[list[str]]:
    lines = _Lines()
    level = logger.log_level
    logger.setLevel("INFO")  # the deployed stages log at INFO (tests default to WARNING)
    logger.addHandler(lines)
    try:
        yield lines.lines
    finally:
        logging.getLogger(logger.service).removeHandler(lines)
        logger.setLevel(level)


def _personal(events: list[SupportEvent]) -> set[str]:
    """What must never reach a log line: every sender's name, email, phone and message text."""
    found: set[str] = set()
    for event in events:
        sender = event.sender
        found |= {v for v in (sender.name, sender.email, sender.phone) if v}
        text = " ".join(event.text.split())
        found |= {text[:24]} if len(text) >= 8 else set()
    for customer in json.loads((EVENTS_DIR / "customers.json").read_text(encoding="utf-8")):
        found |= {v for k in ("name", "email", "phone") if (v := customer.get(k))}
    return {v for v in found if len(v) >= 5}


def _triage(aws) -> None:
    worker = QueueWorker(aws.clients["sqs"], aws.stack.outputs["EventsQueueUrl"], app_module.triage, "triage")
    while worker.run_once(wait_seconds=0).received:
        pass


def test_the_sample_replay_logs_no_personal_data(aws, clock, log_lines):
    secrets = local_secrets()
    events: list[SupportEvent] = []
    # GIVEN every sample request, signed at the app's clock, through its route (and SES through its topic)
    with Client(app_module.app) as client:
        for sample in all_samples():
            if not sample.is_http:
                client.lambda_.invoke("inbound_email", client.events.generate_sns_event(message=sample.body.decode()))
                continue
            request = signed(sample, secrets, clock.now, PUBLIC_URL)
            if request.method == "GET":
                client.http.get(request.path, headers=request.headers)
            else:
                client.http.post(request.path, headers=request.headers, body=request.body)
            events += [SupportEvent.model_validate_json(m["Body"]) for m in aws.queue_messages()]
            _triage(aws)
    assert len({e.event_id for e in events}) >= 20, "the replay queued the samples' messages"
    # AND the pages escalate, one is acknowledged by SMS and one by its link
    first = paged(aws)
    clock.now += timedelta(minutes=6)
    sweep()
    pages = first + paged(aws)
    open_pages = [p for p in (_page_of(link) for p in pages for link in LINK.findall(p["text"])) if p]
    by_sms = next(p for p in open_pages if any(r.phone for r in p.paged_people()))
    phone = next(r.phone for r in by_sms.paged_people() if r.phone)
    sms = load(EVENTS_DIR / "twilio" / "sms-01-urgent.json")
    body = urlencode(
        {"MessageSid": "SM" + "7" * 32, "From": phone, "To": "+16465550123", "Body": f"ACK {by_sms.ack_code}"}
    )
    with Client(app_module.app) as client:
        request = signed(replace(sms, body=body.encode()), secrets, clock.now, PUBLIC_URL)
        assert client.http.post(request.path, headers=request.headers, body=request.body).status_code == 200
        link = next(link for p in pages for link in LINK.findall(p["text"]) if by_sms.page_id not in link)
        client.http.post(urlsplit(link).path, headers=FORM, body=urlsplit(link).query.encode())
    # WHEN the log lines at INFO and above are read
    assert any('"sms ack"' in line for line in log_lines) and any('"ticket stored"' in line for line in log_lines)
    # THEN none carries a sender's name, email, phone or words
    leaks = {value: line for value in _personal(events) for line in log_lines if value in line}
    assert leaks == {}


def _page_of(link: str) -> Page | None:
    page = bootstrap.container().pages.get(urlsplit(link).path.rsplit("/", 1)[-1])
    return page if page is not None and page.state.value == "open" else None
