"""In-memory fakes of the paging ports, and a proxy that makes chosen calls fail, for fault-injection tests."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chalicelib.errors import DependencyError
from chalicelib.model.customer import Customer
from chalicelib.model.decision import Decision, Priority
from chalicelib.model.event import Channel, Sender, SupportEvent
from chalicelib.model.page import Level, Notification, Page, PageState, Recipient
from chalicelib.model.ticket import Ticket
from chalicelib.model.timeline import Entry
from chalicelib.services.paging import PagingService
from chalicelib.services.ports import Write


@dataclass
class FakePages:
    """The tickets table's page items, kept as the DynamoDB repository keeps them (conditions included)."""

    pages: dict[str, Page] = field(default_factory=dict)
    codes: dict[str, str] = field(default_factory=dict)
    folds: dict[str, tuple[str, datetime]] = field(default_factory=dict)
    timelines: dict[str, list[Entry]] = field(default_factory=dict)
    #: digest key → {team, due_at (None once finished), topics, sent (claimed once), attempts}
    digests: dict[str, dict[str, Any]] = field(default_factory=dict)
    holds: dict[str, dict[str, str]] = field(default_factory=dict)
    rates: dict[str, set[str]] = field(default_factory=dict)
    #: NOTE#… → {"note": Notification, "due_at": datetime | None, "outcome": str | None}
    notes: dict[str, dict[str, Any]] = field(default_factory=dict)

    def create(self, page: Page, fold_keys: Sequence[str], entries: Sequence[Entry]) -> Write:
        if page.page_id in self.pages:
            return Write.DUPLICATE
        if page.ack_code in self.codes:
            return Write.CONFLICT
        self.pages[page.page_id] = page
        self.codes[page.ack_code] = page.page_id
        self.folds |= dict.fromkeys(fold_keys, (page.page_id, page.opened_at))
        self.record(page.ticket_id, entries)
        return Write.STORED

    def save(
        self,
        page: Page,
        expected_step: int,
        entries: Sequence[Entry] = (),
        notes: Sequence[Notification] = (),
        retry_at: datetime | None = None,
    ) -> bool:
        if self.pages[page.page_id].step != expected_step:
            return False
        self.pages[page.page_id] = page
        self.record(page.ticket_id, entries)
        for note in notes:
            self.notes[note.key] = {"note": note, "due_at": retry_at, "outcome": None}
        return True

    def retry(self, key: str, now: datetime, next_at: datetime) -> Notification | None:
        item = self.notes.get(key)
        if item is None or item["due_at"] is None or item["due_at"] > now:
            return None
        note: Notification = item["note"]
        item["note"] = note = note.model_copy(update={"attempts": note.attempts + 1})
        item["due_at"] = next_at
        return note

    def settle(self, key: str, now: datetime, outcome: str) -> None:
        self.notes[key] |= {"due_at": None, "outcome": outcome}

    def get(self, page_id: str) -> Page | None:
        return self.pages.get(page_id)

    def by_code(self, code: str) -> Page | None:
        return self.pages.get(self.codes.get(code, ""))

    def open_for(self, keys: Sequence[str], since: datetime) -> Page | None:
        for key in keys:
            page_id, opened = self.folds.get(key, ("", since))
            page = self.pages.get(page_id)
            if page is not None and opened >= since and page.state is PageState.OPEN:
                return page
        return None

    def due(self, now: datetime, limit: int = 100) -> list[str]:
        due = [
            (p.next_due, f"PAGE#{p.page_id}") for p in self.pages.values() if p.state is PageState.OPEN and p.next_due
        ]
        due += [(d["due_at"], key) for key, d in self.digests.items() if d["due_at"] is not None]
        due += [(n["due_at"], key) for key, n in self.notes.items() if n["due_at"] is not None]
        return [key for at, key in sorted(due) if at <= now][:limit]

    def timeline(self, ticket_id: str) -> list[Entry]:
        return list(self.timelines.get(ticket_id, []))

    def record(self, ticket_id: str, entries: Sequence[Entry]) -> None:
        self.timelines.setdefault(ticket_id, []).extend(entries)

    def hold(self, ticket_id: str, team: str, until: datetime, line: str, topics: list[str], entry: Entry) -> bool:
        key = f"DIGEST#{team}#{until.isoformat()}"
        digest = self.digests.setdefault(key, {"team": team, "due_at": until, "topics": topics, "sent": False})
        if digest["sent"]:
            return False
        self.holds.setdefault(key, {})[ticket_id] = line
        self.record(ticket_id, [entry])
        return True

    def held(self, team: str, until: datetime) -> list[tuple[str, str]]:
        return list(self.holds.get(f"DIGEST#{team}#{until.isoformat()}", {}).items())

    def claim(self, key: str, now: datetime, lease_until: datetime) -> dict[str, Any] | None:
        digest = self.digests.get(key)
        if digest is None or digest["due_at"] is None or digest["due_at"] > now:
            return None
        digest |= {"sent": True, "due_at": lease_until, "attempts": digest.get("attempts", 0) + 1}
        return {
            "team": {"S": digest["team"]},
            "due_at": {"S": lease_until.isoformat()},
            "topics": {"L": [{"S": t} for t in digest["topics"]]},
            "attempts": {"N": str(digest["attempts"])},
        }

    def finish(self, key: str, now: datetime) -> None:
        self.digests[key]["due_at"] = None

    def disarm_sla(self, ticket_id: str, now: datetime) -> None:
        pass

    def count_notification(self, person: str, window: datetime, ttl_seconds: int, page_id: str) -> int:
        counted = self.rates.setdefault(f"{person}#{window.isoformat()}", set())
        counted.add(page_id)
        return len(counted)


@dataclass(frozen=True)
class Published:
    kind: str  # "page", "ack" or "digest"
    page_id: str
    topic: str
    people: tuple[str, ...]
    priority: str
    level: int | None  # the ladder level it names (None: the last resort's or an extra level)
    text: str
    at: datetime | None = None


@dataclass
class FakePublisher:
    """What SNS was asked to publish, one message per topic, as the SNS publisher sends them."""

    sent: list[Published] = field(default_factory=list)

    def publish(self, page: Page, level: Level, links: dict[str, str], now: datetime) -> list[str]:
        from chalicelib.paging.messages import email_text

        index = next((i for i, rung in enumerate(page.levels) if rung.targets == level.targets), None)
        if page.last_resort is not None and level.targets == page.last_resort.targets:
            index = None
        for topic in level.topics:
            people = tuple(r.person for r in level.recipients if r.topic == topic)
            text = email_text(page, level, links, now=now)
            self.sent.append(Published("page", page.page_id, topic, people, page.priority, index, text, now))
        return [f"m-{len(self.sent)}"]

    def announce_ack(self, page: Page) -> list[str]:
        for topic in dict.fromkeys(r.topic for r in page.paged_people()):
            self.sent.append(Published("ack", page.page_id, topic, (), page.priority, None, ""))
        return []

    def digest(self, team: str, topics: list[str], lines: list[str], now: datetime) -> list[str]:
        for topic in topics:
            self.sent.append(Published("digest", "", topic, (team,), "", None, "\n".join(lines)))
        return []


class Faults:
    """A proxy that makes chosen calls to ``target`` fail with a DependencyError, like a throttled or lost call.

    ``before`` names calls that fail without reaching the target (method → call numbers, from 1);
    ``after`` names calls that reach it and then fail (a write that happened, a publish that went out,
    whose answer was lost). ``rate`` fails each call at random (seeded), half before and half after.
    ``only`` limits which calls may fail: (method, args) → bool.
    """

    def __init__(
        self,
        target: Any,
        before: dict[str, set[int]] | None = None,
        after: dict[str, set[int]] | None = None,
        rate: float = 0.0,
        seed: int = 0,
        only: Callable[[str, tuple[Any, ...]], bool] | None = None,
    ) -> None:
        self.target, self.before, self.after, self.rate = target, before or {}, after or {}, rate
        self.only = only or (lambda _name, _args: True)
        self.calls: dict[str, int] = {}
        self.failed = 0
        self._random = random.Random(seed)

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.target, name)
        if not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            n = self.calls[name] = self.calls.get(name, 0) + 1
            roll = self._random.random() if self.rate and self.only(name, args) else 1.0
            if n in self.before.get(name, set()) or roll < self.rate / 2:
                self.failed += 1
                raise DependencyError(f"injected fault before {name} #{n}")
            result = attr(*args, **kwargs)
            if n in self.after.get(name, set()) or roll < self.rate:
                self.failed += 1
                raise DependencyError(f"injected fault after {name} #{n}")
            return result

        return call


def ticket(
    ticket_id: str,
    priority: Priority,
    channel: Channel = Channel.WIDGET,
    escalation: str | None = None,
    team: str = "support",
    customer: str = "c1",
    event_id: str | None = None,
) -> Ticket:
    """A ticket whose decision pages (``escalation`` names the policy; None: the team, once)."""
    at = datetime.fromisoformat("2026-11-24T08:00:00+00:00")
    event = SupportEvent(
        event_id=event_id or f"widget:{ticket_id}",
        channel=channel,
        provider=channel.value,
        received_at=at,
        sender=Sender(email="dana@northwind.example"),
        text=f"{priority.value} message on {ticket_id}",
    )
    decision = Decision(
        route="test", team=team, priority=priority, escalation=escalation, page_targets=(team,), rules_version="t"
    )
    who = Customer(customer_id=customer, name="Dana Whitfield", plan="enterprise", email="dana@northwind.example")
    return Ticket(ticket_id=ticket_id, event=event, customer=who, decision=decision, created_at=at)


def paging_with_fakes(
    ladders: Mapping[str | None, tuple[tuple[Level, ...], int]],
    last_resort: Level | None = None,
    pages: Any = None,
    publisher: Any = None,
) -> PagingService:
    """The paging service over fakes; ``ladders`` maps a decision's escalation policy to its (levels, repeat)."""
    return PagingService(
        pages=pages if pages is not None else FakePages(),
        publisher=publisher if publisher is not None else FakePublisher(),
        ladder=lambda t, _now: ladders[t.decision.escalation],
        link=lambda page, r, _now: f"https://switchboard.test/ack/{page.page_id}?p={r.person}",
        last_resort=lambda _now: last_resort,
    )


def recipient(person: str, topic: str) -> Recipient:
    return Recipient(person=person, name=person.title(), topic=topic, via="test")
