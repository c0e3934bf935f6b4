"""Email conversations for the email adapters: the thread (ticket tag, Message-ID chain) and whether a human wrote it."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from email.utils import getaddresses
from typing import Protocol

# re-exported: the email adapters import the key bound from here, next to the thread keys it bounds
from chalicelib.channels.bounds import bounded_key as bounded_key

# our ticket ids (chalicelib.services.triage.ticket_id_for): "T-" and ten hex digits, as the tag of a local
# part ("support+T-ABC1234567"); mail clients and servers may change the case of a local part
_TICKET_TAG = re.compile(r"\+(T-[0-9A-F]{10})$", re.IGNORECASE)
_BRACKETED = re.compile(r"<([^<>\s]+)>")


def message_ids(value: str | None) -> list[str]:
    """The message ids in a Message-ID, In-Reply-To or References value, in order, without angle brackets.

    Folding and comments ("<id> (Dana's message of …)") fall away because only bracketed ids count;
    a value with no brackets at all (some mailers write a bare id) yields its tokens that contain "@".
    Ids are kept exactly: RFC 5322 defines no case folding for them and clients copy them verbatim.
    """
    if not value:
        return []
    return _BRACKETED.findall(value) or [token for token in value.split() if "@" in token]


def ticket_tag(recipients: Iterable[str], support_domains: Collection[str] = ()) -> str | None:
    """Our ticket id from a plus-addressed recipient ("support+T-ABC1234567@…"), upper-cased; the first one wins.

    ``recipients`` are raw To/Cc header values (several addresses each). With ``support_domains``
    only addresses at those domains count, so a customer's own "+T-…" tag cannot redirect a thread;
    without, any address does (the tag's shape makes an accidental match all but impossible).
    """
    values = [value for value in recipients if "+" in value]
    if not values:  # most mail: no plus address at all, so no address parsing (the slow part)
        return None
    domains = {domain.lower() for domain in support_domains}
    for _, address in getaddresses(values):
        local, at, domain = address.rpartition("@")
        if not at or (domains and domain.lower() not in domains):
            continue
        if match := _TICKET_TAG.search(local):
            return match.group(1).upper()
    return None


def thread_key(
    *,
    message_id: str | None,
    in_reply_to: str | None = None,
    references: str | None = None,
    recipients: Iterable[str] = (),
    support_domains: Collection[str] = (),
    fallback_id: str | None = None,
) -> str | None:
    """Which conversation an email belongs to.

    1. ``ticket:T-…`` when it was sent to a plus-addressed ticket address (our replies carry one in Reply-To);
    2. ``email:<root>``: the first id in References (the thread's first message: RFC 5322 asks clients
       that shorten References to keep it), else In-Reply-To;
    3. ``email:<own Message-ID>``: a new thread, which later replies will name as their root.
    ``fallback_id`` stands in for a missing Message-ID (a provider's id or a content hash).
    """
    if ticket := ticket_tag(recipients, support_domains):
        return f"ticket:{ticket}"
    for candidates in (message_ids(references), message_ids(in_reply_to), message_ids(message_id)):
        if candidates:
            return bounded_key("email", candidates[0])
    return bounded_key("email", fallback_id) if fallback_id else None


class HeaderLookup(Protocol):
    """Anything with a case-insensitive ``get`` of one header's raw value (email_text.Headers)."""

    def get(self, name: str) -> str | None: ...


_BULK = frozenset({"bulk", "junk", "list", "auto_reply"})
_DAEMONS = frozenset({"mailer-daemon", "postmaster"})


def automated_reason(headers: HeaderLookup, sender: str | None, envelope_sender: str | None = None) -> str | None:
    """Why this email is from a machine (auto-reply, bounce, bulk), or None for a human.

    Answering an auto-reply with a ticket acknowledgement, which the autoresponder answers again, is a
    mail loop; RFC 3834 asks responders to mark themselves and to ignore these same signals.
    """
    auto = (headers.get("auto-submitted") or "").split(";")[0].strip().lower()
    if auto and auto != "no":  # RFC 3834: anything but "no" is automatic (auto-replied, auto-generated, …)
        return f"auto-reply: Auto-Submitted: {auto}"
    precedence = (headers.get("precedence") or "").strip().lower()
    if precedence in _BULK:
        return f"bulk mail: Precedence: {precedence}"
    for name in ("X-Autoreply", "X-Autorespond"):
        value = headers.get(name)
        if value is not None and value.strip().lower() != "no":
            return f"auto-reply: {name}"
    if (sender or "").rpartition("@")[0].lower() in _DAEMONS:
        return "bounce: mailer-daemon sender"
    if (headers.get("content-type") or "").lower().startswith("multipart/report"):
        return "bounce: delivery status report"
    if envelope_sender is not None and envelope_sender.strip() in ("", "<>"):
        return "bounce: empty envelope sender"  # RFC 5321: the null reverse-path is for notifications only
    return None


#: RFC 5322's line limit: a References value longer than this is cut to whole ids (see ``reply_references``)
MAX_REFERENCES = 998


def reply_references(references: str | None, in_reply_to: str | None = None, limit: int = MAX_REFERENCES) -> str:
    """The ids a reply's References starts with (the sender appends the message's own id); "" when none.

    RFC 5322 3.6.4: the parent's References, else its In-Reply-To when that names one message. A long
    thread is shortened to whole ids, keeping the first (the thread's root, which RFC 5322 asks
    shorteners to keep and which ``thread_key`` reads) and then as many of the latest as fit.
    """
    ids = message_ids(references)
    if not ids:
        parents = message_ids(in_reply_to)
        ids = parents if len(parents) == 1 else []
    ids = [f"<{i}>" for i in ids if len(i) + 2 <= limit]
    if not ids or len(" ".join(ids)) <= limit:
        return " ".join(ids)
    kept: list[str] = []
    room = limit - len(ids[0])
    for item in reversed(ids[1:]):
        if len(item) + 1 > room:
            break
        kept.append(item)
        room -= len(item) + 1
    return " ".join([ids[0], *reversed(kept)])


def reply_signals(headers: HeaderLookup) -> dict[str, str]:
    """What an email says about answering it, as flat metadata for the reply guard (replies/guard.py).

    RFC 3834's ``Auto-Submitted`` and ``Precedence``, a mailing list's ``List-Id``/``List-Unsubscribe``,
    Microsoft's ``X-Auto-Response-Suppress`` and the older ``X-Autoreply``/``X-Autorespond``; and the
    References a reply threads under. Only signals that are there are set; values are cut to a size
    a timeline line can quote.
    """
    signals: dict[str, str] = {}
    auto = (headers.get("auto-submitted") or "").split(";")[0].strip().lower()
    if auto and auto != "no":
        signals["auto_submitted"] = auto[:60]
    precedence = (headers.get("precedence") or "").strip().lower()
    if precedence in _BULK:
        signals["precedence"] = precedence
    list_id = (headers.get("list-id") or "").strip()
    if list_id:
        signals["list_id"] = list_id[:200]
    elif headers.get("list-unsubscribe") is not None:
        # no List-Id, but an unsubscribe link is a list all the same (newsletters often send only this)
        signals["list_id"] = "List-Unsubscribe"
    suppress = (headers.get("x-auto-response-suppress") or "").strip()
    if suppress:
        signals["auto_response_suppress"] = suppress[:100]
    for name in ("X-Autoreply", "X-Autorespond"):
        value = headers.get(name)
        if value is not None and value.strip().lower() != "no":
            signals["x_autoreply"] = name
            break
    if references := reply_references(headers.get("references"), headers.get("in-reply-to")):
        signals["references"] = references
    return signals
