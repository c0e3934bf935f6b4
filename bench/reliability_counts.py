"""The reliability benchmark's verdict, pure: from what the tables say and what SNS really published, the counts.

Definitions (the README's "Reliability" section repeats them):

- *lost event*: an event none of whose deliveries reached the DLQ, and that has no ticket or
  follow-up (no ticket of its own, and no dedup marker naming one): the queue deleted it, and nothing remembers it.
- *duplicate ticket*: a second (third, …) ticket or follow-up record for one event id.
- *level step*: one rung of a page's ladder in one round, as the page's timeline records it
  ("notified" entries: "paging level 1 of 2", "escalating to level 2 of 2", "round 2 of 3").
  Retries of a step write more entries for the same step; they are one step here.
- *silent step*: a step the timeline says was notified, with a person on it who got no SNS
  message for it: no page message on their topic naming them at that level after the step
  began, and no rate-limit digest for them, sent after it began, naming the page or its ticket.
  A *silent page* has one or more.
  A ticket marked paged ("sent") whose timeline names no page at all is silent too.
- *extra notification*: a page message beyond one per page × topic × level step, or one that
  matches no step the timeline recorded. The outbox's own retries ("retried: …" entries) are
  more copies of a step, not steps.
- *raised page*: a fold from a more urgent message ("raised from P2 to P1") restarts the ladder
  at level 1 of the new policy; steps before it are an earlier *epoch*, and their people (kept on
  the page as ``earlier``) count as reached when any message of that step went out.
- *last resort*: a page that ran out tells its last resort once that nobody answered; an
  exhausted page whose last resort got no message is silent, and a second copy is extra.

Counting reads the page only through its public model (levels, recipients) and timeline entries,
never the pages table's items, so it keeps meaning the same when the table's layout changes.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bench.reliability_faults import Published
from chalicelib.model.page import Page
from chalicelib.model.timeline import Entry, Kind

_STEP_LEVEL = re.compile(r"(?:paging|escalating to) level (\d+) of \d+")
_ROUND = re.compile(r"\(round (\d+) of \d+\)")
_RAISED = "; raised from "
_LAST_RESORT = "as the last resort"


@dataclass(frozen=True)
class Step:
    page_id: str
    round: int
    level: int
    at: datetime  # when the timeline first recorded it
    epoch: int = 0  # how many times a more urgent fold had restarted the ladder before this step


@dataclass(frozen=True)
class Observed:
    """Everything the benchmark read back after the run, faults switched off."""

    events: Sequence[str]  # every event id generated
    delivered: Mapping[str, str | None]  # event id → the ticket it opened or its dedup marker names (None: no record)
    dlq_events: Mapping[str, int]  # event id → messages of it that went to the DLQ
    records: Sequence[tuple[str, bool]]  # (event id, is a follow-up) of every ticket and follow-up record
    marked_paged: Sequence[str]  # tickets (or their follow-ups) whose page status says sent
    timelines: Mapping[str, Sequence[Entry]]  # ticket id → its timeline
    pages: Mapping[str, Page]  # every page a timeline names
    published: Sequence[Published]  # every message SNS accepted
    topics: Mapping[str, str] = field(default_factory=dict)  # PAGER_TOPICS: key → ARN


@dataclass(frozen=True)
class Counts:
    events: int
    tickets: int
    follow_ups: int
    lost: int
    duplicates: int
    dlq_messages: int
    dlq_events: int
    dlq_without_ticket: int
    pages: int
    steps: int
    silent_steps: int
    silent_pages: int
    silent_tickets: int
    notifications: int
    extra: int
    via_digest: int
    digests: int
    lost_ids: tuple[str, ...] = ()
    silent_ids: tuple[str, ...] = ()

    @property
    def extra_share(self) -> float:
        return self.extra / self.notifications if self.notifications else 0.0

    def to_dict(self) -> dict[str, Any]:
        figures = {k: v for k, v in self.__dict__.items() if not k.endswith("_ids")}
        return {**figures, "extra_share": round(self.extra_share, 4)}


def steps_of(page_id: str, entries: Iterable[Entry]) -> list[Step]:
    """The level steps a page's timeline says were notified, in order, each once."""
    steps: dict[tuple[int, int, int], Step] = {}
    round_ = epoch = 0
    for entry in sorted(entries, key=lambda e: e.at):
        if entry.page_id != page_id:
            continue
        if entry.kind is Kind.FOLDED and _RAISED in entry.text:
            round_, epoch = 0, epoch + 1  # the new ladder starts at its level 1, round 1
            continue
        if entry.kind is not Kind.NOTIFIED or entry.text.startswith("retried:"):
            continue
        level = _STEP_LEVEL.search(entry.text)
        if level is None:
            # figures built on a misread timeline would be wrong without a sign: stop instead
            raise ValueError(
                f"cannot tell which level step the timeline entry {entry.text!r} of page {page_id} notified: "
                "the benchmark reads 'paging level N of M', 'escalating to level N of M' and '(round R of S)'"
            )
        if repeated := _ROUND.search(entry.text):
            round_ = int(repeated.group(1)) - 1
        key = (epoch, round_, int(level.group(1)) - 1)
        steps.setdefault(key, Step(page_id, key[1], key[2], entry.at, epoch))
    return list(steps.values())


def count(observed: Observed) -> Counts:
    records = Counter(event_id for event_id, _ in observed.records)
    lost = sorted(e for e in observed.events if observed.delivered.get(e) is None and e not in observed.dlq_events)
    dlq_without = [e for e in observed.dlq_events if observed.delivered.get(e) is None]
    by_arn = {arn: key for key, arn in observed.topics.items()}

    pages_published: dict[str, list[Published]] = defaultdict(list)
    digests: list[Published] = []
    for message in observed.published:
        if message.kind == "page" and message.page_id:
            pages_published[message.page_id].append(message)
        elif message.kind == "digest":
            digests.append(message)

    steps_total = silent_steps = extra = via_digest = 0
    silent_pages: list[str] = []
    for page_id, page in sorted(observed.pages.items()):
        steps = steps_of(page_id, observed.timelines.get(page.ticket_id, ()))
        steps_total += len(steps)
        current = max((s.epoch for s in steps), default=0)
        sent_to: dict[tuple[int, int, int, str], list[Published]] = defaultdict(list)
        last_resort: Counter[str] = Counter()
        for message in pages_published.get(page_id, []):
            topic = by_arn.get(message.topic_arn, message.topic_arn)
            if _LAST_RESORT in message.body:
                last_resort[topic] += 1
                continue
            step = _step_for(page, steps, message, current)
            if step is None:
                extra += 1  # published for a level the timeline never recorded
                continue
            sent_to[(step.epoch, step.round, step.level, topic)].append(message)
        extra += sum(len(messages) - 1 for messages in sent_to.values())
        extra += sum(n - 1 for n in last_resort.values())
        silent_here = 0
        if page.state.value == "exhausted" and page.last_resort is not None and not last_resort:
            silent_here += 1  # nobody was told the ladder ran out
        for step in steps:
            if step.epoch != current:
                # the ladder a more urgent fold replaced: its levels are no longer on the page
                silent_here += not any(k[:3] == (step.epoch, step.round, step.level) for k in sent_to)
                continue
            missed = False
            for recipient in page.levels[step.level].recipients:
                direct = sent_to.get((step.epoch, step.round, step.level, recipient.topic), [])
                if any(m.people is None or recipient.person in m.people for m in direct):
                    continue
                if any(_digest_covers(d, page, recipient.person, step.at) for d in digests):
                    via_digest += 1
                    continue
                missed = True
            silent_here += missed
        silent_steps += silent_here
        if silent_here:
            silent_pages.append(page_id)

    named = {e.page_id for entries in observed.timelines.values() for e in entries if e.page_id}
    silent_tickets = sorted(
        t for t in set(observed.marked_paged) if not any(e.page_id in named for e in observed.timelines.get(t, ()))
    )
    notifications = sum(len(v) for v in pages_published.values())
    return Counts(
        events=len(observed.events),
        tickets=sum(not follow_up for _, follow_up in observed.records),
        follow_ups=sum(follow_up for _, follow_up in observed.records),
        lost=len(lost),
        duplicates=sum(n - 1 for n in records.values()),
        dlq_messages=sum(observed.dlq_events.values()),
        dlq_events=len(observed.dlq_events),
        dlq_without_ticket=len(dlq_without),
        pages=len(observed.pages),
        steps=steps_total,
        silent_steps=silent_steps,
        silent_pages=len(silent_pages) + len(silent_tickets),
        silent_tickets=len(silent_tickets),
        notifications=notifications,
        extra=extra,
        via_digest=via_digest,
        digests=len(digests),
        lost_ids=tuple(lost),
        silent_ids=tuple(silent_pages + silent_tickets),
    )


def _step_for(page: Page, steps: Sequence[Step], message: Published, current: int) -> Step | None:
    """The latest step at the message's level that had begun when it was published.

    A message that does not say its level (a level cut short by the rate limit reads "an extra
    level") belongs to the latest step whose level reaches everyone it names.
    """

    def fits(step: Step) -> bool:
        if message.level is not None:
            return step.level == message.level
        if step.epoch != current:
            return True
        reached = {r.person for r in page.levels[step.level].recipients}
        return message.people is not None and set(message.people) <= reached

    candidates = [s for s in steps if s.at <= message.at and fits(s)]
    return candidates[-1] if candidates else None


def _digest_covers(digest: Published, page: Page, person: str, since: datetime) -> bool:
    """A rate-limit digest for ``person``, sent after the step began, that lists the page or its ticket.

    The ticket is enough: a digest holds one line per ticket, and a person told about the ticket
    has been told about its pages (an SLA page and an escalation of one ticket share that line).
    """
    if digest.people != (person,) or digest.at < since:
        return False
    return f"page {page.page_id}" in digest.body or f"({page.ticket_id}," in digest.body
