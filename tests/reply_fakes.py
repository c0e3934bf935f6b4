"""In-memory stand-ins for the reply outbox, its queue and a provider, for the reply service's tests."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from chalicelib.errors import DependencyError
from chalicelib.model.timeline import Entry
from chalicelib.replies.model import GRACE, Claim, Reply, ReplyState, SendResult, Snapshot, ThreadBusy, ThreadHold


@dataclass
class FakeOutbox:
    """The outbox's contract (chalicelib.adapters.replies_table) over a dict: leases, settles, thread claims."""

    replies: dict[str, Reply] = field(default_factory=dict)
    due_at: dict[str, datetime] = field(default_factory=dict)
    leases: dict[str, datetime] = field(default_factory=dict)
    in_flight: set[str] = field(default_factory=set)
    not_before: dict[str, datetime] = field(default_factory=dict)
    threads: dict[str, tuple[str, datetime]] = field(default_factory=dict)
    replied: dict[str, tuple[datetime, str]] = field(default_factory=dict)
    timeline: list[tuple[str, Entry]] = field(default_factory=list)
    reads: list[list[str]] = field(default_factory=list)  # the ids of each read, in order

    def record(self, reply: Reply, retry_at: datetime) -> bool:
        if reply.reply_id in self.replies:
            return False
        self.replies[reply.reply_id] = reply
        if reply.state is ReplyState.PENDING:
            self.due_at[reply.reply_id] = retry_at
        return True

    def get(self, reply_id: str) -> Reply | None:
        return self.replies.get(reply_id)

    def read(self, reply_ids: Sequence[str]) -> dict[str, Snapshot]:
        self.reads.append(list(reply_ids))
        return {r: self._snapshot(r) for r in reply_ids if r in self.replies}

    def _snapshot(self, reply_id: str) -> Snapshot:
        return Snapshot(
            self.replies[reply_id],
            in_flight=reply_id in self.in_flight,
            lease_until=self.leases.get(reply_id),
            not_before=self.not_before.get(reply_id),
            due_at=self.due_at.get(reply_id),
        )

    def claim(
        self, snapshot: Snapshot, now: datetime, lease_until: datetime, thread: ThreadHold | None = None
    ) -> Claim | ThreadBusy | None:
        reply_id = snapshot.reply.reply_id
        if reply_id not in self.replies or not self._snapshot(reply_id).claimable(now):
            return None
        if thread is not None:
            held = self.threads.get(thread.thread_key)
            if held is not None and held[1] > now and held[0] != reply_id:
                return ThreadBusy(self.replies[reply_id])
            self.threads[thread.thread_key] = (reply_id, thread.until)
        reply = self.replies[reply_id]
        interrupted = reply_id in self.in_flight
        self.leases[reply_id] = lease_until
        self.due_at[reply_id] = max(self.due_at.get(reply_id, lease_until), lease_until)
        self.in_flight.add(reply_id)
        reply = reply.model_copy(
            update={"attempts": reply.attempts + 1, "possible_duplicates": reply.possible_duplicates + interrupted}
        )
        self.replies[reply_id] = reply
        return Claim(reply, interrupted)

    def settle(
        self,
        reply: Reply,
        state: ReplyState,
        now: datetime,
        message_id: str | None = None,
        reason: str | None = None,
        *,
        entry: Entry | None = None,
        replied_by: str | None = None,
        claimed: bool = True,
    ) -> bool:
        if self.replies[reply.reply_id].state is not ReplyState.PENDING:
            return False
        if not claimed and self.leases.get(reply.reply_id, now) > now:
            return False
        sent_at = now if state is ReplyState.SENT else None
        self.replies[reply.reply_id] = reply.model_copy(
            update={"state": state, "provider_message_id": message_id, "reason": reason, "sent_at": sent_at}
        )
        for held in (self.due_at, self.leases, self.not_before):
            held.pop(reply.reply_id, None)
        self.in_flight.discard(reply.reply_id)
        if replied_by is not None:
            self.replied.setdefault(reply.ticket_id, (now, replied_by))
        if entry is not None:
            self.timeline.append((reply.ticket_id, entry))
        return True

    @contextmanager
    def batch(self) -> Iterator[None]:
        yield  # every write here is at once: nothing is held

    def flush(self) -> None:
        pass

    def release(self, reply_id: str, now: datetime, not_before: datetime, reason: str, uncertain: bool) -> None:
        self.leases.pop(reply_id, None)
        if not uncertain:
            self.in_flight.discard(reply_id)
        self.not_before[reply_id] = not_before
        self.due_at[reply_id] = not_before + GRACE

    def due(self, now: datetime, limit: int = 100) -> list[str]:
        return sorted((r for r, at in self.due_at.items() if at <= now), key=self.due_at.__getitem__)[:limit]

    def snooze(self, reply_id: str, now: datetime, until: datetime) -> bool:
        if reply_id not in self.due_at or self.due_at[reply_id] > now:
            return False
        self.due_at[reply_id] = until
        return True

    def for_ticket(self, ticket_id: str) -> list[Reply]:
        return sorted((r for r in self.replies.values() if r.ticket_id == ticket_id), key=lambda r: r.created_at)


@dataclass
class FakeReplyQueue:
    queued: list[str] = field(default_factory=list)
    batches: list[list[str]] = field(default_factory=list)  # one per enqueue_many
    fail: bool = False

    def enqueue(self, reply_id: str) -> None:
        if self.fail:
            raise DependencyError("replies queue down")
        self.queued.append(reply_id)

    def enqueue_many(self, reply_ids: Sequence[str]) -> dict[str, str]:
        if self.fail:
            return dict.fromkeys(reply_ids, "replies queue down")
        self.queued.extend(reply_ids)
        self.batches.append(list(reply_ids))
        return {}


@dataclass
class ScriptedSender:
    """A provider that answers from a script (then "sent"), and remembers what it was asked to send."""

    script: list[SendResult] = field(default_factory=list)
    sent: list[Reply] = field(default_factory=list)
    counter: Iterator[int] = field(default_factory=lambda: iter(range(1, 1_000_000)))

    def send(self, reply: Reply, now: datetime) -> SendResult:
        self.sent.append(reply)
        if self.script:
            return self.script.pop(0)
        return SendResult.sent(f"SM{next(self.counter):032x}")
