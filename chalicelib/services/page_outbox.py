"""How a page reaches people: the per-person rate limit, then the notification outbox.

Each notification (page × topic × step) is recorded pending in the same conditional write that
claims the step, then published, then marked sent. Whatever a fault leaves pending is due again
after a short grace, and the sweep publishes it at the same level, to that topic alone. So a
fault anywhere (DynamoDB or SNS, any call) means a page goes out late, never that it goes out
never; the worst case is a few extra copies (published, but the mark was lost). A level's
notification is retried for as long as its step lasts (the person's time to acknowledge), and
given up only past MAX_ATTEMPTS once the ladder has moved on from it; the last resort's, past
MAX_ATTEMPTS.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from chalicelib.errors import SwitchboardError
from chalicelib.model.decision import Priority
from chalicelib.model.event import Channel
from chalicelib.model.page import LAST_RESORT, Level, Notification, Page, PageState, Recipient
from chalicelib.model.timeline import Entry, Kind
from chalicelib.observability import logger
from chalicelib.paging.escalation import describe_time
from chalicelib.services.paging_ports import PagePublisher, PageRepository

#: how long a pending notification waits before a sweep retries it: longer than any function's
#: timeout (30 s), so a notification this old is not still being published by the call that claimed it
OUTBOX_GRACE = timedelta(seconds=60)
#: retries of one notification after the first attempt; past it, it is given up and logged as an error
#: (a level's only once the ladder has moved on from its step: see ``_given_up``)
MAX_ATTEMPTS = 5
#: marking a notification sent is tried this often in a row: each lost mark is one more copy later
SETTLE_TRIES = 3
SYSTEM = "switchboard"


def rate_exempt(page: Page, channel: str | None = None) -> bool:
    """A P1 or a live call is never held by the rate limit: the limit batches P2–P4 pages only."""
    return page.priority == Priority.P1.value or Channel.VOICE.value in (page.channel, channel)


class PageDelivery:
    """Mixed into the paging service: the fields it reads are the service's."""

    pages: PageRepository
    publisher: PagePublisher
    link: Callable[[Page, Recipient, datetime], str]
    rate_limit: int
    rate_window: timedelta
    outbox_grace: timedelta

    def _admit(self, page: Page, level: Level, now: datetime, exempt: bool) -> tuple[list[Recipient], list[str]]:
        """(who is notified now, the names held for their own digest instead).

        Counted and held before the step is claimed: a fault here fails the tick before anything is
        claimed, so the next tick tries the same level again. A person counts each page once a window,
        however many of its steps reach them, and the hold is keyed by ticket: a retried tick neither
        counts the notification twice nor lists the page twice in the digest, and a ladder that comes
        back to someone (the sales team after a founder who is in it) does not use up their room for
        the next new page. The limit is about how many things interrupt a person, not how often one does.
        """
        if exempt:
            return list(level.recipients), []
        epoch = datetime(2000, 1, 1, tzinfo=UTC)
        window = epoch + (now - epoch) // self.rate_window * self.rate_window
        ttl = int(self.rate_window.total_seconds()) * 2
        allowed, held = [], []
        for recipient in level.recipients:
            counted = self.pages.count_notification(recipient.person, window, ttl, page.page_id)
            if counted <= self.rate_limit:
                allowed.append(recipient)
                continue
            until = window + self.rate_window
            line = f"[{page.priority}] {page.customer}: {page.summary} ({page.ticket_id}, page {page.page_id})"
            text = (
                f"{recipient.name} has had {self.rate_limit} pages since {describe_time(window)}: "
                f"this {page.priority} page waits for their digest at {describe_time(until)} "
                "(the rate limit batches P2–P4 pages; a P1 or a live call always goes through)"
            )
            entry = Entry(at=now, kind=Kind.DEFERRED, page_id=page.page_id, actor=SYSTEM, text=text)
            if self.pages.hold(page.ticket_id, f"person:{recipient.person}", until, line, [recipient.topic], entry):
                held.append(recipient.name)
            else:  # that digest has gone out already: better one page too many than a page in no digest
                allowed.append(recipient)
        return allowed, held

    @staticmethod
    def _notes(page: Page, level: int, recipients: Sequence[Recipient]) -> list[Notification]:
        """One notification per topic the recipients are paged on, at the page's (new) step."""
        by_topic: dict[str, list[str]] = {}
        for recipient in recipients:
            by_topic.setdefault(recipient.topic, []).append(recipient.person)
        return [
            Notification(page_id=page.page_id, step=page.step, topic=topic, level=level, people=tuple(people))
            for topic, people in by_topic.items()
        ]

    def _deliver(self, page: Page, notes: Sequence[Notification], now: datetime) -> bool:
        """Publish claimed notifications, each on its own: one topic failing leaves only itself for the sweep."""
        sent = False
        for note in notes:
            try:
                self._publish(page, note, now)
            except SwitchboardError as exc:
                logger.warning(
                    "page not published; the sweep retries it", extra={"page_id": page.page_id, "error": str(exc)}
                )
                continue
            sent = True
            self._settle(note, now, "sent")
        return sent

    def _publish(self, page: Page, note: Notification, now: datetime) -> None:
        level = page.last_resort if note.level == LAST_RESORT else page.levels[note.level]
        assert level is not None, f"{note.key} is for a last resort page {page.page_id} does not have"
        people = tuple(r for r in level.recipients if r.person in note.people and r.topic == note.topic)
        sending = level.model_copy(update={"recipients": people})
        self.publisher.publish(page, sending, {r.person: self.link(page, r, now) for r in people}, now)

    def _settle(self, note: Notification, now: datetime, outcome: str) -> None:
        for _ in range(SETTLE_TRIES):
            try:
                self.pages.settle(note.key, now, outcome)
                return
            except SwitchboardError as exc:
                error = str(exc)
        logger.warning(
            "notification not marked; the sweep may send it once more", extra={"key": note.key, "error": error}
        )

    def _retry(self, key: str, now: datetime) -> bool:
        """A notification still pending past its grace: publish it again, at its own level and topic."""
        note = self.pages.retry(key, now, now + self.outbox_grace)
        if note is None:  # sent meanwhile, or another sweep has this attempt
            return False
        page = self.pages.get(note.page_id)
        if page is None or not _wanted(page, note):
            # someone took the page (or it moved past needing this): nobody should be woken for it now
            self._settle(note, now, f"dropped: page {page.state.value if page else 'missing'}")
            return False
        if _given_up(page, note):
            self._settle(note, now, "gave up")
            logger.error("page not published after every retry", extra={"key": key, "attempts": note.attempts})
            return False
        self._publish(page, note, now)  # a failure leaves it pending, due again after the grace
        self._settle(note, now, "sent")
        names = ", ".join(r.name for r in page.everyone() if r.person in note.people)
        text = f"retried: {names} reached on the {note.topic} pager, attempt {note.attempts + 1} (an earlier publish failed)"
        try:
            self.pages.record(
                page.ticket_id, [Entry(at=now, kind=Kind.NOTIFIED, page_id=page.page_id, actor=SYSTEM, text=text)]
            )
        except SwitchboardError:
            logger.warning("retried page sent; its timeline entry was not written", extra={"key": key})
        return True


def _given_up(page: Page, note: Notification) -> bool:
    """Past its retries, and no longer the step the ladder is waiting on. A level's notification is retried
    for as long as its step lasts: at one call in ten failing, six attempts in a row can all fail (each
    reads the page, claims the note and publishes), which left a level silent while its person's time to
    acknowledge still ran. A topic that never works is still given up once the ladder moves on."""
    if note.attempts <= MAX_ATTEMPTS:
        return False
    return note.level == LAST_RESORT or page.step > note.step


def _wanted(page: Page, note: Notification) -> bool:
    """A level's notification while the page is open (also after it escalated on: that person may still
    take it); the last resort's once the ladder ran out; nothing once someone has the page."""
    if note.level == LAST_RESORT:
        return page.state is PageState.EXHAUSTED
    return page.state is PageState.OPEN
