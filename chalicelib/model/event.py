"""The canonical SupportEvent every channel adapter produces and the triage Lambda consumes."""

from __future__ import annotations

from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class Channel(StrEnum):
    """Where a message came from; routing rules and urgency priors key on it."""

    WIDGET = "widget"
    EMAIL = "email"
    SMS = "sms"
    VOICE = "voice"
    SLACK = "slack"
    X = "x"
    META = "meta"


#: ``metadata[PAGE_HINT]`` is an adapter's word on paging: "hold" never pages (a voicemail's recording,
#: whose transcript follows and pages); "always" is news the person must read, so even folded into an
#: open page it notifies again (the transcript)
PAGE_HINT = "page"
HOLD = "hold"
ALWAYS = "always"


class Sender(BaseModel):
    """Who wrote the message, as far as the provider tells us."""

    # hide_input_in_errors: a ValidationError's message must not carry the customer's details into a log
    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    name: str | None = None
    email: str | None = None
    phone: str | None = None
    handle: str | None = None

    def lookup_keys(self) -> list[str]:
        """The customer-directory keys this sender can be found under, most specific first.

        ``handle`` is network-qualified like a customer's handles ("x:@dana_w"); the email's
        domain comes last: it finds the account a colleague of a known customer belongs to.
        Imported here, not at module level: only triage looks customers up.
        """
        from chalicelib.model.directory import (
            domain_key,
            email_domain,
            email_key,
            generic_mail_domain,
            handle_key,
            phone_key,
        )

        keys: list[str] = []
        if self.email:
            keys.append(email_key(self.email))
        if self.phone:
            keys.append(phone_key(self.phone))
        if self.handle and (key := handle_key(self.handle)):
            keys.append(key)
        # a gmail.com sender belongs to no account, whatever the table holds
        if self.email and (domain := email_domain(self.email)) and not generic_mail_domain(domain):
            keys.append(domain_key(domain))
        return keys


class SupportEvent(BaseModel):
    """One customer message, provider-neutral.

    ``event_id`` is the provider's dedup key, namespaced by provider, so a retried
    delivery maps to the same id and a new message with the same text does not.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    event_id: str = Field(min_length=1, max_length=256)
    channel: Channel
    provider: str = Field(min_length=1)
    received_at: AwareDatetime
    sender: Sender
    text: str = Field(max_length=20_000)
    subject: str | None = None
    thread_key: str | None = None
    metadata: dict[str, str] = Field(default_factory=dict)

    def summary(self, limit: int = 120) -> str:
        """A one-line summary for pages and tables."""
        line = " ".join((self.subject or self.text).split())
        return line if len(line) <= limit else line[: limit - 1] + "…"
