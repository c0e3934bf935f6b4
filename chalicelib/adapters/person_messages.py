"""Messages for one person over their pager topic (SNS), addressed to them as pages are: a sign-in link."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.errors import ConfigError, DependencyError


class SnsPersonMessenger:
    """``topics`` maps a PAGER_TOPICS name ("support") to its ARN, as SnsPagePublisher's do."""

    def __init__(self, client: Any, topics: Mapping[str, str]) -> None:
        self._client = client
        self._topics = topics

    def topic_arn(self, topic: str) -> str:
        arn = self._topics.get(topic)
        if arn is None:
            raise ConfigError(f"no SNS topic configured for {topic} (PAGER_TOPICS)")
        return arn

    def publish(self, args: dict[str, Any]) -> str:
        """Publish one prepared message (console/sign_in.py message_args); its SNS message id."""
        try:
            response = self._client.publish(**args)
        except (ClientError, BotoCoreError) as exc:
            raise DependencyError(f"could not send a message over {args.get('TopicArn')}: {exc}") from exc
        return str(response["MessageId"])
