"""The burst's figures: latencies against the budget, the queue's drain, every error counted, as a report and JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bench.voice_report import percentile

#: the issue's budget: a paging message's page is published on SNS within 2 s of its webhook, p99, locally
BUDGET_PAGE_P99_MS = 2000.0
#: a webhook sent this much later than its slot means the senders fell behind the schedule
BEHIND_MS = 250.0
INCLUDES = (
    "signed webhooks over loopback HTTP (a new TCP connection each) to the real Chalice app, from a few sender threads",
    "ingest: signature check, parse, SQS SendMessage to the moto server (its own process)",
    "the queue worker (Lambda's event source mapping, locally) running triage in this process: dedup, customer, "
    "decide(), incident counting, the ticket and the page in DynamoDB, SNS Publish",
)
CAVEAT = (
    "on a small shared machine, one process holds the API server, the workers and the senders, sharing the GIL, "
    "and one more the moto server, whose DynamoDB takes one request at a time. Absolute figures are not AWS's"
)


@dataclass(frozen=True)
class Latencies:
    """Milliseconds, in any order: nearest-rank percentiles (a latency that really happened)."""

    values_ms: tuple[float, ...]

    @property
    def count(self) -> int:
        return len(self.values_ms)

    def p(self, q: float) -> float | None:
        return percentile(sorted(self.values_ms), q) if self.values_ms else None

    @property
    def p50(self) -> float | None:
        return self.p(50)

    @property
    def p99(self) -> float | None:
        return self.p(99)

    @property
    def max(self) -> float | None:
        return max(self.values_ms) if self.values_ms else None

    def to_dict(self) -> dict[str, Any]:
        def ms(value: float | None) -> float | None:
            return None if value is None else round(value, 1)

        return {"count": self.count, "p50_ms": ms(self.p50), "p99_ms": ms(self.p99), "max_ms": ms(self.max)}


@dataclass(frozen=True)
class Sent:
    """One webhook as the sender saw it."""

    label: str
    kind: str
    status: int  # 0: no answer (an exception)
    ms: float  # send → the whole answer read
    late_ms: float  # how long after its slot in the schedule it was sent
    event_id: str = ""  # the message's, from the request (the answer names it too, but not Twilio's TwiML)

    @property
    def accepted(self) -> bool:
        return 200 <= self.status < 300


@dataclass(frozen=True)
class Cpu:
    """CPU seconds used from the first send until the queue drained, by process: where a message's cost goes."""

    messages: int
    process_s: float  # this process: the API, the workers, the senders, the scheduler, the inbox
    senders_s: float  # of which the sender threads (the providers' side, not the platform's)
    moto_s: float | None  # the moto server's process (None where the OS does not say)

    @property
    def platform_s(self) -> float:
        return self.process_s - self.senders_s

    def per_message_ms(self, seconds: float | None) -> float | None:
        return None if seconds is None else seconds * 1000 / max(1, self.messages)

    def to_dict(self) -> dict[str, Any]:
        def ms(seconds: float | None) -> float | None:
            value = self.per_message_ms(seconds)
            return None if value is None else round(value, 1)

        return {
            "platform_ms_per_message": ms(self.platform_s),
            "moto_ms_per_message": ms(self.moto_s),
            "senders_ms_per_message": ms(self.senders_s),
            "platform_s": round(self.platform_s, 2),
            "moto_s": None if self.moto_s is None else round(self.moto_s, 2),
            "senders_s": round(self.senders_s, 2),
        }


@dataclass(frozen=True)
class BurstResult:
    count: int
    seconds: float  # the schedule: ``count`` webhooks evenly over this long
    senders: int
    clock: str  # the platform's clock when the burst began (ISO 8601)
    sent: tuple[Sent, ...]
    send_span_s: float  # first send → last answer
    page_ms: Latencies  # webhook sent → its page published on SNS, for the paging messages that paged
    pages_expected: int
    pages_missing: tuple[str, ...]  # labels of paging messages with no page published
    pages_undelivered: tuple[str, ...]  # published, but not in the pager inbox (SNS → SQS subscription)
    drain_s: float | None  # last answer → the events queue empty (visible, in flight, delayed); None: timed out
    tickets_expected: int  # accepted events
    tickets_found: int
    tickets_missing: int
    tickets_duplicated: int
    dead_letters: int
    worker_errors: tuple[str, ...]
    incidents: int
    incident_reports: int  # reports linked to the incident(s)
    outage_pages: int  # distinct pages published for the outage reports' tickets
    outage_publishes: int  # SNS messages for them (a page reaches one topic per message)
    mix: dict[str, int] = field(default_factory=dict)  # kind → webhooks
    providers: dict[str, int] = field(default_factory=dict)
    cpu: Cpu | None = None
    #: paging messages paged later than the budget, each with its page's timeline: why a page was late shows
    #: in the run that was slow, not only why one never came
    pages_late: tuple[str, ...] = ()
    budget_page_p99_ms: float = BUDGET_PAGE_P99_MS
    includes: tuple[str, ...] = INCLUDES

    @property
    def accept_ms(self) -> Latencies:
        return Latencies(tuple(s.ms for s in self.sent if s.accepted))

    @property
    def statuses(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for s in self.sent:
            key = str(s.status) if s.status else "no answer"
            found[key] = found.get(key, 0) + 1
        return dict(sorted(found.items()))

    @property
    def rejected(self) -> int:
        return sum(1 for s in self.sent if not s.accepted)

    @property
    def late(self) -> Latencies:
        return Latencies(tuple(s.late_ms for s in self.sent))

    @property
    def fell_behind(self) -> int:
        return sum(1 for s in self.sent if s.late_ms > BEHIND_MS)

    @property
    def errors(self) -> int:
        return (
            self.rejected
            + len(self.pages_missing)
            + len(self.pages_undelivered)
            + self.tickets_missing
            + self.tickets_duplicated
            + self.dead_letters
            + len(self.worker_errors)
            + (self.drain_s is None)
        )

    @property
    def verdict(self) -> str:
        p99 = self.page_ms.p99
        return "PASS" if p99 is not None and p99 <= self.budget_page_p99_ms and not self.pages_missing else "OVER"

    def to_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "seconds": self.seconds,
            "senders": self.senders,
            "platform_clock": self.clock,
            "mix": self.mix,
            "providers": self.providers,
            "send_span_s": round(self.send_span_s, 2),
            "late": {**self.late.to_dict(), "over_250_ms": self.fell_behind},
            "webhook_to_2xx": self.accept_ms.to_dict(),
            "statuses": self.statuses,
            "webhook_to_page": self.page_ms.to_dict(),
            "budget_page_p99_ms": self.budget_page_p99_ms,
            "verdict": self.verdict,
            "pages": {
                "expected": self.pages_expected,
                "missing": list(self.pages_missing),
                "not_in_inbox": list(self.pages_undelivered),
                "later_than_budget": list(self.pages_late),
            },
            "drain_s": None if self.drain_s is None else round(self.drain_s, 2),
            "tickets": {
                "expected": self.tickets_expected,
                "found": self.tickets_found,
                "missing": self.tickets_missing,
                "duplicated": self.tickets_duplicated,
            },
            "dead_letters": self.dead_letters,
            "worker_errors": list(self.worker_errors),
            "outage": {
                "incidents": self.incidents,
                "linked_reports": self.incident_reports,
                "pages": self.outage_pages,
                "sns_messages": self.outage_publishes,
            },
            "cpu": None if self.cpu is None else self.cpu.to_dict(),
            "errors": self.errors,
            "includes": list(self.includes),
            "caveat": CAVEAT,
        }


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


def _row(name: str, lat: Latencies, note: str = "") -> str:
    return f"  {name:<34} {lat.count:>6} {_ms(lat.p50):>8} {_ms(lat.p99):>8} {_ms(lat.max):>8}  {note}".rstrip()


def format_report(result: BurstResult) -> str:
    mix = ", ".join(f"{n} {kind}" for kind, n in result.mix.items())
    providers = ", ".join(f"{name} {n}" for name, n in result.providers.items())
    behind = (
        f"the senders fell behind: {result.fell_behind} webhooks went out more than {BEHIND_MS:.0f} ms late "
        f"(latest {_ms(result.late.max)} ms)"
        if result.fell_behind
        else f"on schedule (latest {_ms(result.late.max)} ms after its slot)"
    )
    drain = "not drained (timed out)" if result.drain_s is None else f"{result.drain_s:.1f} s"
    lines = [
        f"Burst: {result.count:,} signed webhooks over {result.seconds:g} s on loopback to the local platform "
        f"({result.senders} sender threads; platform clock {result.clock})",
        f"  mix: {mix}; providers: {providers}",
        f"  sent in {result.send_span_s:.1f} s, {behind}",
        f"  {'':<34} {'count':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}",
        _row("webhook → HTTP 2xx", result.accept_ms, ", ".join(f"{k}: {v}" for k, v in result.statuses.items())),
        _row(
            "webhook → page on SNS (paging)",
            result.page_ms,
            f"budget p99 ≤ {result.budget_page_p99_ms:,.0f} ms: {result.verdict}",
        ),
        f"  queue drained {drain} after the last answer",
        f"  pages: {result.pages_expected - len(result.pages_missing)} of {result.pages_expected} paging messages "
        f"paged ({len(result.pages_undelivered)} published but not in the pager inbox)",
        f"  outage: {result.mix.get('outage', 0)} reports → {result.incidents} suspected incident(s) "
        f"({result.incident_reports} reports linked), {result.outage_pages} page(s), "
        f"{result.outage_publishes} SNS message(s)",
        f"  tickets: {result.tickets_found} for {result.tickets_expected} accepted webhooks "
        f"({result.tickets_missing} missing, {result.tickets_duplicated} duplicated); "
        f"dead letters: {result.dead_letters}; worker errors: {len(result.worker_errors)}",
        f"  errors in all: {result.errors}",
    ]
    if result.cpu is not None:
        cpu = result.cpu
        lines.append(
            f"  CPU per message, first send to drained: platform process {_ms(cpu.per_message_ms(cpu.platform_s))} ms, "
            f"moto server's process {_ms(cpu.per_message_ms(cpu.moto_s))} ms "
            f"(senders {_ms(cpu.per_message_ms(cpu.senders_s))} ms, not counted)"
        )
    lines += [f"    missing page: {label}" for label in result.pages_missing[:5]]
    lines += [f"    late page: {label}" for label in result.pages_late[:5]]
    lines += [f"    worker: {line}" for line in result.worker_errors[:5]]
    lines.append(f"  ({CAVEAT})")
    return "\n".join(lines)


def summary(result: BurstResult) -> str:
    return (
        f"Burst of {result.count:,} webhooks in {result.seconds:g} s (local platform): webhook → 2xx "
        f"p50 {_ms(result.accept_ms.p50)} ms, p99 {_ms(result.accept_ms.p99)} ms; webhook → page p99 "
        f"{_ms(result.page_ms.p99)} ms (budget ≤ {result.budget_page_p99_ms:,.0f} ms, {result.verdict}); "
        f"queue drained {'—' if result.drain_s is None else f'{result.drain_s:.1f} s'} after the last answer; "
        f"the outage's {result.mix.get('outage', 0)} reports → {result.incidents} incident, "
        f"{result.outage_pages} page; {result.errors} errors."
    )
