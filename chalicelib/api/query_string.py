"""The query string a provider called, rebuilt from API Gateway's parsed parameters.

A REST API (v1) proxy event carries no raw query string: only ``multiValueQueryStringParameters``,
decoded, with names in the order they first appear and each name's values in order (Chalice's local
gateway builds the same with ``parse_qs``). Twilio signs the URL exactly as configured, so the
original spelling matters and is lost: ``a%20b``, ``a+b`` and ``a b`` all arrive as "a b". What can be
kept is kept (the order); the spelling is guessed from the few ways people and tools write a query.
A repeated name interleaved with others (``a=1&b=2&a=3``) arrives grouped and cannot be restored.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote, quote_plus

# characters RFC 3986 allows unescaped in a query value besides the unreserved ones, minus the
# separators "&", "=", "+" (a space in forms), "#" and "%": how a hand-typed URL is usually written
_TYPED_SAFE = "!$'()*,;:@/?-._~"


def _join(params: Sequence[tuple[str, str]], encode: str) -> str:
    if encode == "typed":
        return "&".join(f"{quote(k, safe=_TYPED_SAFE)}={quote(v, safe=_TYPED_SAFE)}" for k, v in params)
    if encode == "percent":  # every reserved character escaped, a space as %20 (JavaScript's encodeURIComponent)
        return "&".join(f"{quote(k, safe='-._~')}={quote(v, safe='-._~')}" for k, v in params)
    return "&".join(f"{quote_plus(k)}={quote_plus(v)}" for k, v in params)  # form style: a space as "+"


def candidates(params: Sequence[tuple[str, str]]) -> tuple[str, ...]:
    """Query strings the caller may have used for ``params`` (in received order), most likely first.

    Received order before sorted order (sorted: what this API rebuilt before, and an order some
    tools normalise to); within each, hand-typed, fully percent-encoded, then form encoding.
    An HMAC check tries each: a signature still has to match one spelling of exactly these parameters.
    """
    if not params:
        return ("",)
    found: list[str] = []
    for ordered in (list(params), sorted(params)):
        for encode in ("typed", "percent", "form"):
            query = _join(ordered, encode)
            if query not in found:
                found.append(query)
    return tuple(found)
