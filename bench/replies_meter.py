"""The replies benchmark's meter: every DynamoDB request the reply path makes, and the request units it bills.

moto answers ``ReturnConsumedCapacity`` with a fixed 1.0 or 0.5 whatever the item, so the units
are worked out here from the items themselves, by DynamoDB's published rules: a write costs one
unit per started KB of the larger of the item before and after (a failed condition still bills the
item it read), a transactional write twice that, each write that adds, moves or removes an entry of
a KEYS_ONLY index one more (two when its key changes); an eventually consistent read half a unit per
started 4 KB of what it returned, half a unit at least. The before and after images are read from
moto through a client the meter does not hook, so they cost the app nothing and are not counted.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

KB = 1024


def template_indexes(table: str = "TicketsTable") -> dict[str, tuple[tuple[str, ...], tuple[str, ...] | None]]:
    """Each index of ``table`` in infra/template.yaml: its key attributes and what it projects besides
    them (``()``: KEYS_ONLY, an entry well under 1 KB; None: ALL, the whole item), so the meter charges
    what the template deploys."""
    from local.stack import load_template

    indexes = {}
    for index in load_template()["Resources"][table]["Properties"].get("GlobalSecondaryIndexes", []):
        keys = tuple(k["AttributeName"] for k in index["KeySchema"])
        projection = index["Projection"]
        kind = projection["ProjectionType"]
        projected = None if kind == "ALL" else tuple(projection.get("NonKeyAttributes", ()))
        indexes[index["IndexName"]] = (keys, projected)
    return indexes


#: the tickets table's indexes (infra/template.yaml): each one's key attributes and the attributes it projects
INDEXES = template_indexes()
TABLE_KEYS = ("pk", "sk")
_WRITES = ("PutItem", "UpdateItem", "DeleteItem")
_CONTEXT = "switchboard_replies_meter"
#: a transaction's item kinds as the single requests ``purpose`` names
_SINGLE = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "ConditionCheck": "ConditionCheck"}


def value_size(value: dict[str, Any]) -> int:
    """Bytes of one attribute value, as DynamoDB sizes it."""
    (kind, v), *_ = value.items()
    if kind == "S":
        return len(v.encode("utf-8"))
    if kind == "B":
        return len(v)
    if kind == "N":
        digits = Decimal(v).normalize().as_tuple().digits
        return math.ceil(len(digits) / 2) + 1
    if kind in ("BOOL", "NULL"):
        return 1
    if kind in ("SS", "NS", "BS"):
        return sum(value_size({kind[0]: member}) for member in v)
    if kind == "L":
        return 3 + sum(1 + value_size(member) for member in v)
    return 3 + sum(1 + len(k.encode("utf-8")) + value_size(member) for k, member in v.items())  # "M"


def item_size(item: dict[str, Any] | None) -> int:
    return sum(len(name.encode("utf-8")) + value_size(v) for name, v in (item or {}).items())


def _entry_units(item: dict[str, Any], keys: tuple[str, ...], projected: tuple[str, ...] | None) -> int:
    names = item if projected is None else (*TABLE_KEYS, *keys, *projected)
    entry = {name: item[name] for name in names if name in item}
    return max(1, math.ceil(item_size(entry) / KB))


def index_writes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> int:
    """Write units of the index entries a write adds, removes, moves (a delete and a put) or changes (a
    projected attribute), each by the size of the entry as the index holds it (DynamoDB's rule)."""
    units = 0
    for keys, projected in INDEXES.values():
        old = tuple(str(before.get(k)) for k in keys) if before and all(k in before for k in keys) else None
        new = tuple(str(after.get(k)) for k in keys) if after and all(k in after for k in keys) else None
        if old != new:
            units += _entry_units(before, keys, projected) if before and old is not None else 0
            units += _entry_units(after, keys, projected) if after and new is not None else 0
        elif new is not None and before and after:
            held = {*before, *after} if projected is None else projected
            if any(before.get(a) != after.get(a) for a in held):
                units += _entry_units(after, keys, projected)
    return units


def write_units(before: dict[str, Any] | None, after: dict[str, Any] | None) -> int:
    """A standard write of one item, with the index entries it adds, moves or removes."""
    return max(1, math.ceil(max(item_size(before), item_size(after)) / KB)) + index_writes(before, after)


def transaction_units(item: dict[str, Any]) -> int:
    """A new item Put inside TransactWriteItems: twice a standard write; its index entry at the standard rate."""
    return 2 * max(1, math.ceil(item_size(item) / KB)) + index_writes(None, item)


def read_units(items: list[dict[str, Any]], consistent: bool) -> float:
    per = 1.0 if consistent else 0.5
    return max(per, math.ceil(sum(item_size(i) for i in items) / (4 * KB)) * per)


def purpose(operation: str, params: dict[str, Any]) -> str:
    """What a request is for in the reply path, read off the request the outbox builds."""
    update = str(params.get("UpdateExpression", ""))
    sk = str(params.get("Item", params.get("Key", {})).get("sk", {}).get("S", ""))
    pk = str(params.get("Item", params.get("Key", {})).get("pk", {}).get("S", ""))
    named = {
        "SET lease_until": "claim",
        "ADD possible_duplicates": "count a possible duplicate",
        "SET #state": "settle",
        "SET last_error": "release for a retry",
        "SET replied_at": "mark the ticket replied",
        "SET due_at = :until": "sweep: take a due reply",
    }
    for prefix, name in named.items():
        if update.startswith(prefix):
            return name
    if operation == "PutItem" and pk.startswith("AUTOREPLY#"):
        return "claim the thread"
    if operation == "PutItem" and sk.startswith("LOG#"):
        return "timeline entry"
    if operation == "Query" and params.get("IndexName") == "ByDue":
        return "sweep: query due replies"
    return operation


@dataclass
class Meter:
    """Counts by phase ("triage", "sender", "sweep") and purpose; ``phase`` None: nothing is metered."""

    reader: Any  # a DynamoDB client the meter does not hook: the before/after images
    phase: str | None = None
    requests: Counter[tuple[str, str]] = field(default_factory=Counter)
    write_units: Counter[tuple[str, str]] = field(default_factory=Counter)
    read_units: defaultdict[tuple[str, str], float] = field(default_factory=lambda: defaultdict(float))

    def install(self, dynamodb: Any) -> None:
        dynamodb.meta.events.register("before-parameter-build.dynamodb", self._before)
        dynamodb.meta.events.register("after-call.dynamodb", self._after)

    def _image(self, params: dict[str, Any]) -> dict[str, Any] | None:
        key = params.get("Key") or {k: params["Item"][k] for k in ("pk", "sk")}
        found: dict[str, Any] | None = self.reader.get_item(TableName=params["TableName"], Key=key).get("Item")
        return found

    def _images(self, params: dict[str, Any]) -> list[dict[str, Any] | None]:
        """Each item of a transaction as it is, in request order."""
        return [self._image(body) for entry in params.get("TransactItems", []) for body in entry.values()]

    def _before(self, params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        if self.phase is None or (self.phase == "triage" and model.name != "TransactWriteItems"):
            return
        before: Any = None
        if model.name in _WRITES:
            before = self._image(params)
        elif model.name == "TransactWriteItems" and self.phase != "triage":
            before = self._images(params)
        context[_CONTEXT] = (self.phase, dict(params), before)

    def _after(self, http_response: Any, parsed: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        if _CONTEXT not in context:
            return
        phase, params, before = context.pop(_CONTEXT)
        ok = http_response.status_code < 300
        if model.name == "TransactWriteItems" and phase != "triage":
            # the sender's own (the claim with the thread's, the settle with the mark and the timeline entry):
            # one request; each item twice a standard write (a cancelled one still bills what it read),
            # its index entries at the standard rate
            after = self._images(params) if ok else before
            units = sum(2 * write_units(b, a) - index_writes(b, a) for b, a in zip(before, after, strict=True))
            names = [purpose(_SINGLE[kind], body) for entry in params["TransactItems"] for kind, body in entry.items()]
            self._count(phase, " + ".join(names), units, 0.0)
            return
        if model.name == "TransactWriteItems":
            # triage's own transaction: only the reply item riding in it is the reply path's
            for entry in params.get("TransactItems", []) if ok else []:
                item = entry.get("Put", {}).get("Item", {})
                if str(item.get("sk", {}).get("S", "")).startswith("REPLY#"):
                    units = transaction_units(item)
                    self._count(phase, "reply item in the ticket's transaction", units, 0.0, requests=0)
            return
        if phase == "triage":
            return  # triage's other requests are the ticket's, not the reply's
        name = purpose(model.name, params)
        if model.name in _WRITES:
            after = self._image(params) if ok else before
            self._count(phase, name, write_units(before, after), 0.0)
        elif model.name in ("Query", "GetItem", "Scan"):
            items = parsed.get("Items") or ([parsed["Item"]] if "Item" in parsed else [])
            self._count(phase, name, 0, read_units(items, bool(params.get("ConsistentRead"))))
        elif model.name == "BatchGetItem":
            # each item rounded up on its own; a key found nowhere still costs the minimum read
            asked = list(params.get("RequestItems", {}).values())
            found = [i for items in parsed.get("Responses", {}).values() for i in items]
            consistent = any(t.get("ConsistentRead") for t in asked)
            missing = max(0, sum(len(t.get("Keys", [])) for t in asked) - len(found))
            read = sum(read_units([i], consistent) for i in found) + missing * read_units([], consistent)
            self._count(phase, "read the batch's replies", 0, read)
        else:
            self._count(phase, name, 0, 0.0)

    def _count(self, phase: str, name: str, wru: int, rru: float, requests: int = 1) -> None:
        self.requests[(phase, name)] += requests
        self.write_units[(phase, name)] += wru
        self.read_units[(phase, name)] += rru
