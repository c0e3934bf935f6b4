"""Console sign-in: a person asks for a link (or an operator sends one); it goes to them alone, over SNS.

Whatever the address, the asker learns nothing: a known address, an unknown one and one over its
limit get the same answer (the API shows the same page). Only a source IP over its limit is told so,
since that says nothing about any address.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from chalicelib.console import session
from chalicelib.console.sign_in import Bucket, Limit, auth_url, bucket, find_person, message_args, normalise
from chalicelib.errors import NotFoundError, SwitchboardError
from chalicelib.observability import logger


class Limits(Protocol):
    def take(self, bucket: Bucket, limit: Limit) -> bool: ...


class Messenger(Protocol):
    def topic_arn(self, topic: str) -> str: ...
    def publish(self, args: dict[str, Any]) -> str: ...


#: how often one address may ask for a link
PER_ADDRESS = Limit(5)
#: how often one source IP may ask (an office shares one address: a little more room)
PER_IP = Limit(10)


class Outcome(enum.Enum):
    SENT = "sent"
    NOBODY = "nobody"  # no person in the rules has that address
    LIMITED_ADDRESS = "limited_address"  # answered like the others, nothing sent
    LIMITED_IP = "limited_ip"  # the one outcome the asker is told (429)
    FAILED = "failed"  # SNS refused: logged, and answered like the others (an error would say "known")


@dataclass(frozen=True)
class Sent:
    person: str
    topic: str
    message_id: str
    url: str


class SignInService:
    def __init__(
        self,
        people: Mapping[str, Any],
        limits: Limits,
        messenger: Messenger,
        secret: Callable[[], str],
        clock: Callable[[], datetime],
        base_url: str = "",
        per_address: Limit = PER_ADDRESS,
        per_ip: Limit = PER_IP,
    ) -> None:
        self._people = people
        self._limits = limits
        self._messenger = messenger
        self._secret = secret
        self._clock = clock
        self._base_url = base_url
        self.per_address = per_address
        self.per_ip = per_ip

    def request(self, address: str, ip: str, next_path: str) -> Outcome:
        """A sign-in form's POST: count it, and send the link when the address is a person's and within limits."""
        now, secret = self._clock(), self._secret()
        if not self._limits.take(bucket("ip", ip, now, self.per_ip, secret), self.per_ip):
            logger.warning("sign-in requests over the per-IP limit")
            return Outcome.LIMITED_IP
        # every address is counted, known or not: a limit that only known ones reached would tell them apart
        wanted = normalise(address) or address.strip().lower()[:254]
        if not self._limits.take(bucket("address", wanted, now, self.per_address, secret), self.per_address):
            logger.warning("sign-in requests over the per-address limit")
            return Outcome.LIMITED_ADDRESS
        person = find_person(self._people, address)
        if person is None:
            logger.info("sign-in asked for an address nobody has")
            return Outcome.NOBODY
        try:
            sent = self.send_link(person, next_path)
        except SwitchboardError as exc:
            logger.error("sign-in link not sent", extra={"person": person, "reason": exc.reason})
            return Outcome.FAILED
        logger.info("sign-in link sent", extra={"person": sent.person, "topic": sent.topic})
        return Outcome.SENT

    def send_link(self, person: str, next_path: str) -> Sent:
        """Send ``person`` a sign-in link over their pager topic, addressed to them alone."""
        who = self._people.get(person)
        if who is None:
            raise NotFoundError(f"there is no person {person!r} in the rules")
        url = self.link(person, next_path)
        minutes = int(session.LINK_TTL.total_seconds() // 60)
        args = message_args(person, who.name, self._messenger.topic_arn(who.topic), url, minutes)
        return Sent(person, who.topic, self._messenger.publish(args), url)

    def link(self, person: str, next_path: str) -> str:
        token = session.issue(person, self._clock(), self._secret(), purpose=session.SIGN_IN, ttl=session.LINK_TTL)
        return auth_url(self._base_url, token, next_path)
