"""Who texted STOP: one item per phone number in the tickets table, OPTOUT#<E.164> / OPTOUT.

Twilio blocks a number that texts STOP and answers our later sends with error 21610; this record lets
Switchboard know before it tries, so a reply to an opted-out customer is skipped with a reason on the
ticket's timeline instead of failing at the provider, and it covers every line we send from, where
Twilio's block covers only the number that was texted.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from chalicelib.adapters.dynamo import conditional_update, get_item, utc

_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def opt_out_key(phone: str) -> dict[str, Any]:
    return {"pk": {"S": f"OPTOUT#{phone}"}, "sk": {"S": "OPTOUT"}}


class DynamoOptOuts:
    """The opt-out records; ``client`` is a boto3 DynamoDB client (injected), ``table`` the tickets table."""

    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    def record(self, phone: str, opted_out: bool, at: datetime) -> bool:
        """Record a STOP (``opted_out``) or a START sent at ``at``; False when a later one is already recorded.

        SQS does not keep order: a START can be triaged before the STOP it answers. The write is
        conditional on being the newest change for the number, so the last text the customer sent
        decides, whatever order they are processed in; a redelivery of the same text rewrites the
        same values (idempotent).
        """
        _check(phone)
        done = conditional_update(
            self._client,
            f"could not record the opt-out of {_masked(phone)}",
            TableName=self._table,
            Key=opt_out_key(phone),
            UpdateExpression="SET opted_out = :out, changed_at = :at",
            ConditionExpression="attribute_not_exists(pk) OR changed_at <= :at",
            ExpressionAttributeValues={":out": {"BOOL": opted_out}, ":at": {"S": utc(at)}},
        )
        return done is not None

    def is_opted_out(self, phone: str) -> bool:
        """Whether the number's latest keyword was STOP; False for a number that never sent one."""
        if not _E164.match(phone):
            return False  # nothing is recorded under anything else (record refuses it)
        item = get_item(self._client, self._table, opt_out_key(phone))
        return bool(item and item.get("opted_out", {}).get("BOOL"))


def _check(phone: str) -> None:
    if not _E164.match(phone):
        raise ValueError(f"not an E.164 phone number: {_masked(phone)}")


def _masked(phone: str) -> str:
    """Logs and errors never carry a whole number (ARCHITECTURE: house style)."""
    return phone[:4] + "…" if len(phone) > 4 else "…"
