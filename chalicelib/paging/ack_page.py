"""The small HTML page an ack link opens: readable on a phone, self-contained, every value escaped.

Opening the link only shows this page; the acknowledgement is the POST its button sends. Mail
scanners and chat link previews fetch GET links on their own, and must not stop an escalation.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from html import escape

from chalicelib.model.page import Page, PageState
from chalicelib.paging.ack_details import Conversation, call_form, contact_rows, message_block, reply_form
from chalicelib.paging.escalation import describe_time, name_of

# Inline and small: no external assets, so the page loads on a poor connection and leaks nothing.
_STYLE = """
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;padding:1rem;color:#1a1a1a;background:#f6f6f4}
main{max-width:32rem;margin:0 auto;background:#fff;border-radius:8px;padding:1rem 1.25rem;box-shadow:0 1px 3px #0002}
h1{font-size:1.25rem;margin:.25rem 0 .75rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem .75rem;margin:0 0 1rem}
dt{color:#666}dd{margin:0;overflow-wrap:anywhere}
.summary{font-size:1.1rem;overflow-wrap:anywhere}
button{width:100%;font-size:1.1rem;padding:.9rem;border:0;border-radius:6px;background:#1f6feb;color:#fff}
.state{padding:.75rem;border-radius:6px;background:#eee}
.ok{border-left:6px solid #2da44e}.error{border-left:6px solid #cf222e}.info{border-left:6px solid #1f6feb}
.subject{font-weight:600;margin:0 0 .25rem;overflow-wrap:anywhere}
.message{white-space:pre-wrap;overflow-wrap:anywhere;background:#f6f6f4;border-radius:6px;padding:.75rem;margin:0 0 1rem}
.note{color:#666;font-size:.9rem;margin:.25rem 0 1rem}
form{margin:0 0 1rem}label{display:block;margin:0 0 .25rem;color:#444}
textarea{box-sizing:border-box;width:100%;font:inherit;padding:.5rem;border:1px solid #bbb;border-radius:6px;margin:0 0 .5rem}
button.secondary{background:#fff;color:#1f6feb;border:2px solid #1f6feb}
select,input[type=text]{box-sizing:border-box;width:100%;font:inherit;padding:.5rem;border:1px solid #bbb;border-radius:6px;margin:0 0 .5rem;background:#fff}
.incident{border:2px solid #bf8700;border-radius:8px;padding:.75rem;margin:0 0 1rem}
h2{font-size:1.1rem;margin:0 0 .5rem}ul.reports{padding-left:1.1rem;margin:0 0 .5rem;overflow-wrap:anywhere}a{color:#1f6feb;overflow-wrap:anywhere}
"""
_STATUSES = frozenset({"ok", "error", "info"})


def _csp() -> str:
    # Nothing but our own inline style (pinned by its hash, so an injected <style> or script would not
    # run even if escaping failed), a form that posts back to us, and no framing (clickjacking the
    # Acknowledge button from another site).
    style = base64.b64encode(hashlib.sha256(_STYLE.encode("utf-8")).digest()).decode("ascii")
    return (
        f"default-src 'none'; style-src 'sha256-{style}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    )


#: headers for every HTML answer: CSP, and X-Frame-Options for browsers that predate frame-ancestors
SECURITY_HEADERS = {
    "Content-Security-Policy": _csp(),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
_STATE_WORDS = {
    PageState.OPEN: "escalating: not acknowledged yet",
    PageState.ACKED: "acknowledged",
    PageState.RESOLVED: "resolved",
    PageState.EXHAUSTED: "nobody acknowledged in time: escalation stopped; you can still take it",
}


def confirm_page(
    page: Page,
    person_name: str,
    form_action: str,
    hidden: Mapping[str, str],
    conversation: Conversation | None = None,
    incident: str = "",
    console: str | None = None,
) -> str:
    """What the link shows: the page's context, and a button to acknowledge while it is still open.

    ``incident``: the incident block (paging/ack_incident.py), already rendered, shown first when the page
    was sent for a suspected incident.

    With the ``conversation`` (the ticket could be read): the customer's whole message, their contact
    and local time, a reply box posting to ``<form_action>/reply`` and a call-back button posting to
    ``<form_action>/call``.

    ``console``: a sign-in link (15 minutes) that opens the ticket in the console, signed in as this person.
    """
    paged = ", ".join(r.name for r in page.paged_people()) or "nobody yet"
    rows = [
        ("Priority", page.priority),
        ("Customer", page.customer),
        ("Ticket", page.ticket_id),
        ("Paged", paged),
        ("State", _STATE_WORDS.get(page.state, page.state.value)),
    ]
    if conversation is not None:
        rows[1:2] = contact_rows(page, conversation.ticket, conversation.now)
    details = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in rows)
    # an exhausted page is still open to a taker: nobody answered, so whoever opens the link now should
    if page.state in (PageState.OPEN, PageState.EXHAUSTED):
        fields = "".join(f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in hidden.items())
        action = (
            f'<form method="post" action="{escape(form_action)}">{fields}'
            f'<button type="submit">Acknowledge</button></form>'
        )
    else:
        # with a reply box below, there is still something to do here: answer the customer
        action = f'<p class="state">{escape(_closed_line(page, final=conversation is None))}</p>'
    if conversation is None:
        message, answer = f'<p class="summary">{escape(page.summary)}</p>', ""
    else:
        message = message_block(page, conversation.ticket)
        answer = reply_form(f"{form_action}/reply", hidden, conversation) + call_form(
            f"{form_action}/call", hidden, conversation
        )
    body = (
        f"<p>Hi {escape(person_name)}, you were paged for this ticket.</p>"
        f"{incident}{message}<dl>{details}</dl>{action}{answer}"
    )
    if console:
        body += (
            f'<p><a href="{escape(console)}">Open in the console</a>: the whole ticket, its history, your queue.</p>'
        )

    return _document(f"[{page.priority}] {page.customer}", body)


def result_page(title: str, message: str, status: str, links: Sequence[tuple[str, str]] = ()) -> str:
    """The outcome of a POST or of a bad link; ``status`` is "ok", "error" or "info" (anything else: "info").

    ``links``: (text, URL) pairs shown below the message (the status page, back to the page).
    """
    css = status if status in _STATUSES else "info"
    more = "".join(f'<p><a href="{escape(url)}">{escape(text)}</a></p>' for text, url in links)
    return _document(title, f'<p class="state {css}">{escape(message)}</p>{more}')


def _closed_line(page: Page, final: bool = True) -> str:
    end = " Nothing more to do here." if final else ""
    if page.acked_by is not None:
        when = f" at {describe_time(page.acked_at)}" if page.acked_at is not None else ""
        done = "; the ticket is resolved" if page.state is PageState.RESOLVED else ""
        return f"Acknowledged by {name_of(page, page.acked_by)}{when}{done}.{end}"
    return f"This page is {page.state.value}.{end}"


def _document(title: str, body: str) -> str:
    # no-referrer: the URL carries the signature, which should not travel anywhere else
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer"><meta name="robots" content="noindex">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main><h1>{escape(title)}</h1>{body}</main></body></html>\n"
    )
