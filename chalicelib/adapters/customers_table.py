"""The customers table (DynamoDB): one item per lookup key, plus one record per customer listing its keys.

Items, all under the table's hash key ``key``:

- ``email#…``, ``phone#…``, ``handle#<network>:…``, ``domain#…``: what ``find`` reads, one BatchGetItem per sender;
- ``customer#<customer_id>``: the customer's record. It answers ``show <customer id>`` and remembers which lookup
  keys the customer was last stored under, so a re-import that drops an email deletes the stale ``email#`` item.

Every item carries the whole customer as JSON (``doc``) and its key list (``keys``), so one read is enough;
``kind``, ``customer_id``, ``name`` and ``plan`` are there for people scanning the table in the console.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import ValidationError

from chalicelib.errors import DependencyError, PayloadError, SwitchboardError
from chalicelib.model.customer import Customer
from chalicelib.model.directory import customer_keys, customer_problems, kind_of
from chalicelib.model.event import Sender

#: DynamoDB's own limits per BatchWriteItem and BatchGetItem call
WRITE_BATCH = 25
GET_BATCH = 100

_T = TypeVar("_T")


def record_key(customer_id: str) -> str:
    return f"customer#{customer_id}"


def chunks(items: Sequence[_T], size: int) -> Iterator[Sequence[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass(frozen=True)
class DirectoryEntry:
    """One item read back: the customer (``matched_by`` set from the key's kind) and every key they have."""

    key: str
    customer: Customer
    keys: tuple[str, ...]


@dataclass
class PutResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    items_written: int = 0
    stale_keys_removed: int = 0
    #: (key, previous customer id, new customer id): a key that now finds a different customer
    moved_keys: list[tuple[str, str, str]] = field(default_factory=list)

    def add(self, other: PutResult) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.items_written += other.items_written
        self.stale_keys_removed += other.stale_keys_removed
        self.moved_keys.extend(other.moved_keys)


def item_for(key: str, customer: Customer, keys: Sequence[str]) -> dict[str, Any]:
    """The item stored under ``key``; strings only, so an item read back compares equal to the one we would write."""
    return {
        "key": {"S": key},
        "kind": {"S": kind_of(key) or "customer"},
        "customer_id": {"S": customer.customer_id},
        "name": {"S": customer.name},
        "plan": {"S": customer.plan},
        "doc": {"S": customer.model_dump_json(exclude={"matched_by"})},
        "keys": {"L": [{"S": k} for k in keys]},
    }


def entry_from(item: dict[str, Any]) -> DirectoryEntry:
    key = item["key"]["S"]
    try:
        customer = Customer.model_validate_json(item["doc"]["S"])
    except (KeyError, ValidationError) as exc:
        # retrying cannot fix a malformed item; an operator re-imports the customer
        raise SwitchboardError(f"customers table item {key!r} is not a valid customer: {exc}") from None
    keys = tuple(k["S"] for k in item.get("keys", {}).get("L", []))
    return DirectoryEntry(key, customer.model_copy(update={"matched_by": kind_of(key)}), keys)


def first_match(keys: Sequence[str], found: dict[str, dict[str, Any]]) -> Customer | None:
    """The customer under the first of a sender's lookup keys (in precedence order) that ``found`` holds."""
    for key in keys:
        if key in found:
            return entry_from(found[key]).customer
    return None


class DynamoCustomerDirectory:
    """CustomerDirectory over DynamoDB, plus the writes the import needs. The client is injected."""

    def __init__(
        self,
        client: Any,
        table: str,
        *,
        max_attempts: int = 5,
        backoff_seconds: float = 0.05,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client
        self._table = table
        self._max_attempts = max_attempts
        self._backoff = backoff_seconds
        self._sleep = sleep

    @property
    def table(self) -> str:
        return self._table

    # -- reads ---------------------------------------------------------------------------------------------

    def find(self, sender: Sender) -> Customer | None:
        """The customer this sender is, by email > phone > handle > their email's account domain."""
        keys = sender.lookup_keys()  # already in precedence order, at most four: one BatchGetItem
        return first_match(keys, self._batch_get(keys, consistent=False))

    def get(self, key: str) -> DirectoryEntry | None:
        """The item under one table key (``email#…``, ``customer#<id>``, …), for ``switchboard customers show``."""
        try:
            item = self._client.get_item(TableName=self._table, Key={"key": {"S": key}}).get("Item")
        except (ClientError, BotoCoreError) as exc:
            raise self._error("read", exc) from exc
        return entry_from(item) if item else None

    # -- writes --------------------------------------------------------------------------------------------

    def put(self, customer: Customer) -> PutResult:
        return self.put_many([customer])

    def put_many(self, customers: Sequence[Customer]) -> PutResult:
        """Upsert customers under each of their keys and remove the keys they no longer have.

        Only items that differ are written, so storing the same customers twice writes nothing.
        Order matters for a run cut short: lookup items first, then stale keys, then the record
        that lists the keys. Until the record is written a re-run still sees the old key list.
        """
        self._check(customers)
        result = PutResult()
        # a customer has a handful of keys: 20 customers' reads fit in a few BatchGetItem calls
        for chunk in chunks(customers, 20):
            result.add(self._put_chunk(chunk))
        return result

    def _check(self, customers: Sequence[Customer]) -> None:
        owners: dict[str, str] = {}
        for customer in customers:
            if problems := customer_problems(customer):
                name, message = problems[0]
                raise PayloadError(f"{customer.customer_id}: {name}: {message}", field=name)
            rk = record_key(customer.customer_id)
            for key in (rk, *customer_keys(customer)):
                # one BatchWriteItem cannot hold two items with one key, and we would not know which should win
                if key in owners:
                    raise PayloadError(f"{key} belongs to both {owners[key]} and {customer.customer_id}", field="key")
                owners[key] = customer.customer_id

    def _put_chunk(self, customers: Sequence[Customer]) -> PutResult:
        result = PutResult()
        wanted = {c.customer_id: customer_keys(c) for c in customers}
        current = self._batch_get(
            [k for c in customers for k in (record_key(c.customer_id), *wanted[c.customer_id])], consistent=True
        )
        lookup_puts: list[dict[str, Any]] = []
        record_puts: list[dict[str, Any]] = []
        stale: list[tuple[str, str]] = []
        for customer in customers:
            cid, keys = customer.customer_id, wanted[customer.customer_id]
            record = current.get(record_key(cid))
            changed = [item for k in keys if current.get(k) != (item := item_for(k, customer, keys))]
            for item in changed:
                previous = current.get(item["key"]["S"])
                if previous and previous["customer_id"]["S"] != cid:
                    result.moved_keys.append((item["key"]["S"], previous["customer_id"]["S"], cid))
            new_record = item_for(record_key(cid), customer, keys)
            if record == new_record and not changed:
                result.unchanged += 1
                continue
            result.created += record is None
            result.updated += record is not None
            lookup_puts.extend(changed)
            record_puts.append(new_record)
            old_keys = [k["S"] for k in record["keys"]["L"]] if record else []
            stale.extend((k, cid) for k in old_keys if k not in keys)
        self._batch_write(lookup_puts)
        result.stale_keys_removed = sum(self._delete_if_owned(key, cid) for key, cid in stale)
        self._batch_write(record_puts)
        result.items_written = len(lookup_puts) + len(record_puts)
        return result

    def _delete_if_owned(self, key: str, customer_id: str) -> bool:
        """Delete a key the customer dropped, unless another customer has claimed it since.

        The condition is what makes the delete safe: when an email moves from one customer to another,
        the new owner's item must survive the old owner's re-import. A failed condition is that case
        (or the item is already gone), so it is an expected outcome here, not an error.
        """
        try:
            self._client.delete_item(
                TableName=self._table,
                Key={"key": {"S": key}},
                ConditionExpression="customer_id = :id",
                ExpressionAttributeValues={":id": {"S": customer_id}},
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise self._error("write", exc) from exc
        except BotoCoreError as exc:
            raise self._error("write", exc) from exc
        return True

    # -- batching and retries ------------------------------------------------------------------------------

    def _batch_get(self, keys: Iterable[str], *, consistent: bool) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for chunk in chunks(list(dict.fromkeys(keys)), GET_BATCH):
            request: dict[str, Any] = {
                self._table: {"Keys": [{"key": {"S": k}} for k in chunk], "ConsistentRead": consistent}
            }
            for attempt in range(self._max_attempts):
                try:
                    response = self._client.batch_get_item(RequestItems=request)
                except (ClientError, BotoCoreError) as exc:
                    raise self._error("read", exc) from exc
                found.update((i["key"]["S"], i) for i in response.get("Responses", {}).get(self._table, []))
                # DynamoDB returns what it could not read in time (throttling, 16 MB); ask again for those only
                request = response.get("UnprocessedKeys") or {}
                if not request:
                    break
                if attempt + 1 < self._max_attempts:
                    self._sleep(self._backoff * 2**attempt)
            else:
                left = len(request.get(self._table, {}).get("Keys", []))
                raise DependencyError(
                    f"the customers table {self._table} left {left} key(s) unread after {self._max_attempts} attempts"
                )
        return found

    def _batch_write(self, items: Sequence[dict[str, Any]]) -> None:
        # BatchWriteItem cannot carry conditions; the puts are safe without one because each item is
        # the whole truth about its key (last writer wins), and deletes go through _delete_if_owned
        for chunk in chunks(items, WRITE_BATCH):
            request: dict[str, Any] = {self._table: [{"PutRequest": {"Item": item}} for item in chunk]}
            for attempt in range(self._max_attempts):
                try:
                    response = self._client.batch_write_item(RequestItems=request)
                except (ClientError, BotoCoreError) as exc:
                    raise self._error("write", exc) from exc
                request = response.get("UnprocessedItems") or {}
                if not request:
                    break
                if attempt + 1 < self._max_attempts:
                    self._sleep(self._backoff * 2**attempt)
            else:
                left = len(request.get(self._table, []))
                raise DependencyError(
                    f"the customers table {self._table} left {left} item(s) unwritten after {self._max_attempts} attempts"
                )

    def _error(self, action: str, exc: Exception) -> DependencyError:
        if isinstance(exc, ClientError):
            error = exc.response.get("Error", {})
            if error.get("Code") == "ResourceNotFoundException":
                return DependencyError(f"the customers table {self._table} does not exist (or is not ready)")
            return DependencyError(
                f"could not {action} the customers table {self._table}: {error.get('Code')}: {error.get('Message')}"
            )
        return DependencyError(f"could not {action} the customers table {self._table}: {exc}")
