"""How the customer directory keys people (email#, phone#, handle#, domain#) and which keys it refuses."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

if TYPE_CHECKING:  # annotations only: the ingest path imports this module through event.py
    from chalicelib.model.customer import Customer

KeyKind = Literal["email", "phone", "handle", "domain"]

#: the networks a handle may name ("x:@dana_w", "meta:1029384756", "slack:U024BE7LH")
HANDLE_NETWORKS = ("meta", "slack", "x")

#: mailbox providers anyone can sign up to: a sender there says nothing about which account they belong to
GENERIC_MAIL_DOMAINS = frozenset(
    {
        "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com", "yahoo.com",
        "ymail.com", "rocketmail.com", "icloud.com", "me.com", "mac.com", "aol.com", "proton.me", "protonmail.com",
        "protonmail.ch", "pm.me", "gmx.com", "gmx.net", "gmx.de", "web.de", "mail.com", "zoho.com", "zohomail.com",
        "yandex.com", "yandex.ru", "mail.ru", "qq.com", "163.com", "126.com", "fastmail.com", "hey.com",
        "tutanota.com", "tuta.io", "hushmail.com", "comcast.net", "att.net", "verizon.net", "btinternet.com",
        "orange.fr", "free.fr", "laposte.net", "libero.it", "t-online.de", "naver.com", "seznam.cz",
    }
)  # fmt: skip
#: brands whose regional variants (hotmail.co.uk, yahoo.co.jp, outlook.de, …) are just as generic
_GENERIC_BRANDS = frozenset(
    {"gmail", "googlemail", "hotmail", "outlook", "yahoo", "ymail", "icloud", "protonmail", "aol"}
)

_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def email_key(email: str) -> str:
    return f"email#{email.strip().lower()}"


def phone_key(phone: str) -> str:
    return f"phone#{phone.strip()}"


def handle_key(handle: str) -> str | None:
    """``handle#<network>:<handle>``, lower-cased, without X's leading "@" (X's API sends screen names without it).

    A handle without a network ("@dana") names nobody for sure, so it has no key.
    """
    network, sep, name = handle.partition(":")
    network, name = network.strip().lower(), name.strip().lower().lstrip("@")
    return f"handle#{network}:{name}" if sep and network and name else None


def domain_key(domain: str) -> str:
    return f"domain#{domain.strip().lower().lstrip('@')}"


def email_domain(email: str) -> str | None:
    """The part after the last "@", lower-cased; None when there is none."""
    _, sep, domain = email.strip().lower().rpartition("@")
    return domain if sep and domain else None


def generic_mail_domain(domain: str) -> bool:
    """True for a mailbox provider's domain (gmail.com, outlook.de, proton.me, …): never an account's domain."""
    domain = domain.strip().lower().lstrip("@")
    labels = domain.split(".")
    # "yahoo.co.jp" has three labels, "mail.yahoo.example-corp.com" five: only the former is the brand's own
    return domain in GENERIC_MAIL_DOMAINS or (labels[0] in _GENERIC_BRANDS and 2 <= len(labels) <= 3)


def kind_of(key: str) -> KeyKind | None:
    prefix = key.partition("#")[0]
    return prefix if prefix in ("email", "phone", "handle", "domain") else None  # type: ignore[return-value]


def customer_keys(customer: Customer) -> list[str]:
    """Every lookup key a customer can be found under, most specific first (email, phone, handles, domain)."""
    keys: list[str] = []
    if customer.email:
        keys.append(email_key(customer.email))
    if customer.phone:
        keys.append(phone_key(customer.phone))
    keys.extend(k for h in customer.handles if (k := handle_key(h)))
    if customer.domain:
        keys.append(domain_key(customer.domain))
    return list(dict.fromkeys(keys))  # a handle listed twice is one key


def customer_problems(customer: Customer) -> list[tuple[str, str]]:
    """What stops this customer from being stored, as (field, message); empty when it can be."""
    problems: list[tuple[str, str]] = []
    if customer.email and not _EMAIL.match(customer.email.strip()):
        problems.append(("email", f"not an email address: {customer.email!r}"))
    for handle in customer.handles:
        network = handle.partition(":")[0].strip().lower()
        if handle_key(handle) is None:
            problems.append(("handles", f"{handle!r} is not <network>:<handle>, e.g. x:@dana_w or meta:1029384756"))
        elif network not in HANDLE_NETWORKS:
            problems.append(
                ("handles", f"unknown network {network!r} in {handle!r}; use one of {', '.join(HANDLE_NETWORKS)}")
            )
    if customer.domain:
        domain = customer.domain.strip().lower().lstrip("@")
        if not _DOMAIN.match(domain):
            problems.append(("domain", f"not a domain name: {customer.domain!r}"))
        elif generic_mail_domain(domain):
            problems.append(
                (
                    "domain",
                    f"{domain} is a public mailbox provider, not an account's domain: anyone can have an address"
                    " there; leave domain empty and list the person's own email instead",
                )
            )
    try:
        ZoneInfo(customer.timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a directory such as "America"
        problems.append(("timezone", f"unknown time zone {customer.timezone!r} (IANA names, e.g. Europe/Berlin)"))
    if not customer_keys(customer) and not problems:
        problems.append(("email", "no way to recognise this customer: give an email, phone, handles or domain"))
    return problems
