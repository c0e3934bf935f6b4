"""Sign-in request counters in the tickets table: one item per address or IP and window, SIGNIN#… / LIMIT."""

from __future__ import annotations

from typing import Any

from chalicelib.adapters.dynamo import conditional_update
from chalicelib.console.sign_in import Bucket, Limit


class DynamoSignInLimits:
    """``client`` is a boto3 DynamoDB client (injected), ``table`` the tickets table (its TTL is ``expires_at``)."""

    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    def take(self, bucket: Bucket, limit: Limit) -> bool:
        """Count one request in ``bucket``; False, counting nothing, when the window already has ``limit.count``.

        One conditional UpdateItem: concurrent requests (a script hammering the form) cannot both
        read "4" and both pass, as a read-then-write would let them.
        """
        done = conditional_update(
            self._client,
            "could not count a sign-in request",
            TableName=self._table,
            Key={"pk": {"S": bucket.key}, "sk": {"S": "LIMIT"}},
            UpdateExpression="ADD n :one SET expires_at = :expires",
            ConditionExpression="attribute_not_exists(n) OR n < :limit",
            ExpressionAttributeValues={
                ":one": {"N": "1"},
                ":limit": {"N": str(limit.count)},
                ":expires": {"N": str(bucket.expires_at)},
            },
        )
        return done is not None
