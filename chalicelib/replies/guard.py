"""When an automatic reply must not be sent: no reply storms, no loops (pure; the clock is a parameter).

An automatic answer to an automatic message is how mail loops start (RFC 3834): an out-of-office
answers our acknowledgement, which answers the out-of-office… So the rules' auto-reply is refused for
machine-sent and bulk mail, mail the provider judged spam, our own numbers and accounts, a customer who
texted STOP, a channel whose replies are off, and a thread answered automatically within the window.
A person's reply from the ack page is not automatic and is never refused here.

The reasons are written for the ticket's timeline: they name the signal, never the customer's address.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chalicelib.model.directory import email_key, handle_key, phone_key
from chalicelib.model.event import Channel, SupportEvent
from chalicelib.replies.policy import ReplyPolicy

#: SpamAssassin's default required score, which SendGrid's spam_report quotes ("5.0 required")
SPAM_SCORE = 5.0
#: X-Auto-Response-Suppress values that ask for no automatic reply (DR, NDR, RN and NRN are about receipts)
_SUPPRESSES_REPLIES = frozenset({"all", "oof", "autoreply"})
_PROVIDERS = {"ses": "SES", "sendgrid": "SendGrid"}


def refusal(event: SupportEvent, policy: ReplyPolicy, *, opted_out: bool = False) -> str | None:
    """Why an automatic reply must not answer ``event``, in words for the timeline; None when it may.

    ``opted_out``: the sender's number texted STOP earlier (adapters/opt_outs.py), for the caller to look up.
    """
    if reason := _ours(event, policy):
        return f"not answered: {reason}"
    meta = event.metadata
    if meta.get("opt_out") == "stop":
        return "not answered: the customer opted out (STOP)"
    if opted_out:
        return "not answered: the customer opted out (texted STOP earlier, and not START since)"
    if event.channel is Channel.EMAIL and (reason := _email(event)):
        return f"not answered: {reason}"
    if not policy.answers(event.channel.value):
        return f"not answered: automatic replies on {event.channel.value} are off in the rules"
    return None


def within_window(last_auto_reply_at: datetime | None, now: datetime, policy: ReplyPolicy) -> bool:
    """Whether the thread had an automatic reply less than ``policy.once_per_thread`` before ``now``.

    A reply recorded after ``now`` (another container's clock, a redelivery triaged late) counts as
    within: of two replies racing, refusing one is the safe way round.
    """
    if last_auto_reply_at is None:
        return False
    # in UTC: Python subtracts two times sharing a tzinfo on their wall clocks, which is an hour off across DST
    return now.astimezone(UTC) - last_auto_reply_at.astimezone(UTC) < policy.once_per_thread


def window_refusal(last_auto_reply_at: datetime | None, now: datetime, policy: ReplyPolicy) -> str | None:
    """``within_window`` in the timeline's words; None when the thread may have another automatic reply."""
    if not within_window(last_auto_reply_at, now, policy):
        return None
    return f"not answered: this conversation had an automatic reply in the last {_span(policy.once_per_thread)}"


def _ours(event: SupportEvent, policy: ReplyPolicy) -> str | None:
    sender, ours = event.sender, policy.never_answer
    if sender.phone and phone_key(sender.phone) in ours:
        return "our own number"
    if sender.email and email_key(sender.email) in ours:
        return "our own address"
    if sender.handle and handle_key(sender.handle) in ours:
        return "our own account"
    return None


def _email(event: SupportEvent) -> str | None:
    meta = event.metadata
    if auto := meta.get("auto_submitted"):
        return f"an automatic email (Auto-Submitted: {auto})"
    if header := meta.get("x_autoreply"):
        return f"an automatic email ({header})"
    suppress = meta.get("auto_response_suppress", "")
    if any(token.strip().lower() in _SUPPRESSES_REPLIES for token in suppress.split(",")):
        return f"the sender asks for no automatic replies (X-Auto-Response-Suppress: {suppress})"
    if precedence := meta.get("precedence"):
        return f"bulk mail (Precedence: {precedence})"
    if list_id := meta.get("list_id"):
        # answering a list answers every subscriber; the header's name says which one showed it
        return f"a mailing list ({'List-Unsubscribe' if list_id == 'List-Unsubscribe' else 'List-Id'})"
    provider = _PROVIDERS.get(event.provider, event.provider)
    if meta.get("virus") == "FAIL":
        return f"marked as carrying a virus by {provider}"
    if meta.get("spam") == "FAIL":
        return f"marked as spam by {provider}"
    score = _number(meta.get("spam_score"))
    if score is not None and score >= SPAM_SCORE:
        return f"marked as spam by {provider} (spam score {score:g}, {SPAM_SCORE:g} or more is spam)"
    return None


def _number(text: str | None) -> float | None:
    try:
        value = float(text) if text else None
    except ValueError:
        return None
    return value if value is not None and value == value else None  # NaN is no score


def _span(window: timedelta) -> str:
    minutes = int(window.total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    if not rest:
        return f"{hours}h"
    return f"{hours}h {rest}m" if hours else f"{rest}m"
