"""The customers table (DynamoDB): one item per lookup key (email#…, phone#…, handle#…)."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.errors import DependencyError
from chalicelib.model.customer import Customer, Tier
from chalicelib.model.event import Sender


def customer_item(key: str, customer: Customer) -> dict[str, Any]:
    """The item stored under one lookup key; a customer has one item per key they can be found by."""
    item: dict[str, Any] = {
        "key": {"S": key},
        "customer_id": {"S": customer.customer_id},
        "name": {"S": customer.name},
        "tier": {"S": customer.tier.value},
        "mrr": {"N": str(customer.mrr)},
        "vip": {"BOOL": customer.vip},
        "timezone": {"S": customer.timezone},
    }
    if customer.email:
        item["email"] = {"S": customer.email}
    if customer.phone:
        item["phone"] = {"S": customer.phone}
    return item


def _customer(item: dict[str, Any]) -> Customer:
    return Customer(
        customer_id=item["customer_id"]["S"],
        name=item["name"]["S"],
        tier=Tier(item["tier"]["S"]),
        email=item.get("email", {}).get("S"),
        phone=item.get("phone", {}).get("S"),
        mrr=float(item.get("mrr", {}).get("N", "0")),
        vip=item.get("vip", {}).get("BOOL", False),
        timezone=item.get("timezone", {}).get("S", "UTC"),
    )


class DynamoCustomerDirectory:
    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    def find(self, sender: Sender) -> Customer | None:
        keys = sender.lookup_keys()
        if not keys:
            return None
        try:
            # one round trip for every key the sender can be known by
            response = self._client.batch_get_item(
                RequestItems={self._table: {"Keys": [{"key": {"S": k}} for k in keys]}}
            )
        except (ClientError, BotoCoreError) as exc:
            raise DependencyError(f"could not read the customers table: {exc}") from exc
        found = {item["key"]["S"]: item for item in response.get("Responses", {}).get(self._table, [])}
        for key in keys:  # most specific key first
            if key in found:
                return _customer(found[key])
        return None

    def put(self, customer: Customer) -> int:
        """Upsert the customer under each of its keys; returns how many items were written."""
        sender = Sender(email=customer.email, phone=customer.phone)
        requests = [{"PutRequest": {"Item": customer_item(k, customer)}} for k in sender.lookup_keys()]
        if requests:
            try:
                self._client.batch_write_item(RequestItems={self._table: requests})
            except (ClientError, BotoCoreError) as exc:
                raise DependencyError(f"could not write the customers table: {exc}") from exc
        return len(requests)
