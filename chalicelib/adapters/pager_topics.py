"""The pager topics (SNS): one topic per team and one for the founders."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.errors import ConfigError, DependencyError
from chalicelib.model.ticket import Ticket


def page_text(ticket: Ticket) -> str:
    """What the on-call person reads: priority, customer, the message, and why they were paged."""
    d = ticket.decision
    lines = [
        f"[{d.priority.value}] {ticket.customer.name} via {ticket.event.channel.value}: {ticket.event.summary()}",
        f"Ticket {ticket.ticket_id} · team {d.team} · route {d.route} · tier {d.tier}",
        *([f"Paging: {', '.join(d.notify)}"] if d.notify else []),
        *([f"First response due: {d.sla_due:%a %d %b %H:%M} UTC"] if d.sla_due else []),
        "Why:",
        *(f"  - {r}" for r in d.reasons),
    ]
    return "\n".join(lines)


class SnsPager:
    def __init__(self, client: Any, topics: Mapping[str, str]) -> None:
        self._client = client
        self._topics = topics

    def page(self, targets: tuple[str, ...], ticket: Ticket) -> list[str]:
        unknown = [t for t in targets if t not in self._topics]
        if unknown:
            raise ConfigError(f"no SNS topic configured for {', '.join(unknown)} (PAGER_TOPICS)")
        d = ticket.decision
        message_ids = []
        for target in targets:
            try:
                response = self._client.publish(
                    TopicArn=self._topics[target],
                    Subject=f"[{d.priority.value}] {ticket.customer.name}"[:100],
                    Message=page_text(ticket),
                    # attributes let a subscription filter (e.g. a founder who only wants P1)
                    MessageAttributes={
                        "priority": {"DataType": "String", "StringValue": d.priority.value},
                        "team": {"DataType": "String", "StringValue": d.team},
                        "channel": {"DataType": "String", "StringValue": ticket.event.channel.value},
                        "tier": {"DataType": "String", "StringValue": d.tier},
                        "ticket_id": {"DataType": "String", "StringValue": ticket.ticket_id},
                    },
                )
            except (ClientError, BotoCoreError) as exc:
                raise DependencyError(f"could not page {target}: {exc}") from exc
            message_ids.append(response["MessageId"])
        return message_ids
