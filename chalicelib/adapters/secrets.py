"""Signing secrets: given directly (local development) or read from SSM Parameter Store, cached."""

from __future__ import annotations

from typing import Any

from chalicelib.errors import ConfigError, DependencyError


class SecretSource:
    """One secret; SSM SecureString values are cached for ``max_age`` seconds inside the container."""

    def __init__(self, value: str | None, parameter: str | None, ssm_client: Any = None, max_age: int = 300) -> None:
        if not value and not parameter:
            raise ConfigError("a secret needs a value or an SSM parameter name")
        self._value = value
        self._parameter = parameter
        self._ssm_client = ssm_client
        self._max_age = max_age
        self._provider: Any = None

    def get(self) -> str:
        if self._value:
            return self._value
        if self._provider is None:
            # Powertools Parameters caches per name with max_age; imported only where SSM is used
            from aws_lambda_powertools.utilities.parameters import SSMProvider

            self._provider = SSMProvider(boto3_client=self._ssm_client)
        try:
            value: str = self._provider.get(self._parameter, decrypt=True, max_age=self._max_age)
        except Exception as exc:  # Powertools wraps every failure in GetParameterError
            raise DependencyError(f"could not read secret {self._parameter}: {exc}") from exc
        return value

    def forget(self) -> None:
        """Drop the cached value, so the next get() reads SSM (after a SnapStart restore its age is unknown)."""
        self._provider = None
