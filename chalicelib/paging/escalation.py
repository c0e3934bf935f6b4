"""The escalation state machine, pure: given a page and ``now``, what happens next and why.

No I/O and no clock reads: the caller passes ``now`` and writes the returned page with a
conditional write on the step it read, so a stale or duplicate tick changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from chalicelib.errors import SwitchboardError
from chalicelib.model.page import Level, Page, PageState


class AckRefused(SwitchboardError):
    """The page can no longer be acknowledged: someone already did, it was resolved, or it gave up.

    Carries the page's state and who acknowledged it, so a caller can treat a repeated ack by the
    same person (a double tap, a retried POST) as the success it is.
    """

    http_status = 409
    code = "page_closed"

    def __init__(
        self, reason: str, state: PageState, acked_by: str | None = None, acked_at: datetime | None = None
    ) -> None:
        super().__init__(reason)
        self.state = state
        self.acked_by = acked_by
        self.acked_at = acked_at


@dataclass(frozen=True)
class Advance:
    """One tick's outcome: the page to write, the level to notify (None: the ladder is exhausted), and why."""

    page: Page
    notify: Level | None
    reason: str


def advance(page: Page, now: datetime) -> Advance | None:
    """Move the cursor one step if the page is due; None if there is nothing to do at ``now``.

    When the ladder has run out, the returned page is EXHAUSTED and ``notify`` is None: the caller
    tells the last resort, once, in the same write.
    """
    if page.state is not PageState.OPEN or page.next_due is None or now < page.next_due:
        return None
    total = len(page.levels)
    rounds = page.repeat + 1
    if page.level < 0:
        level, round_ = 0, page.round
        reason = f"opened: paging level 1 of {total} ({describe_recipients(page.levels[0])})"
    elif page.level + 1 < total:
        level, round_ = page.level + 1, page.round
        waited = describe_duration(page.levels[page.level].ack_timeout_seconds)
        reason = (
            f"no acknowledgement within {waited}: escalating to level {level + 1} of {total} "
            f"({describe_recipients(page.levels[level])})"
        )
    elif page.round < page.repeat:
        level, round_ = 0, page.round + 1
        reason = (
            f"no acknowledgement at level {total} of {total}: repeating the ladder (round {round_ + 1} of {rounds}), "
            f"paging level 1 of {total} ({describe_recipients(page.levels[0])})"
        )
    else:
        exhausted = page.model_copy(update={"state": PageState.EXHAUSTED, "next_due": None, "step": page.step + 1})
        return Advance(exhausted, None, f"no acknowledgement after {_plural(rounds, 'round')}: escalation exhausted")
    notified = page.levels[level]
    # From ``now``, not from the old due time: a late tick (a slow sweep, a redelivered message)
    # still gives the person their full timeout instead of escalating past them at once.
    due = now + timedelta(seconds=notified.ack_timeout_seconds)
    moved = page.model_copy(update={"level": level, "round": round_, "step": page.step + 1, "next_due": due})
    return Advance(moved, notified, reason)


def acknowledge(page: Page, person: str, at: datetime) -> Page:
    """Someone took the page: escalation stops.

    An exhausted page can still be taken: the ladder ran out, but the ticket still needs a person,
    and the link or ACK code in every message must lead somewhere.
    """
    if page.state not in (PageState.OPEN, PageState.EXHAUSTED):
        raise _refused(page, person, "acknowledged")
    return page.model_copy(
        update={"state": PageState.ACKED, "acked_by": person, "acked_at": at, "next_due": None, "step": page.step + 1}
    )


def resolve(page: Page, person: str, at: datetime) -> Page:
    """The work is done. Allowed from open or acknowledged.

    Resolving an open page is also the first human answer to it, so it records the resolver as
    the one who stopped the escalation; the model has no resolved_by/resolved_at of its own yet.
    """
    if page.state is PageState.ACKED:
        return page.model_copy(update={"state": PageState.RESOLVED, "next_due": None, "step": page.step + 1})
    if page.state in (PageState.OPEN, PageState.EXHAUSTED):
        return page.model_copy(
            update={
                "state": PageState.RESOLVED,
                "acked_by": person,
                "acked_at": at,
                "next_due": None,
                "step": page.step + 1,
            }
        )
    raise _refused(page, person, "resolved")


def describe_recipients(level: Level) -> str:
    """'Priya Nair, on call, rotation primary' or 'Maya Chen, Tom Okafor — team founders'."""
    groups: dict[str, list[str]] = {}
    for recipient in level.recipients:
        groups.setdefault(recipient.via, []).append(recipient.name)
    parts = []
    for via, names in groups.items():
        if not via:
            parts.append(", ".join(names))
        elif len(names) == 1:
            parts.append(f"{names[0]}, {via}")
        else:
            parts.append(f"{', '.join(names)} — {via}")
    return "; ".join(parts)


def describe_duration(seconds: int) -> str:
    """'5 minutes', '1 hour', '90 seconds': the largest unit that divides evenly, so nothing is rounded away."""
    if seconds and seconds % 3600 == 0:
        return _plural(seconds // 3600, "hour")
    if seconds and seconds % 60 == 0:
        return _plural(seconds // 60, "minute")
    return _plural(seconds, "second")


def describe_time(moment: datetime) -> str:
    """'08:05 UTC on 24 Nov 2026': UTC, because the reader's zone is unknown here."""
    t = moment.astimezone(UTC)
    return f"{t:%H:%M} UTC on {t.day} {t:%b %Y}"


def name_of(page: Page, person: str) -> str:
    """The display name of a person the page reaches, or the key itself if they are not on it."""
    return next((r.name for r in page.everyone() if r.person == person), person)


def _refused(page: Page, person: str, verb: str) -> AckRefused:
    if page.state is PageState.ACKED and page.acked_by is not None:
        who = "you" if page.acked_by == person else name_of(page, page.acked_by)
        when = f" at {describe_time(page.acked_at)}" if page.acked_at is not None else ""
        reason = f"page {page.page_id} was already acknowledged by {who}{when}"
    elif page.state is PageState.RESOLVED:
        reason = f"page {page.page_id} is already resolved"
    else:
        reason = f"page {page.page_id} cannot be {verb} in state {page.state.value}"
    return AckRefused(reason, page.state, page.acked_by, page.acked_at)


def _plural(n: int, unit: str) -> str:
    return f"{n} {unit}{'' if n == 1 else 's'}"
