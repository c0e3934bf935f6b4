"""Bounds every adapter applies before it maps: JSON nesting and size, code points, id lengths, timestamps.

A correctly signed body can still hold anything its provider lets a customer or a buggy integration
write: ``[`` five thousand times, ``\\ud800`` as a JSON escape, an id of 300 characters, a timestamp
in the year 300,000. Each of these raised deep inside json, pydantic or datetime (a 500 the provider
retries). Here each becomes either a PayloadError that names the field, or a value clipped, hashed,
replaced or dropped, decided once for every adapter.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from typing import Any

from chalicelib.errors import PayloadError

#: no provider nests deeper than ~8 levels (Meta: entry → messaging → message → attachments → payload)
MAX_DEPTH = 32
#: above every provider's body limit (api/responses.py), so a route's 413 answers first
MAX_JSON_BYTES = 1024 * 1024
#: SupportEvent.event_id allows 256 characters; thread keys keep to the same bound for the tables' keys
MAX_KEY_LENGTH = 256
#: a provider's message time outside these years is a corrupt field, not a message time: it is dropped
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)

# the characters a JSON nesting scan must look at; everything else is skipped by the regex engine in C
_JSON_TOKENS = re.compile(rb'[\\"\[\]{}]')
_OPEN = frozenset(b"[{")
_CLOSE = frozenset(b"]}")
# lone surrogates cannot be encoded as UTF-8 (SQS, DynamoDB and pydantic's serializer refuse them)
_SURROGATE = re.compile("[\ud800-\udfff]")
# C0 controls other than tab, line feed and carriage return, and DEL: no human writes them, terminals obey them;
# and the noncharacters U+FFFE and U+FFFF, which SQS refuses in a message body (moto accepts them)
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def json_depth_exceeds(body: bytes, limit: int = MAX_DEPTH) -> bool:
    """Whether arrays/objects nest deeper than ``limit``; linear, and it never recurses.

    json.loads recurses once per level: ``[`` × 5,000 raises RecursionError (or, with a deep enough
    stack, exhausts it). Brackets inside strings do not count, so the scan tracks strings and escapes.
    """
    depth = 0
    in_string = False
    skip = -1
    for match in _JSON_TOKENS.finditer(body):
        at = match.start()
        if at == skip:
            continue  # the character after a backslash inside a string is escaped
        char = body[at]
        if in_string:
            if char == 0x5C:
                skip = at + 1
            elif char == 0x22:
                in_string = False
        elif char == 0x22:
            in_string = True
        elif char in _OPEN:
            depth += 1
            if depth > limit:
                return True
        elif char in _CLOSE:
            depth -= 1
    return False


def load_json(body: bytes | str, *, max_depth: int = MAX_DEPTH, max_bytes: int = MAX_JSON_BYTES) -> Any:
    """Parse a JSON body with bounded size and nesting, every string cleaned (see ``clean_text``).

    Raises PayloadError for what is not JSON, too large or too deep; the reason never quotes the body.
    """
    data = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    if len(data) > max_bytes:
        raise PayloadError(f"body: larger than {max_bytes:,} bytes", field="body")
    if json_depth_exceeds(data, max_depth):
        raise PayloadError(f"body: JSON nested deeper than {max_depth} levels", field="body")
    try:
        raw = json.loads(data)
    except RecursionError:  # unreachable after the scan, kept so a miscount can never be a 500
        raise PayloadError(f"body: JSON nested deeper than {max_depth} levels", field="body") from None
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, and ints over 4,300 digits
        position = f" at position {exc.pos}" if isinstance(exc, json.JSONDecodeError) else ""
        raise PayloadError(f"body is not valid JSON{position}") from None
    return clean_json(raw)


def clean_json(value: Any) -> Any:
    """``value`` with every string (keys too) cleaned; its nesting is already bounded by the caller."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [clean_json(item) for item in value]
    if isinstance(value, dict):
        return {clean_text(key): clean_json(item) for key, item in value.items()}
    return value


def clean_text(text: str) -> str:
    """Lone surrogates become U+FFFD; control characters (except tab and line breaks), U+FFFE and U+FFFF go.

    What is left is what SQS accepts in a message body (#x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD #x10000-…).
    """
    if _SURROGATE.search(text):
        text = _SURROGATE.sub("\ufffd", text)
    if _CONTROL.search(text):
        text = _CONTROL.sub("", text)
    return text


def clip(text: str | None, limit: int) -> str | None:
    """At most ``limit`` characters, an ellipsis marking a cut; None stays None."""
    if text is None or len(text) <= limit:
        return text
    return text[: limit - 1] + "…"


def bounded_key(prefix: str, value: str, limit: int = MAX_KEY_LENGTH) -> str:
    """``prefix:value``, or ``prefix:sha256:<hex>`` when that would not fit a key.

    The hash is of the whole value, so a retry of the same over-long id maps to the same key (dedup
    still works) and two different long ids do not collide. A short value is cleaned (``clean_text``):
    the key is also an SQS message attribute, which refuses what SQS bodies refuse.
    """
    key = f"{prefix}:{clean_text(value)}"
    if len(key) <= limit:
        return key
    return f"{prefix}:sha256:{hashlib.sha256(value.encode('utf-8', 'surrogatepass')).hexdigest()}"


def from_epoch(value: float | None, *, millis: bool = False) -> datetime | None:
    """A provider's Unix time (seconds, or milliseconds) as UTC; None when absent or outside the plausible years.

    Compared before converting: fromtimestamp raises OverflowError or ValueError far before int does.
    """
    if value is None or isinstance(value, bool):
        return None
    scale = 1000 if millis else 1
    low, high = EARLIEST.timestamp() * scale, LATEST.timestamp() * scale
    if not low <= value < high:  # NaN fails this too
        return None
    return datetime.fromtimestamp(value / scale, UTC)


def utc_iso(moment: datetime | None) -> str | None:
    """An aware time as ISO 8601 in UTC; None when outside the plausible years (year 9999 at -23:59 overflows)."""
    if moment is None:
        return None
    try:
        utc = moment.astimezone(UTC)
    except (OverflowError, ValueError):
        return None
    return utc.isoformat() if EARLIEST <= utc < LATEST else None


def epoch_iso(value: float | None, *, millis: bool = False) -> str | None:
    """``from_epoch`` as ISO 8601, for an event's ``metadata["sent_at"]``."""
    moment = from_epoch(value, millis=millis)
    return None if moment is None else moment.isoformat()
