"""The tickets table (DynamoDB): tickets, and a short-lived marker per event id for dedup."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.errors import DependencyError
from chalicelib.model.ticket import PageStatus, Ticket, sender_key


def _utc(moment: datetime) -> str:
    """ISO 8601 in UTC: stored times sort as strings, which the BySender range condition relies on."""
    return moment.astimezone(UTC).isoformat()


def ticket_key(ticket_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"TICKET#{ticket_id}"}, "sk": {"S": "TICKET"}}


def event_key(event_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"EVENT#{event_id}"}, "sk": {"S": "EVENT"}}


class DynamoTicketRepository:
    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    def create(self, ticket: Ticket, dedup_ttl_seconds: int) -> bool:
        """Write the event marker and the ticket in one transaction.

        Both puts are conditional on the key not existing: the marker makes a provider's
        retry (same event id) a no-op, and the pair is atomic so a crash never leaves a
        marker without its ticket (which would drop the message) or the reverse.
        """
        expires = int(ticket.created_at.timestamp()) + dedup_ttl_seconds
        decision = ticket.decision
        item = {
            **ticket_key(ticket.ticket_id),
            "ticket_id": {"S": ticket.ticket_id},
            "event_id": {"S": ticket.event.event_id},
            "channel": {"S": ticket.event.channel.value},
            "customer_id": {"S": ticket.customer.customer_id},
            "priority": {"S": decision.priority.value},
            "team": {"S": decision.team},
            "route": {"S": decision.route},
            "reasons": {"L": [{"S": r} for r in decision.reasons]},
            "rules_version": {"S": decision.rules_version},
            "status": {"S": ticket.status},
            "page_status": {"S": ticket.page_status.value},
            "created_at": {"S": _utc(ticket.created_at)},
            # the whole ticket, so reading it back needs no mapping of every field
            "doc": {"S": ticket.model_dump_json()},
        }
        sender = sender_key(ticket.event)
        if sender:
            item["sender_key"] = {"S": sender}  # the BySender index: repeat contact
        marker = {
            **event_key(ticket.event.event_id),
            "ticket_id": {"S": ticket.ticket_id},
            "expires_at": {"N": str(expires)},  # TTL: a marker only has to outlive provider retries
        }
        not_exists = "attribute_not_exists(pk)"
        try:
            self._client.transact_write_items(
                TransactItems=[
                    {"Put": {"TableName": self._table, "Item": marker, "ConditionExpression": not_exists}},
                    {"Put": {"TableName": self._table, "Item": item, "ConditionExpression": not_exists}},
                ]
            )
        except ClientError as exc:
            reasons = exc.response.get("CancellationReasons") or []
            if any(r.get("Code") == "ConditionalCheckFailed" for r in reasons):
                return False
            raise DependencyError(f"could not store ticket {ticket.ticket_id}: {exc}") from exc
        except BotoCoreError as exc:
            raise DependencyError(f"could not store ticket {ticket.ticket_id}: {exc}") from exc
        return True

    def for_event(self, event_id: str) -> Ticket | None:
        marker = self._get(event_key(event_id))
        if marker is None:
            return None
        return self.get(marker["ticket_id"]["S"])

    def get(self, ticket_id: str) -> Ticket | None:
        item = self._get(ticket_key(ticket_id))
        if item is None:
            return None
        ticket = Ticket.model_validate_json(item["doc"]["S"])
        # page_status changes after the write; the attribute, not the snapshot, is the truth
        return ticket.model_copy(update={"page_status": PageStatus(item["page_status"]["S"])})

    def mark_paged(self, ticket_id: str) -> None:
        try:
            self._client.update_item(
                TableName=self._table,
                Key=ticket_key(ticket_id),
                UpdateExpression="SET page_status = :sent",
                ExpressionAttributeValues={":sent": {"S": PageStatus.SENT.value}},
                # only an existing ticket; never create a stub item from a stray update
                ConditionExpression="attribute_exists(pk)",
            )
        except (ClientError, BotoCoreError) as exc:
            raise DependencyError(f"could not mark ticket {ticket_id} paged: {exc}") from exc

    def count_recent(self, sender_key: str, since: datetime) -> int:
        """One COUNT query on the sparse BySender index (only tickets carry sender_key)."""
        try:
            response = self._client.query(
                TableName=self._table,
                IndexName="BySender",
                KeyConditionExpression="sender_key = :s AND created_at >= :t",
                ExpressionAttributeValues={":s": {"S": sender_key}, ":t": {"S": _utc(since)}},
                Select="COUNT",
            )
        except (ClientError, BotoCoreError) as exc:
            raise DependencyError(f"could not count recent tickets: {exc}") from exc
        return int(response["Count"])

    def _get(self, key: dict[str, Any]) -> dict[str, Any] | None:
        try:
            # consistent: a retry arriving right after the first delivery must see its write
            response = self._client.get_item(TableName=self._table, Key=key, ConsistentRead=True)
        except (ClientError, BotoCoreError) as exc:
            raise DependencyError(f"could not read the tickets table: {exc}") from exc
        item: dict[str, Any] | None = response.get("Item")
        return item
