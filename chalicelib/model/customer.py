"""A customer as the directory knows them: who they are and what they are worth to us."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

#: how the directory recognised a sender; an account matched by email domain is weaker evidence
MatchedBy = Literal["email", "phone", "handle", "domain"]


class Customer(BaseModel):
    """Raw facts about a customer; the rules file turns them into a tier (see ``tiers:``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    customer_id: str = Field(min_length=1, max_length=128)
    name: str = Field(min_length=1, max_length=200)
    #: the person we deal with at the account (``name`` is often the company): whom an auto-reply greets
    #: when the message does not say who wrote it
    contact_name: str | None = Field(default=None, max_length=200)
    #: the billing plan as the product names it (free, pro, enterprise, …)
    plan: str = Field(default="free", min_length=1, max_length=64)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, pattern=r"^\+[1-9]\d{6,14}$")
    #: social handles as "<network>:<handle>", e.g. "x:@dana_w", "meta:1029384756"
    handles: tuple[str, ...] = ()
    #: the account's email domain: any sender at this domain belongs to the account
    domain: str | None = Field(default=None, max_length=253)
    mrr: float = Field(default=0.0, ge=0)
    ltv: float = Field(default=0.0, ge=0)
    #: free-form labels the rules can test, e.g. "vip", "beta", "at-risk"
    flags: tuple[str, ...] = ()
    #: the customer's own zone, for auto-replies that say when they will hear back
    timezone: str = "UTC"
    matched_by: MatchedBy | None = None

    @classmethod
    def unknown(cls, label: str) -> Customer:
        """A sender with no account: routed as a prospect, named by what we know of them."""
        return cls(customer_id="unknown", name=label or "unknown sender", plan="none")

    @property
    def known(self) -> bool:
        return self.customer_id != "unknown"

    @property
    def vip(self) -> bool:
        return "vip" in self.flags
