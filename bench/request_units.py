"""DynamoDB's request units for one request, worked out from the items (moto's ConsumedCapacity is fixed).

The rules and the sizes are bench/replies_meter.py's (write_units, read_units, index_writes); this applies
them to any request the app makes: single writes, transactions (twice the units), batches, reads.
"""

from __future__ import annotations

from typing import Any

from bench.replies_meter import index_writes, read_units, write_units

WRITES = ("PutItem", "UpdateItem", "DeleteItem")


def dynamodb_units(operation: str, params: dict[str, Any], parsed: dict[str, Any], images: Any) -> tuple[float, float]:
    """(write units, read units) of one DynamoDB request; ``images`` holds each written key's before/after item."""
    if operation in WRITES:
        before, after = images[0]
        return float(write_units(before, after)), 0.0
    if operation == "TransactWriteItems":
        # twice a standard write per item; index entries at the standard rate (see bench/replies_meter.py)
        wru = 0
        for before, after in images:
            wru += 2 * write_units(before, after) - _index_share(before, after)
        return float(wru), 0.0
    if operation == "BatchWriteItem":
        return float(sum(write_units(before, after) for before, after in images)), 0.0
    consistent = bool(params.get("ConsistentRead"))
    if operation == "GetItem":
        return 0.0, read_units([parsed["Item"]] if "Item" in parsed else [], consistent)
    if operation in ("Query", "Scan"):
        return 0.0, read_units(parsed.get("Items") or [], consistent)
    if operation == "BatchGetItem":
        # each item is rounded up on its own; a key found nowhere still costs the minimum read; each table's
        # reads are consistent or not as asked (triage reads its markers consistently, customers not)
        units = 0.0
        for table, request in params.get("RequestItems", {}).items():
            found = parsed.get("Responses", {}).get(table, [])
            strong = bool(request.get("ConsistentRead"))
            units += sum(read_units([i], strong) for i in found)
            units += read_units([], strong) * max(0, len(request.get("Keys", [])) - len(found))
        return 0.0, units
    if operation == "TransactGetItems":
        return 0.0, sum(2 * read_units([r["Item"]] if "Item" in r else [], True) for r in parsed.get("Responses", []))
    return 0.0, 0.0


def _index_share(before: dict[str, Any] | None, after: dict[str, Any] | None) -> int:
    """The index writes inside write_units: a transaction doubles the item's units, not its index entries'."""
    return index_writes(before, after)


def written_keys(operation: str, params: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(table, key) of each item a write request touches, in request order."""
    if operation in WRITES:
        return [(params["TableName"], params.get("Key") or _key_of(params["Item"]))]
    if operation == "TransactWriteItems":
        out = []
        for entry in params.get("TransactItems", []):
            (_kind, body), *_ = entry.items()
            out.append((body["TableName"], body.get("Key") or _key_of(body["Item"])))
        return out
    if operation == "BatchWriteItem":
        out = []
        for table, requests in params.get("RequestItems", {}).items():
            for request in requests:
                if "PutRequest" in request:
                    out.append((table, _key_of(request["PutRequest"]["Item"])))
                else:
                    out.append((table, request["DeleteRequest"]["Key"]))
        return out
    return []


def _key_of(item: dict[str, Any]) -> dict[str, Any]:
    # the stack's tables: tickets (pk, sk) and customers (key)
    return {k: item[k] for k in ("pk", "sk", "key") if k in item}
