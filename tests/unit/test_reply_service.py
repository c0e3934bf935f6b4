"""ReplyService with fakes: a reply is recorded with its ticket, sent once, retried on "later", settled with why."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.errors import DependencyError, PayloadError
from chalicelib.model.customer import Customer
from chalicelib.model.event import Channel, Sender, SupportEvent
from chalicelib.model.timeline import Entry, Kind
from chalicelib.replies.model import GRACE, Reply, ReplyState, SendResult, auto_reply_id
from chalicelib.services.replies import (
    BACKOFF_CAP,
    MAX_DELIVERIES,
    GaveUpError,
    ReplyRefusedError,
    ReplyService,
    RetryLaterError,
    auto_reply,
    backoff,
)
from tests.fakes import FakeCustomers, FakeTickets, triage_with_fakes
from tests.reply_fakes import FakeOutbox, FakeReplyQueue, ScriptedSender

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)  # Tue 03:00 in New York
DANA = Customer(customer_id="c1", name="Northwind", plan="enterprise", flags=("vip",), email="dana@northwind.example")


def sms(
    event_id: str = "twilio:SM1", text: str = "is the app down? nothing loads", thread: str = "twilio:pair"
) -> SupportEvent:
    return SupportEvent(
        event_id=event_id,
        channel=Channel.SMS,
        provider="twilio",
        received_at=NOW,
        sender=Sender(name="Dana Whitfield", phone="+15551230001"),
        text=text,
        thread_key=thread,
        metadata={"to": "+15559870000"},
    )


@dataclass
class Parts:
    service: ReplyService
    outbox: FakeOutbox
    queue: FakeReplyQueue
    sender: ScriptedSender
    tickets: FakeTickets
    timeline: list[tuple[str, Entry]] = field(default_factory=list)
    disarmed: list[str] = field(default_factory=list)
    opted_out: set[str] = field(default_factory=set)


@pytest.fixture
def parts() -> Parts:
    outbox, queue, sender, tickets = FakeOutbox(), FakeReplyQueue(), ScriptedSender(), FakeTickets()
    made = Parts(None, outbox, queue, sender, tickets, timeline=outbox.timeline)  # type: ignore[arg-type]
    made.service = ReplyService(
        outbox=outbox,
        queue=queue,
        sender=sender,
        disarm_sla=lambda ticket_id, now: made.disarmed.append(ticket_id),
        ticket=tickets.tickets.get,
        clock=lambda: NOW,
        opted_out=made.opted_out.__contains__,
        draw=lambda: 1.0,  # the top of the jitter: the backoff's ceiling, so delays are exact here
    )
    return made


def recorded(parts: Parts, event: SupportEvent | None = None, refusal: str | None = None) -> Reply:
    reply = auto_reply("T-1", event or sms(), "Hi Dana, we have paged our on-call engineer.", NOW, refusal)
    parts.outbox.record(reply, NOW + GRACE)
    return reply


def test_a_reply_is_sent_once_however_often_its_message_is_delivered(parts):
    # GIVEN a recorded auto-reply
    reply = recorded(parts)
    # WHEN the queue delivers its message three times
    outcomes = [parts.service.deliver(reply.reply_id, n, NOW) for n in (1, 2, 3)]
    # THEN the provider was asked once; it is sent, the ticket is marked replied, the timeline says so
    assert outcomes == ["sent", "settled", "settled"]
    assert len(parts.sender.sent) == 1
    stored = parts.outbox.replies[reply.reply_id]
    assert stored.state is ReplyState.SENT and stored.provider_message_id and stored.sent_at == NOW
    assert parts.outbox.replied["T-1"] == (NOW, "switchboard")
    [(ticket_id, entry)] = parts.timeline
    assert (ticket_id, entry.kind) == ("T-1", Kind.REPLIED)
    assert entry.text.startswith("auto-reply sent to Dana Whitfield by SMS (SM")


@pytest.mark.parametrize(
    ("answer", "delay"),
    [
        (SendResult.transient("429 Too Many Requests", retry_after=120), 120),  # the provider's wait, not ours
        (SendResult.transient("503 Service Unavailable"), 15),  # our backoff's first step
        (SendResult.transient("read timed out", uncertain=True), 15),
    ],
    ids=["429-retry-after", "5xx", "timeout"],
)
def test_a_provider_saying_later_is_retried_after_the_wait_then_sent(parts, answer, delay):
    # GIVEN a provider that answers "later" once
    reply = recorded(parts)
    parts.sender.script = [answer]
    # WHEN the first delivery tries
    with pytest.raises(RetryLaterError) as later:
        parts.service.deliver(reply.reply_id, 1, NOW)
    # THEN the queue is told to bring it back after the wait; the reply stays pending, out of the sweep till then
    assert later.value.delay_seconds == delay
    assert parts.outbox.replies[reply.reply_id].state is ReplyState.PENDING
    assert parts.outbox.due(NOW + timedelta(seconds=delay)) == []
    # WHEN the queue brings it back
    assert parts.service.deliver(reply.reply_id, 2, NOW + timedelta(seconds=delay)) == "sent"
    # THEN it went out on the second try; a timeout may have sent it before, and that is counted
    assert len(parts.sender.sent) == 2
    assert parts.outbox.replies[reply.reply_id].possible_duplicates == int(answer.uncertain)


def test_a_second_message_of_the_same_reply_waits_for_the_providers_retry_after(parts):
    # GIVEN a reply whose first delivery got a 429 asking for 60 s
    reply = recorded(parts)
    parts.sender.script = [SendResult.transient("429 Too Many Requests", retry_after=60)]
    with pytest.raises(RetryLaterError):
        parts.service.deliver(reply.reply_id, 1, NOW)
    # WHEN another queue message of the same reply (triage queues one per delivery) arrives 5 s later
    outcome = parts.service.deliver(reply.reply_id, 1, NOW + timedelta(seconds=5))
    # THEN the provider is not asked again before its Retry-After; after it, the reply goes
    assert outcome == "settled" and len(parts.sender.sent) == 1
    assert parts.service.deliver(reply.reply_id, 2, NOW + timedelta(seconds=60)) == "sent"


def test_a_permanent_refusal_is_recorded_with_the_providers_reason_and_never_retried(parts):
    reply = recorded(parts)
    parts.sender.script = [SendResult.permanent("21610: Attempt to send to unsubscribed recipient")]
    # WHEN it is delivered, and delivered again
    assert parts.service.deliver(reply.reply_id, 1, NOW) == "failed"
    assert parts.service.deliver(reply.reply_id, 2, NOW) == "settled"
    # THEN the provider was asked once, and the ticket says why the customer did not hear from us
    assert len(parts.sender.sent) == 1
    stored = parts.outbox.replies[reply.reply_id]
    assert (stored.state, stored.reason) == (ReplyState.FAILED, "21610: Attempt to send to unsubscribed recipient")
    assert "not sent: 21610" in parts.timeline[0][1].text
    assert "T-1" not in parts.outbox.replied


def test_the_last_allowed_delivery_settles_it_failed_and_leaves_the_message_to_the_dead_letter_queue(parts):
    reply = recorded(parts)
    parts.sender.script = [SendResult.transient("500 Internal Server Error")]
    # WHEN the last delivery the queue allows fails too
    with pytest.raises(GaveUpError):
        parts.service.deliver(reply.reply_id, MAX_DELIVERIES, NOW)
    # THEN it is failed with why, never silently pending
    stored = parts.outbox.replies[reply.reply_id]
    assert stored.state is ReplyState.FAILED
    assert stored.reason == f"gave up after {MAX_DELIVERIES} deliveries: 500 Internal Server Error"


@pytest.mark.parametrize(
    ("later", "second"),
    [(timedelta(hours=2), "skipped"), (timedelta(hours=25), "sent")],
    ids=["same-day", "next-day"],
)
def test_one_automatic_reply_per_conversation_per_day(parts, later, second):
    # GIVEN a conversation that had its auto-reply
    first = recorded(parts)
    parts.service.deliver(first.reply_id, 1, NOW)
    # WHEN a follow-up in the same thread asks for one
    follow = auto_reply("T-1", sms("twilio:SM2", "hello??"), "Hi again", NOW + later, None)
    parts.outbox.record(follow, NOW + later)
    # THEN within the day it is skipped with why; the next day it goes
    assert parts.service.deliver(follow.reply_id, 1, NOW + later) == second
    if second == "skipped":
        assert (
            parts.outbox.replies[follow.reply_id].reason
            == "this conversation had an automatic reply in the last 24 hours"
        )
    assert len(parts.sender.sent) == (1 if second == "skipped" else 2)


def test_a_retried_reply_keeps_its_conversations_one_reply(parts):
    reply = recorded(parts)
    parts.sender.script = [SendResult.transient("429", retry_after=30)]
    with pytest.raises(RetryLaterError):
        parts.service.deliver(reply.reply_id, 1, NOW)
    # THEN its own retry is not mistaken for a second reply in the thread
    assert parts.service.deliver(reply.reply_id, 2, NOW + timedelta(minutes=3)) == "sent"


def test_an_opted_out_number_gets_no_automatic_reply(parts):
    parts.opted_out.add("+15551230001")
    reply = recorded(parts)
    assert parts.service.deliver(reply.reply_id, 1, NOW) == "skipped"
    assert parts.sender.sent == []
    assert parts.outbox.replies[reply.reply_id].reason == "the customer opted out of SMS (STOP)"


def test_the_sweep_queues_what_a_lost_message_left_pending_once_per_grace(parts):
    # GIVEN a reply recorded, whose queue message never arrived
    reply = recorded(parts)
    # WHEN sweeps run before, at and just after its grace
    counts = [parts.service.sweep(NOW + d) for d in (timedelta(0), GRACE, GRACE + timedelta(seconds=60))]
    # THEN it is queued once (the next sweep waits another grace), and not again once sent
    assert counts == [0, 1, 0]
    assert parts.queue.queued == [reply.reply_id]
    parts.service.deliver(reply.reply_id, 1, NOW + GRACE)
    assert parts.service.sweep(NOW + 10 * GRACE) == 0


@pytest.mark.parametrize("queue_down", [False, True], ids=["queued-together", "queue-down-left-to-the-sweep"])
def test_replies_queued_in_a_batch_go_in_one_request_at_its_end_or_to_the_sweep(parts, queue_down):
    # GIVEN three recorded replies, one of them queued twice (a redelivery in the same SQS batch)
    replies = [recorded(parts, sms(event_id=f"twilio:SM{i}")) for i in range(3)]
    parts.queue.fail = queue_down
    # WHEN triage queues them inside one batch
    with parts.service.batched():
        for reply in [*replies, replies[0]]:
            parts.service.queue_reply(reply.reply_id)
        held = list(parts.queue.queued)
    # THEN nothing went while the batch ran, then one request held each reply once
    assert held == []
    expected = [] if queue_down else [[r.reply_id for r in replies]]
    assert parts.queue.batches == expected
    # AND each stays pending in the outbox until sent: a reply the queue refused is the sweep's after its grace
    parts.queue.fail = False
    assert parts.service.sweep(NOW + GRACE) == 3


def test_each_thread_holds_only_its_own_batch(parts):
    # GIVEN two recorded replies, and a second consumer thread of the same container in its own batch
    first, second = (recorded(parts, sms(event_id=f"twilio:SM{i}")) for i in range(2))
    inside = threading.Event()
    leave = threading.Event()

    def other_batch() -> None:
        with parts.service.batched():
            parts.service.queue_reply(second.reply_id)
            inside.set()
            leave.wait(5)

    other = threading.Thread(target=other_batch)
    # WHEN this thread's batch ends while the other's is still open
    with parts.service.batched():
        other.start()
        inside.wait(5)
        parts.service.queue_reply(first.reply_id)
    mine = list(parts.queue.batches)
    leave.set()
    other.join(5)
    # THEN each batch sent only its own reply, in its own request
    assert mine == [[first.reply_id]]
    assert parts.queue.batches == [[first.reply_id], [second.reply_id]]


def test_a_person_reply_is_recorded_once_queued_and_stops_the_sla_timer(parts):
    # GIVEN an open ticket
    service, tickets, *_ = triage_with_fakes(FakeCustomers([DANA]), NOW)
    outcome = service.handle(sms())
    parts.tickets.tickets.update(tickets.tickets)
    ticket_id = outcome.ticket.ticket_id
    # WHEN the paged person submits the same reply form twice
    first = parts.service.reply_as_person(
        ticket_id, "maya", "Maya Chen", "  On it, Dana. Call you in 5.  ", "tok1", NOW
    )
    again = parts.service.reply_as_person(ticket_id, "maya", "Maya Chen", "On it, Dana. Call you in 5.", "tok1", NOW)
    # THEN one reply, queued once, the SLA stopped, the text trimmed; it goes whatever the thread's auto-replies
    assert first.reply_id == again.reply_id and first.text == "On it, Dana. Call you in 5."
    assert parts.queue.queued == [first.reply_id]
    assert parts.disarmed == [ticket_id]
    assert parts.service.deliver(first.reply_id, 1, NOW) == "sent"
    assert parts.outbox.replied[ticket_id] == (NOW, "Maya Chen")
    assert parts.timeline[-1][1].actor == "maya"


@pytest.mark.parametrize(
    ("text", "error"),
    [("   ", PayloadError), ("x" * 1601, PayloadError)],
    ids=["empty", "longer-than-an-sms-takes"],
)
def test_a_person_reply_that_cannot_go_is_refused_with_why(parts, text, error):
    service, tickets, *_ = triage_with_fakes(FakeCustomers([DANA]), NOW)
    ticket_id = service.handle(sms()).ticket.ticket_id
    parts.tickets.tickets.update(tickets.tickets)
    with pytest.raises(error):
        parts.service.reply_as_person(ticket_id, "maya", "Maya Chen", text, "tok", NOW)
    assert parts.outbox.replies == {}


def test_a_closed_ticket_takes_no_reply(parts):
    service, *_ = triage_with_fakes(FakeCustomers([DANA]), NOW)
    ticket = service.handle(sms()).ticket
    parts.tickets.tickets[ticket.ticket_id] = ticket.model_copy(update={"status": "resolved"})
    with pytest.raises(ReplyRefusedError):
        parts.service.reply_as_person(ticket.ticket_id, "maya", "Maya Chen", "hi", "tok", NOW)


@pytest.mark.parametrize("attempt", [1, 2, 3, 5, 10, 30])
def test_backoff_grows_stays_under_its_cap_and_never_comes_before_retry_after(attempt):
    low, high = backoff(attempt, None, lambda: 0.0), backoff(attempt, None, lambda: 1.0)
    assert 0 < low <= high <= BACKOFF_CAP.total_seconds()
    assert low == high / 2  # the jitter spans the ceiling's upper half
    assert backoff(attempt, 3600.0, lambda: 0.5) >= 3600.0


def test_triage_records_the_auto_reply_with_the_ticket_and_queues_it_every_delivery():
    # GIVEN triage with the outbox wired
    parts = triage_with_fakes(FakeCustomers([DANA]), NOW)
    queue = FakeReplyQueue()
    parts.service.replies = ReplyService(
        outbox=FakeOutbox(), queue=queue, sender=ScriptedSender(),
        disarm_sla=lambda t, n: None, ticket=parts.tickets.tickets.get, clock=lambda: NOW,
    )  # fmt: skip
    # WHEN a message whose decision has an auto-reply is delivered three times
    e = sms(text="how do I export my invoices to csv?")
    outcomes = [parts.service.handle(e) for _ in range(3)]
    # THEN the reply was stored with the ticket once, and queued each time (the outbox sends it once)
    ticket = outcomes[0].ticket
    assert ticket.decision.auto_reply
    assert list(parts.tickets.replies) == [auto_reply_id(ticket.ticket_id, e.event_id)]
    assert queue.queued == [auto_reply_id(ticket.ticket_id, e.event_id)] * 3


def test_triage_records_a_refused_auto_reply_as_skipped_and_does_not_queue_it():
    parts = triage_with_fakes(FakeCustomers([DANA]), NOW)
    queue = FakeReplyQueue()
    parts.service.replies = ReplyService(
        outbox=FakeOutbox(), queue=queue, sender=ScriptedSender(),
        disarm_sla=lambda t, n: None, ticket=parts.tickets.tickets.get, clock=lambda: NOW,
    )  # fmt: skip
    parts.service.reply_refusal = lambda event: "not answered: an automatic email (Auto-Submitted: auto-replied)"
    parts.service.handle(sms(text="how do I export my invoices to csv?"))
    [reply] = parts.tickets.replies.values()
    assert reply.state is ReplyState.SKIPPED
    assert (reply.reason or "").startswith("not answered: an automatic email")
    assert queue.queued == []


def test_a_stop_text_is_recorded_kept_as_a_ticket_pages_nobody_and_gets_no_auto_reply():
    # GIVEN triage wired with the outbox, the rules' guard and an opt-out record
    from chalicelib.replies.guard import refusal
    from chalicelib.routing.loader import load_rules

    parts = triage_with_fakes(FakeCustomers([DANA]), NOW)
    recorded_opt_outs: list[tuple[str, bool, datetime]] = []
    parts.service.replies = ReplyService(
        outbox=FakeOutbox(), queue=FakeReplyQueue(), sender=ScriptedSender(),
        disarm_sla=lambda t, n: None, ticket=parts.tickets.tickets.get, clock=lambda: NOW,
    )  # fmt: skip
    rules = load_rules()
    parts.service.reply_refusal = lambda event: refusal(event, rules.replies)
    parts.service.record_opt_out = lambda phone, out, at: recorded_opt_outs.append((phone, out, at))
    stop = sms(text="STOP the app is down and nobody answers").model_copy(
        update={"metadata": {"to": "+15559870000", "opt_out": "stop"}}
    )
    # WHEN the customer texts STOP (even in words that would otherwise page)
    outcome = parts.service.handle(stop)
    # THEN the number is opted out, the ticket pages nobody, and its auto-reply is recorded skipped
    assert recorded_opt_outs == [("+15551230001", True, NOW)]
    assert not outcome.paged and outcome.ticket.decision.page_targets == ()
    assert "no page: the customer opted out of SMS (STOP)" in outcome.ticket.decision.reasons
    assert [r.state for r in parts.tickets.replies.values()] == [ReplyState.SKIPPED]


@pytest.mark.parametrize("read_fails", [False, True], ids=["read-ahead", "read-failed-each-read-alone"])
def test_a_batchs_replies_are_read_in_one_request(parts, monkeypatch, read_fails):
    # GIVEN three recorded replies, one of them in the batch twice (a redelivery)
    replies = [recorded(parts, sms(event_id=f"twilio:SM{i}", thread=f"twilio:pair{i}")) for i in range(3)]
    ids = [r.reply_id for r in [*replies, replies[0]]]
    if read_fails:
        read = parts.outbox.read

        def flaky(reply_ids):
            if len(reply_ids) > 1:
                raise DependencyError("throttled")
            return read(reply_ids)

        monkeypatch.setattr(parts.outbox, "read", flaky)
    # WHEN the batch is delivered
    with parts.service.read_ahead(ids):
        outcomes = [parts.service.deliver(reply_id, 1, NOW) for reply_id in ids]
    # THEN each is sent once; one read served the batch (the redelivery reads what the first left), or,
    # the batch's read failing, each reply was read on its own
    assert outcomes == ["sent", "sent", "sent", "settled"]
    assert len(parts.sender.sent) == 3
    expected = [[r] for r in ids] if read_fails else [list(dict.fromkeys(ids)), [replies[0].reply_id]]
    assert parts.outbox.reads == expected
