"""moto's DynamoDB made fast enough for a benchmark that fills a table, with the same answers.

Two costs in moto 5.2 grow with the table, not the request:

- TransactWriteItems deep-copies every table a transaction names, once per item, so it can roll a failed
transaction back: O(table) per call. With the tickets table at ten thousand items that is most of a
second per triage, and a thousand events take the better part of an hour. This keeps moto's own
transaction code (conditions, cancellation reasons, the all-or-nothing answer) and changes only
what is saved for the rollback: the items the transaction names, as they were. A transaction
touches nothing else, so the rollback restores the same state.

- An index Query sorts every item under the index key with moto's DynamoType comparisons, which
cast each value on every compare: with three thousand open tickets under one ByQueue key that is
most of a second per page. This sorts by the same key values read once (strings as strings,
numbers as Decimals), the order DynamoDB and moto give.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class _TablesByReference:
    """Stands in for the ``copy`` module inside moto's DynamoDB backend: tables are not copied."""

    def __init__(self, table_type: type) -> None:
        self._table_type = table_type

    def deepcopy(self, obj: Any, memo: Any = None) -> Any:
        return obj if isinstance(obj, self._table_type) else copy.deepcopy(obj, memo)

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)


@contextmanager
def faster_dynamodb() -> Iterator[None]:
    with _item_level_rollback(), _query_without_full_sort(), _sort_by_plain_values():
        yield


@contextmanager
def _sort_by_plain_values() -> Iterator[None]:
    from decimal import Decimal

    from moto.dynamodb.models.table import Table

    original = Table.sorted_items

    def plain(value: Any) -> Any:
        return Decimal(value.value) if value.type == "N" else value.value

    def sorted_items(self: Any, hash_key_attrs: list[str], range_key_attrs: list[str | None], items: list[Any]) -> Any:
        attrs = self._generate_attr_to_sort_by(hash_key_attrs, range_key_attrs)
        items.sort(key=lambda item: tuple(plain(item.attrs[a]) for a in attrs))
        return items

    Table.sorted_items = sorted_items  # type: ignore[method-assign]
    try:
        yield
    finally:
        Table.sorted_items = original  # type: ignore[method-assign]


@contextmanager
def _query_without_full_sort() -> Iterator[None]:
    from moto.dynamodb.models.table import Table

    original = Table.query

    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        # moto's backend passes index_name as the eighth positional argument
        index_name = args[6] if len(args) > 6 else kwargs.get("index_name")

        def candidates() -> list[Any]:
            """What moto filters by key and then sorts itself; unsorted, and one partition when it can be."""
            if not self.range_key_attr:
                rows = list(self.items.values())
                return rows if index_name or hash_key not in self.items else [self.items[hash_key]]
            if index_name:
                rows = [item for partition in self.items.values() for item in partition.values()]
                return _under(self, index_name, hash_key, rows)
            return list(self.items.get(hash_key, {}).values())

        self.all_items = candidates
        try:
            return original(self, hash_key, *args, **kwargs)
        finally:
            del self.all_items

    Table.query = query  # type: ignore[method-assign]
    try:
        yield
    finally:
        Table.query = original  # type: ignore[method-assign]


def _under(table: Any, index_name: str, hash_key: Any, rows: list[Any]) -> list[Any]:
    """The rows carrying the index's hash key value, compared as plain values (moto checks the few that pass
    again, its own slower way); all of them for an index moto does not know, which it answers for."""
    index = next((i for i in table.all_indexes() if i.name == index_name), None)
    if index is None or hash_key is None:
        return rows
    name = next(k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH")
    kind, wanted = hash_key.type, hash_key.value
    return [r for r in rows if (v := r.attrs.get(name)) is not None and v.type == kind and v.value == wanted]


@contextmanager
def _item_level_rollback() -> Iterator[None]:
    from moto.dynamodb import models
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    backend = models.DynamoDBBackend
    original = backend.transact_write_items
    by_reference = _TablesByReference(Table)

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        saved = []
        for entry in transact_items:
            ((_, op),) = entry.items()
            table = self.tables.get(op.get("TableName"))
            attrs = op.get("Key") or op.get("Item") or {}
            if table is None or table.hash_key_attr not in attrs:
                continue  # moto itself answers for a missing table or key
            hash_value = DynamoType(attrs[table.hash_key_attr])
            range_value = DynamoType(attrs[table.range_key_attr]) if table.range_key_attr in attrs else None
            if table.range_key_attr is not None and range_value is None:
                continue
            saved.append((table, hash_value, range_value, copy.deepcopy(table.get_item(hash_value, range_value))))
        setattr(models, "copy", by_reference)  # noqa: B010 - mypy knows no "copy" in moto's module
        try:
            original(self, transact_items)
        except Exception:
            for table, hash_value, range_value, item in reversed(saved):
                if range_value is None:
                    table.items.pop(hash_value, None) if item is None else table.items.__setitem__(hash_value, item)
                elif item is None:
                    table.items.get(hash_value, {}).pop(range_value, None)
                else:
                    table.items[hash_value][range_value] = item
            raise
        finally:
            setattr(models, "copy", copy)  # noqa: B010

    backend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    try:
        yield
    finally:
        backend.transact_write_items = original  # type: ignore[method-assign]
