"""A customer as the directory knows them: who they are and what they are worth to us."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Tier(StrEnum):
    """Commercial tier; ``prospect`` is a sender we have no account for."""

    PROSPECT = "prospect"
    FREE = "free"
    PRO = "pro"
    ENTERPRISE = "enterprise"


class Customer(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    customer_id: str = Field(min_length=1)
    name: str
    tier: Tier
    email: str | None = None
    phone: str | None = None
    mrr: float = Field(default=0.0, ge=0)
    vip: bool = False
    timezone: str = "UTC"

    @classmethod
    def unknown(cls, label: str) -> Customer:
        """A sender with no account: routed as a prospect, named by what we know of them."""
        return cls(customer_id="unknown", name=label or "unknown sender", tier=Tier.PROSPECT)

    @property
    def known(self) -> bool:
        return self.customer_id != "unknown"
