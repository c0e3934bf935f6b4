"""What SNS publishes for one level of a page: a short SMS, a full email, and attributes to filter on."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from chalicelib.model.page import Level, Page
from chalicelib.paging.escalation import describe_duration, describe_recipients, describe_time, name_of

#: one SMS segment; counted in characters (a summary with emoji or "…" is sent as UCS-2 and may split)
SMS_LIMIT = 160
#: SNS wants a subject "less than 100 characters long"
SUBJECT_LIMIT = 99

# SNS rejects a subject with control characters, and an SMS should be one line
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def publish_args(
    page: Page,
    level: Level,
    topic_arn: str,
    links: Mapping[str, str],
    now: datetime,
    *,
    topic: str | None = None,
) -> dict[str, Any]:
    """Keyword arguments for ``sns.publish`` of ``level`` to one topic.

    ``links`` maps person key to that person's ack URL. ``topic`` is the PAGER_TOPICS key behind
    ``topic_arn``: with it, the ``people`` attribute names only this level's recipients on that
    topic, so a subscription filtering on one person does not also get the copy sent to another
    topic; without it, every recipient of the level.
    """
    email = email_text(page, level, links, now=now)
    people = [r.person for r in level.recipients if topic is None or r.topic == topic]
    attributes = {
        "kind": "page",
        "priority": page.priority,
        "team": page.team,
        "channel": page.channel,
        "tier": page.tier,
        "ticket_id": page.ticket_id,
        "page_id": page.page_id,
    }
    return {
        "TopicArn": topic_arn,
        "Subject": subject(page),
        "MessageStructure": "json",
        # "default" reaches every protocol not named (HTTPS, SQS, the local inbox): give it the full text
        "Message": json.dumps({"default": email, "sms": sms_text(page), "email": email}),
        # attributes let a subscription FilterPolicy select, say, P1 only or one person
        "MessageAttributes": {
            # SNS refuses an attribute whose value is empty, so an unknown tier is left out, not sent blank
            **{k: {"DataType": "String", "StringValue": v} for k, v in attributes.items() if v},
            "people": {"DataType": "String.Array", "StringValue": json.dumps(people)},
        },
    }


def ack_args(page: Page, topic_arn: str, topic: str) -> dict[str, Any]:
    """Keyword arguments for ``sns.publish`` telling a topic's people that the page was taken: stand down."""
    who = name_of(page, page.acked_by) if page.acked_by else "someone"
    when = f" at {describe_time(page.acked_at)}" if page.acked_at else ""
    text = (
        f"[ACK] {_line(page.customer)}: {who} has it{when} (ticket {page.ticket_id}). "
        "Escalation stopped; no action needed."
    )
    people = [r.person for r in page.paged_people() if r.topic == topic]
    return {
        "TopicArn": topic_arn,
        "Subject": _truncate(f"[ACK] {_line(page.customer)}: {who} has it", SUBJECT_LIMIT),
        "MessageStructure": "json",
        "Message": json.dumps({"default": text, "sms": _truncate(text, SMS_LIMIT), "email": text}),
        "MessageAttributes": {
            "kind": {"DataType": "String", "StringValue": "ack"},
            "priority": {"DataType": "String", "StringValue": page.priority},
            "team": {"DataType": "String", "StringValue": page.team},
            "ticket_id": {"DataType": "String", "StringValue": page.ticket_id},
            "page_id": {"DataType": "String", "StringValue": page.page_id},
            "people": {"DataType": "String.Array", "StringValue": json.dumps(people)},
        },
    }


def digest_args(team: str, lines: Sequence[str], topic_arn: str, sent_at: datetime) -> dict[str, Any]:
    """Keyword arguments for ``sns.publish`` of a digest: what a team held until it opened, or what one
    person's rate limit held back ("person:maya"): one message instead of a burst."""
    n = len(lines)
    plural = "s" if n != 1 else ""
    person = team.removeprefix("person:") if team.startswith("person:") else None
    who = f"for {person}" if person else team
    head = f"Digest {who}: {n} held message{plural}, due now ({describe_time(sent_at)})"
    first = _line(lines[0]) if lines else ""
    body = "\n".join([head, "", *(f"  - {line}" for line in lines)])
    attributes = {
        "kind": {"DataType": "String", "StringValue": "digest"},
        "team": {"DataType": "String", "StringValue": team},
        "count": {"DataType": "Number", "StringValue": str(n)},
    }
    if person:
        attributes["people"] = {"DataType": "String.Array", "StringValue": json.dumps([person])}
    return {
        "TopicArn": topic_arn,
        "Subject": _truncate(f"[digest] {who}: {n} held message{plural}", SUBJECT_LIMIT),
        "MessageStructure": "json",
        "Message": json.dumps(
            {
                "default": body,
                "sms": _truncate(f"[digest] {who}: {n} held message{plural} due now. {first}", SMS_LIMIT),
                "email": body,
            }
        ),
        "MessageAttributes": attributes,
    }


def person_filter(person: str) -> dict[str, Any]:
    """The SNS FilterPolicy of one person's phone or email subscription to their pager topic.

    Every page, acknowledgement and rate-limit digest names who it is for in ``people``; a team's
    start-of-day digest names nobody and is for everyone on the topic. Without this filter a
    subscriber gets every copy on the topic, the on-call person's pages included, and their own
    rate limit cannot hold anything back from them.
    """
    return {"$or": [{"people": [person]}, {"kind": ["digest"], "people": [{"exists": False}]}]}


def subject(page: Page) -> str:
    """The email subject: '[P1] Northwind Traders: Checkout is down…', one line, under SNS's limit."""
    return _truncate(f"[{_flag(page)}] {_line(page.customer)}: {_line(page.summary)}", SUBJECT_LIMIT)


def sms_text(page: Page) -> str:
    """'[P1] Northwind Traders: Checkout is down… (3 msgs) Reply ACK 482913', never over SMS_LIMIT characters.

    The ack instruction always survives whole: it is the one part the person must act on.
    """
    tail = f" Reply ACK {page.ack_code}"
    count = f" ({page.count} msgs)" if page.count > 1 else ""
    head = f"[{_truncate(_line(page.priority), 8)}{' unanswered' if _unanswered(page) else ''}] "
    customer, summary = _line(page.customer), _line(page.summary)
    separator = ": " if customer and summary else ""
    budget = SMS_LIMIT - len(head) - len(separator) - len(count) - len(tail)
    # the customer takes what the summary leaves, but never more than a third when both are long
    customer = _truncate(customer, max(budget - len(summary), budget // 3))
    summary = _truncate(summary, budget - len(customer))
    text = f"{head}{customer}{separator}{summary}{count}{tail}"
    # only an absurd ack code or count gets here; keep the end, where the instruction is
    return text if len(text) <= SMS_LIMIT else text[-SMS_LIMIT:]


def email_text(page: Page, level: Level, links: Mapping[str, str], *, now: datetime | None = None) -> str:
    """Everything the person needs to decide without opening anything else, and how to acknowledge."""
    total = len(page.levels)
    index = None if _unanswered(page, level) else _index(page, level)
    position = f"level {index + 1} of {total}" if index is not None else "an extra level"
    count = f" ({page.count} messages)" if page.count > 1 else ""
    if _unanswered(page, level):
        rounds = page.repeat + 1
        reach = (
            f"Nobody acknowledged this page: its whole ladder ran {_times(rounds)} without an answer "
            f"and escalation has stopped. It comes to you as the last resort: {describe_recipients(level)}."
        )
        then = "Nobody else will be paged. Take it with your link below, or by SMS."
    else:
        reach = f"This page reaches {position}: {describe_recipients(level)}."
        then = _next_step(page, level, index, now)
    lines = [
        f"[{_flag(page, level)}] {_line(page.customer)}: {_line(page.summary)}{count}",
        "",
        f"Customer:  {_line(page.customer)} ({page.tier} tier)" if page.tier else f"Customer:  {_line(page.customer)}",
        f"Channel:   {page.channel}",
        f"Ticket:    {page.ticket_id}",
        f"Page:      {page.page_id} (team {page.team})",
        "",
        reach,
        then,
        "",
        "Acknowledge:",
        *(f"  {name}: {url}" for name, url in _link_lines(page, level, links)),
        f"or reply ACK {page.ack_code} by SMS.",
    ]
    if page.reasons:
        lines += ["", "Why this was paged:", *(f"  - {reason}" for reason in page.reasons)]
    rounds = page.repeat + 1
    runs = f"runs {_times(rounds)}"
    policy = f"policy {page.policy}, " if page.policy else ""
    lines += ["", f"Escalation ladder ({policy}{runs}):"]
    for i, rung in enumerate(page.levels):
        here = "  ← this page" if i == index else ""
        lines.append(
            f"  {i + 1}. {describe_recipients(rung)} — {describe_duration(rung.ack_timeout_seconds)} to acknowledge{here}"
        )
    return "\n".join(lines) + "\n"


def _next_step(page: Page, level: Level, index: int | None, now: datetime | None) -> str:
    wait = describe_duration(level.ack_timeout_seconds)
    if now is not None:
        wait += f" (by {describe_time(now + timedelta(seconds=level.ack_timeout_seconds))})"
    total = len(page.levels)
    if index is not None and index + 1 < total:
        then = f"it escalates to level {index + 2} of {total} ({describe_recipients(page.levels[index + 1])})"
    elif page.round < page.repeat:
        then = f"the ladder starts again at level 1 (round {page.round + 2} of {page.repeat + 1})"
    else:
        then = "escalation stops with nobody acknowledged"
    return f"If nobody acknowledges within {wait}, {then}."


def _unanswered(page: Page, level: Level | None = None) -> bool:
    """The message to the last resort that the ladder ran out (not a level of the ladder itself)."""
    return page.last_resort is not None and (level is None or level.targets == page.last_resort.targets)


def _flag(page: Page, level: Level | None = None) -> str:
    """'P1', or 'P1 unanswered' on the last resort's message: it must not read like one more page."""
    return _line(page.priority) + (" unanswered" if _unanswered(page, level) else "")


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n} times"


def _link_lines(page: Page, level: Level, links: Mapping[str, str]) -> list[tuple[str, str]]:
    """This level's people first, then anyone else given a link (earlier levels may still answer)."""
    order = [r.person for r in level.recipients if r.person in links]
    order += [person for person in links if person not in order]
    return [(name_of(page, person), links[person]) for person in order]


def _index(page: Page, level: Level) -> int | None:
    # the cursor names the level just notified; search only if the caller sends some other level. By
    # targets: a level's message to one topic, or to those its rate limit let through, names fewer people
    if 0 <= page.level < len(page.levels) and page.levels[page.level].targets == level.targets:
        return page.level
    return next((i for i, rung in enumerate(page.levels) if rung.targets == level.targets), None)


def _line(text: str) -> str:
    """One line, control characters and runs of whitespace folded to single spaces."""
    return " ".join(_CONTROL.sub(" ", text).split())


def _truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…" if limit > 0 else ""
