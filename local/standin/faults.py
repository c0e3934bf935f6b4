"""Faults the stand-in is told to inject: the next N valid requests to a provider get an error, or a slow answer."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

PROVIDERS = ("twilio", "slack", "x", "meta", "widget")
ENDPOINTS = ("twilio.messages", "twilio.calls", "slack.chat.postMessage", "x.dm", "x.tweets", "meta.messages")


@dataclass
class Fault:
    """What to answer instead of success.

    ``status`` None with no ``code``/``error``: a slow *success* after ``delay`` (the message is
    accepted, but a client that timed out never learns it: the case that makes duplicates). Otherwise
    the provider's own error for ``status``/``code`` (each provider fills in a default for the other),
    after ``delay`` seconds. ``times`` None: until cleared.
    """

    target: str  # a provider ("twilio") or one endpoint of it ("twilio.calls")
    status: int | None = None
    code: int | None = None  # Twilio's or Meta's error code (21610, 10, …)
    subcode: int | None = None  # Meta's error_subcode (2018278)
    error: str | None = None  # Slack's error string ("channel_not_found")
    message: str | None = None  # the provider's human text, where it has one
    retry_after: float | None = None  # seconds: Retry-After (X: x-rate-limit-reset = now + this)
    delay: float = 0.0
    times: int | None = 1
    served: int = field(default=0, init=False)

    @property
    def slow_success(self) -> bool:
        return self.status is None and self.code is None and self.error is None

    def matches(self, key: str) -> bool:
        provider = key.split(".", 1)[0]
        return self.target in (provider, key)

    def describe(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


class FaultSpec(BaseModel):
    """The control path's JSON body: ``fail()``'s arguments, with ``provider`` for the target."""

    model_config = ConfigDict(extra="forbid")

    provider: str
    status: int | None = Field(default=None, ge=400, le=599)
    code: int | None = None
    subcode: int | None = None
    error: str | None = None
    message: str | None = None
    retry_after: float | None = Field(default=None, ge=0)
    delay: float = Field(default=0.0, ge=0, le=120)
    times: int | None = Field(default=1, ge=1)

    def fault(self) -> Fault:
        return make_fault(**self.model_dump())


def make_fault(provider: str, **kwargs: Any) -> Fault:
    if provider not in PROVIDERS and provider not in ENDPOINTS:
        raise ValueError(f"unknown provider {provider!r}: one of {', '.join(PROVIDERS + ENDPOINTS)}")
    status = kwargs.get("status")
    if status is not None and not 400 <= status <= 599:
        raise ValueError(f"status {status} is not an error (400-599)")
    fault = Fault(provider, **kwargs)
    if fault.slow_success and not fault.delay:
        raise ValueError("a fault needs a status, a code, an error, or a delay (a slow success)")
    return fault


class FaultBook:
    """The faults waiting to be served, oldest first; safe across the server's request threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, key: str) -> Fault | None:
        """The fault the next valid request to ``key`` ("twilio.messages") gets, counted as served."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(key):
                    fault.served += 1
                    if fault.times is not None and fault.served >= fault.times:
                        self._faults.remove(fault)
                    return fault
        return None

    def pending(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
