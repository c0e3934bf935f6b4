"""Signing secrets: given directly (local development) or read from SSM Parameter Store, cached."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from chalicelib.errors import ConfigError, DependencyError


class SecretSource:
    """One secret; an SSM SecureString value is cached for ``max_age`` seconds inside the container.

    One GetParameter and a remembered age, on the client the container already has. Powertools'
    Parameters did this for us until issue 16's ingest budget: its package is 3-4 ms of imports on
    every function's cold start (about 1% of the ingest floor, which had no 1% to spare), and a
    secret is one name with one age, none of the providers, transforms or multi-value reads it is
    built for.
    """

    def __init__(
        self,
        value: str | None,
        parameter: str | None,
        ssm_client: Any = None,
        max_age: int = 300,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not value and not parameter:
            raise ConfigError("a secret needs a value or an SSM parameter name")
        self._value = value
        self._parameter = parameter
        self._ssm_client = ssm_client
        self._max_age = max_age
        self._clock = clock
        self._cached: tuple[str, float] | None = None  # (value, when it was read)

    def get(self) -> str:
        if self._value:
            return self._value
        now = self._clock()
        if self._cached is not None and now - self._cached[1] < self._max_age:
            return self._cached[0]
        try:
            answer = self._ssm_client.get_parameter(Name=self._parameter, WithDecryption=True)
            value: str = answer["Parameter"]["Value"]
        except Exception as exc:  # any failure (denied, missing, throttled, unreachable) is the dependency's
            raise DependencyError(f"could not read secret {self._parameter}: {exc}") from exc
        self._cached = (value, now)
        return value

    def forget(self) -> None:
        """Drop the cached value, so the next get() reads SSM (after a SnapStart restore its age is unknown)."""
        self._cached = None
