"""How the fuzz mutates a sample: JSON trees, url-encoded forms and query strings, SendGrid's multipart form.

Each mutator takes a seeded Random and a shape (bench/fuzz_cases.py's SHAPES) and returns the changed
request; a shape a body has no place for (surrogates in a form) becomes its nearest equivalent.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qsl, urlencode

from local.samples import SampleRequest

ODD_TEXT = (
    "\u202egnp.exe",  # right-to-left override
    "zero\u200bwidth\u200djoin\ufeff",
    "nul\x00byte",
    "\x1b[31mred\x1b[0m",
    "e\u0301\u0301\u0301\u0301",  # stacked combining marks
    "🚨" * 50,
    "\uffff\ufffe\U0010ffff",
    "ǅ ß ﬁ İ",  # case mappings that change length
    "",
    " ",
    "\r\n\r\n",
    "%00%ZZ%",
    "<script>alert(1)</script>",
    "a" * 257,
)
EXTREME_NUMBERS: tuple[Any, ...] = (
    0,
    -1,
    1,
    10**12,
    10**17,
    10**30,
    -(10**19),
    2**63,
    10**400,
    1.5e308,
    -1.5e308,
    0.5,
    float("nan"),
    float("inf"),
    "9" * 400,
    "-0",
    "1e400",
)
WRONG_TYPES: tuple[Any, ...] = (None, True, False, [], {}, "", 0, "text", [1, "two"], {"k": "v"})
SURROGATES = ("\ud800", "\udfff", "\udc80", "x\ud83dy")
LONG_LENGTHS = (129, 257, 288, 302, 1_000, 5_000)
HUGE_LENGTHS = (257, 20_001, 40_001, 120_000, 300_000)
NESTING = (33, 100, 1_000, 5_000, 5_000)
ID_KEYS = ("id", "mid", "event_id", "message_id", "id_str", "conversation_id", "ts", "user", "channel")
NESTED_MARK = "<nested here>"
TIME_KEYS = ("time", "timestamp", "event_time", "created_timestamp", "created_at")


# --- JSON bodies ------------------------------------------------------------------------------------


def mutate_json(rng: random.Random, base: SampleRequest, shape: str) -> SampleRequest:
    if shape == "garbage":
        return replace(base, body=garbage(rng, base.body))
    if shape == "nested" and rng.random() < 0.3:
        depth = rng.choice(NESTING)
        return replace(base, body=b"[" * depth + b"]" * depth)
    tree = json.loads(base.body)
    headers = dict(base.headers)
    if shape == "long_id" and "webhook-id" in headers and rng.random() < 0.5:
        headers["webhook-id"] = "msg_" + "x" * rng.choice(LONG_LENGTHS)
    else:
        tree = _mutate_tree(rng, tree, shape)
    # ensure_ascii: a lone surrogate goes out as the JSON escape \ud800, as a provider's encoder writes it
    body = json.dumps(tree, ensure_ascii=rng.random() < 0.7 or _has_surrogate(tree)).encode("utf-8", "surrogatepass")
    if shape == "nested":
        depth = rng.choice(NESTING)
        opener, closer = (b"[", b"]") if rng.random() < 0.5 else (b'{"a":', b"}")
        body = body.replace(json.dumps(NESTED_MARK).encode(), opener * depth + b"1" + closer * depth, 1)
    return replace(base, headers=headers, body=body)


def _has_surrogate(tree: Any) -> bool:
    return any(0xD800 <= ord(c) <= 0xDFFF for c in json.dumps(tree, ensure_ascii=False))


Slot = tuple[Any, Any]  # (container, key or index)


def _slots(tree: Any, keep: Callable[[Any, Any], bool] = lambda key, value: True) -> list[Slot]:
    """Every (container, key) in the tree whose key and value ``keep`` accepts; iterative."""
    found: list[Slot] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, value in items:
            if keep(key, value):
                found.append((node, key))
            if isinstance(value, dict | list):
                stack.append(value)
    return found


def _mutate_tree(rng: random.Random, tree: Any, shape: str) -> Any:
    strings = _slots(tree, lambda key, value: isinstance(value, str))
    if shape == "nested":
        slots = _slots(tree) or [({"root": tree}, "root")]
        container, key = rng.choice(slots)
        container[key] = NESTED_MARK  # json.dumps recurses: _json writes the nesting into the text instead
    elif shape == "huge_string" and strings:
        container, key = rng.choice(strings)
        container[key] = rng.choice("xé🚨 ") * rng.choice(HUGE_LENGTHS)
    elif shape == "surrogate" and strings:
        for container, key in rng.sample(strings, k=min(len(strings), rng.randint(1, 4))):
            at = rng.randint(0, len(container[key]))
            container[key] = container[key][:at] + rng.choice(SURROGATES) + container[key][at:]
        if isinstance(container, dict) and rng.random() < 0.2:
            container[key + rng.choice(SURROGATES)] = "key with a surrogate"
    elif shape == "odd_unicode" and strings:
        for container, key in rng.sample(strings, k=min(len(strings), rng.randint(1, 3))):
            container[key] = rng.choice(ODD_TEXT) + container[key] + rng.choice(ODD_TEXT)
    elif shape in ("extreme_number", "timestamp"):
        wanted = TIME_KEYS if shape == "timestamp" else None
        slots = _slots(
            tree,
            lambda key, value: (
                (wanted is None and isinstance(value, int | float) and not isinstance(value, bool))
                or (wanted is not None and str(key) in wanted)
                or (isinstance(value, str) and value.isdigit())
            ),
        )
        for container, key in rng.sample(slots, k=min(len(slots), rng.randint(1, 2))):
            container[key] = rng.choice(EXTREME_NUMBERS)
    elif shape == "missing_field":
        slots = _slots(tree, lambda key, value: isinstance(key, str))
        for container, key in rng.sample(slots, k=min(len(slots), rng.randint(1, 3))):
            container.pop(key, None)
    elif shape == "extra_field":
        slots = [(c, k) for c, k in _slots(tree) if isinstance(c[k], dict)] or [({"root": tree}, "root")]
        container, key = rng.choice(slots)
        if isinstance(container[key], dict):
            container[key][rng.choice(("extra", "__proto__", "é", "subtype", "bot_id"))] = rng.choice(WRONG_TYPES)
    elif shape == "wrong_type":
        slots = _slots(tree)
        for container, key in rng.sample(slots, k=min(len(slots), rng.randint(1, 2))):
            container[key] = rng.choice(WRONG_TYPES)
    elif shape == "long_id":
        slots = _slots(tree, lambda key, value: str(key) in ID_KEYS and isinstance(value, str))
        for container, key in slots or strings[:1]:
            container[key] = container[key][:2] + rng.choice("A1_") * rng.choice(LONG_LENGTHS)
    return tree


# --- form bodies (Twilio), query strings (X CRC, Meta subscribe, ack links) ----------------------------


def mutate_pairs(rng: random.Random, pairs: list[tuple[str, str]], shape: str) -> list[tuple[str, str]]:
    pairs = list(pairs)
    if not pairs:
        pairs = [("q", "")]
    index = rng.randrange(len(pairs))
    name, value = pairs[index]
    if shape in ("huge_string", "long_id"):
        pairs[index] = (name, value + "x" * rng.choice(HUGE_LENGTHS if shape == "huge_string" else LONG_LENGTHS))
    elif shape in ("surrogate", "odd_unicode"):
        # a form cannot carry a lone surrogate: percent-encoded UTF-16 halves are invalid UTF-8 bytes instead
        odd = "\udcff" if shape == "surrogate" else rng.choice(ODD_TEXT)
        pairs[index] = (name, value + odd)
    elif shape in ("extreme_number", "timestamp"):
        pairs[index] = (name, str(rng.choice(EXTREME_NUMBERS)))
    elif shape == "missing_field":
        del pairs[index]
    elif shape == "extra_field":
        pairs.append((rng.choice(("Extra", name, "MediaUrl7", "NumMedia", "é")), rng.choice(ODD_TEXT)))
    elif shape == "wrong_type":
        pairs[index] = (name, rng.choice(("true", "[]", "{}", "null", "-1", "abc", "")))
    elif shape == "nested":
        pairs[index] = (name, "[" * rng.choice(NESTING))
    return pairs


def mutate_form(rng: random.Random, base: SampleRequest, shape: str) -> SampleRequest:
    if shape == "garbage":
        return replace(base, body=garbage(rng, base.body))
    pairs = parse_qsl(base.body.decode("utf-8"), keep_blank_values=True)
    changed = mutate_pairs(rng, pairs, shape)
    return replace(base, body=urlencode(changed, encoding="utf-8", errors="surrogateescape").encode("ascii"))


def garbage(rng: random.Random, body: bytes) -> bytes:
    choice = rng.randrange(5)
    if choice == 0:
        return body[: rng.randrange(len(body) + 1)]  # truncated
    if choice == 1:
        return rng.randbytes(rng.choice((0, 1, 17, 1000)))
    if choice == 2:
        return b"\xff\xfe" + body  # invalid UTF-8
    if choice == 3:
        return body + b"\x00" * 10
    return body.replace(b'"', b"'", 3)


# --- SendGrid's multipart form -----------------------------------------------------------------------

BOUNDARY = b"xYzZY"
CHARSETS = ("punycode", "idna", "utf-16", "utf-32", "unicode_escape", "undefined", "base64", "rot13", "x" * 300, "")


def _parts(body: bytes) -> list[tuple[bytes, bytes]]:
    """(part headers, content) for each part of a sample body; the samples all use the boundary xYzZY."""
    parts = []
    for chunk in body.split(b"--" + BOUNDARY)[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, content = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        parts.append((head, content.removesuffix(b"\r\n")))
    return parts


def _join(parts: list[tuple[bytes, bytes]]) -> bytes:
    out = b"".join(b"--" + BOUNDARY + b"\r\n" + head + b"\r\n\r\n" + content + b"\r\n" for head, content in parts)
    return out + b"--" + BOUNDARY + b"--\r\n"


def _field(name: str) -> bytes:
    return f'Content-Disposition: form-data; name="{name}"'.encode()


def mutate_multipart(rng: random.Random, base: SampleRequest, shape: str) -> SampleRequest:
    if shape == "garbage":
        return replace(base, body=garbage(rng, base.body))
    parts = _parts(base.body)
    if not parts:
        return base
    index = rng.randrange(len(parts))
    head, content = parts[index]
    if shape in ("surrogate", "odd_unicode", "extreme_number", "timestamp"):
        charset = rng.choice(CHARSETS)
        names = [h.split(b'name="', 1)[1].split(b'"', 1)[0].decode() for h, _ in parts if b'name="' in h]
        charsets = dict.fromkeys(rng.sample(names, k=min(len(names), 3)), charset)
        parts = [(h, c) for h, c in parts if b'name="charsets"' not in h]
        parts.append((_field("charsets"), json.dumps(charsets).encode()))
        if shape == "odd_unicode":
            parts[index] = (head, content + rng.choice(ODD_TEXT).encode("utf-8"))
        elif shape == "surrogate":
            parts[index] = (head, content + rng.choice((b"\\ud800", b"\xed\xa0\x80", b"\xff")))
    elif shape == "huge_string":
        parts[index] = (head, content + b"x" * rng.choice((*HUGE_LENGTHS, 1_000_001)))
    elif shape == "long_id":
        message_id = b"<" + b"a" * rng.choice(LONG_LENGTHS) + b"@example.com>"
        parts[index] = (head, b"Message-Id: " + message_id + b"\r\n" + content)
    elif shape == "missing_field":
        del parts[index]
    elif shape == "extra_field":
        parts.append((_field(rng.choice(("extra", "attachment1", "headers", "email"))), b"\x00\xff value"))
    elif shape == "wrong_type":
        name = rng.choice(("attachments", "envelope", "attachment-info", "charsets", "spam_score"))
        parts = [(h, c) for h, c in parts if f'name="{name}"'.encode() not in h]
        parts.append((_field(name), rng.choice((b"abc", b"[]", b"-1", b"null", b"{}", b'{"a": 1}', b"1e400"))))
    elif shape == "nested":
        depth = rng.choice(NESTING)
        name = rng.choice(("envelope", "attachment-info", "charsets"))
        parts = [(h, c) for h, c in parts if f'name="{name}"'.encode() not in h]
        parts.append((_field(name), b"[" * depth + b"]" * depth))
    return replace(base, body=_join(parts))
