"""The pager topics (SNS): one topic per team and one for the founders; people subscribe to their team's."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.errors import ConfigError, DependencyError
from chalicelib.model.page import Level, Page


class SnsPagePublisher:
    def __init__(self, client: Any, topics: Mapping[str, str]) -> None:
        self._client = client
        self._topics = topics

    def publish(self, page: Page, level: Level, links: dict[str, str], now: datetime) -> list[str]:
        """One message per topic the level reaches: SMS text, email body and filterable attributes."""
        from chalicelib.paging.messages import publish_args

        unknown = [t for t in level.topics if t not in self._topics]
        if unknown:
            raise ConfigError(f"no SNS topic configured for {', '.join(unknown)} (PAGER_TOPICS)")
        message_ids = []
        for topic in level.topics:
            try:
                response = self._client.publish(
                    **publish_args(page, level, self._topics[topic], links, now, topic=topic)
                )
            except (ClientError, BotoCoreError) as exc:
                raise DependencyError(f"could not page {topic}: {exc}") from exc
            message_ids.append(response["MessageId"])
        return message_ids

    def announce_ack(self, page: Page) -> list[str]:
        """Tell every topic the page reached that someone has it, so the others can stand down."""
        from chalicelib.paging.messages import ack_args

        topics = dict.fromkeys(r.topic for r in page.paged_people() if r.topic in self._topics)
        message_ids = []
        for topic in topics:
            try:
                response = self._client.publish(**ack_args(page, self._topics[topic], topic))
            except (ClientError, BotoCoreError) as exc:
                raise DependencyError(f"could not tell {topic} that {page.page_id} was acknowledged: {exc}") from exc
            message_ids.append(response["MessageId"])
        return message_ids

    def digest(self, team: str, topics: list[str], lines: list[str], now: datetime) -> list[str]:
        """One message per topic listing every held ticket: the team's start-of-day digest."""
        from chalicelib.paging.messages import digest_args

        unknown = [t for t in topics if t not in self._topics]
        if unknown:
            raise ConfigError(f"no SNS topic configured for {', '.join(unknown)} (PAGER_TOPICS)")
        message_ids = []
        for topic in topics:
            try:
                response = self._client.publish(**digest_args(team, lines, self._topics[topic], now))
            except (ClientError, BotoCoreError) as exc:
                raise DependencyError(f"could not send the {team} digest to {topic}: {exc}") from exc
            message_ids.append(response["MessageId"])
        return message_ids
