"""Twilio's REST API (2010-04-01): Messages and Calls, Basic auth, form fields, errors as ``{"code", "message", …}``."""

from __future__ import annotations

import hmac
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import datetime
from email.utils import format_datetime
from urllib.parse import parse_qsl

from local.standin.faults import Fault
from local.standin.wire import Accepted, Answer, Ids, Received, Request

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
PATH = re.compile(r"^/twilio/2010-04-01/Accounts/(?P<sid>[^/]+)/(?P<resource>Messages|Calls)\.json$")
FIELDS = {"Messages": {"To", "From", "Body"}, "Calls": {"To", "From", "Twiml"}}
MAX_BODY = 1600

#: Twilio's messages for the codes the stand-in answers with (https://www.twilio.com/docs/api/errors)
MESSAGES = {
    20001: "Unknown parameter",
    20003: "Authenticate",
    20004: "Method not allowed",
    20404: "The requested resource was not found",
    20429: "Too Many Requests",
    20500: "An internal server error has occurred",
    20503: "Service unavailable",
    21211: "The 'To' number is not a valid phone number.",
    21408: "Permission to send an SMS has not been enabled for the region indicated by the 'To' number",
    21606: "The 'From' phone number provided is not a valid message-capable Twilio phone number for this destination.",
    21610: "Attempt to send to unsubscribed recipient",
    21614: "'To' number is not a valid mobile number",
}
#: the HTTP status Twilio gives each code; codes not listed are 400s
STATUS_OF = {20003: 401, 20004: 405, 20404: 404, 20429: 429, 20500: 500, 20503: 503}
CODE_OF = {401: 20003, 403: 20003, 404: 20404, 405: 20004, 429: 20429, 503: 20503}


def error(status: int, code: int, message: str | None = None, retry_after: float | None = None) -> Answer:
    body = {
        "code": code,
        "message": message or MESSAGES.get(code, "Bad request"),
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else {}
    if status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="Twilio API"'
    return Answer(status, body, headers)


class TwilioApi:
    name = "twilio"
    prefix = "/twilio"

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        ids: Ids,
        clock: Callable[[], datetime],
        numbers: frozenset[str] | None = None,
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.ids = ids
        self.clock = clock
        #: the company's numbers, the only valid From (21606 otherwise); None: any E.164 number
        self.numbers = numbers

    def handle(self, request: Request) -> Answer | Accepted:
        match = PATH.match(request.path)
        if match is None:
            return error(404, 20404, f"The requested resource {request.path} was not found")
        if request.method != "POST":
            return error(405, 20004)
        credentials = request.basic()
        if credentials is None or not _same(credentials, (self.account_sid, self.auth_token)):
            return error(401, 20003)
        if match["sid"] != self.account_sid:  # another account's resource, with our credentials
            return error(404, 20404, f"The requested resource {request.path} was not found")
        resource = match["resource"]
        fields: dict[str, str] = {}
        if request.media_type() == "application/x-www-form-urlencoded":
            fields = dict(parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True))
        unknown = sorted(set(fields) - FIELDS[resource])
        if unknown:
            return error(
                400, 20001, f"Unknown parameter: {', '.join(unknown)} (the stand-in takes only the wire format's)"
            )
        refusal = self._check_numbers(fields, calls=resource == "Calls")
        if refusal is not None:
            return refusal
        return self._message(request, fields) if resource == "Messages" else self._call(request, fields)

    def _check_numbers(self, fields: dict[str, str], calls: bool) -> Answer | None:
        to, sender = fields.get("To", ""), fields.get("From", "")
        if not to:
            return (
                error(400, 21201, "No 'To' number is specified")
                if calls
                else error(400, 21604, "A 'To' phone number is required.")
            )
        if not sender:
            return (
                error(400, 21213, "Caller phone number is required")
                if calls
                else error(400, 21603, "A 'From' phone number is required.")
            )
        if not E164.match(to):
            return error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        if not E164.match(sender):
            return error(
                400,
                21212,
                f"The 'From' number {sender} is not a valid phone number, shortcode, or alphanumeric sender ID.",
            )
        if self.numbers is not None and sender not in self.numbers:
            if calls:
                return error(
                    400, 21210, f"The source phone number provided, {sender}, is not yet verified for your account."
                )
            return error(
                400,
                21606,
                f"The From phone number {sender} is not a valid, SMS-capable inbound phone number or short code for your account.",
            )
        return None

    def _message(self, request: Request, fields: dict[str, str]) -> Answer | Accepted:
        body = fields.get("Body", "")
        if not body:
            return error(400, 21602, "Message body is required.")
        if len(body) > MAX_BODY:
            return error(400, 21617, "The concatenated message body exceeds the 1600 character limit.")
        sid = self.ids.hex32("SM")
        now = self.clock()
        received = Received(self.name, "messages", fields["To"], body, None, sid, fields["From"], now, request)
        return Accepted(received, Answer(201, self._resource(sid, fields, now, "Messages") | {"body": body}))

    def _call(self, request: Request, fields: dict[str, str]) -> Answer | Accepted:
        twiml = fields.get("Twiml", "")
        if not twiml:
            return error(400, 21205, "A 'Url', 'ApplicationSid' or 'Twiml' parameter is required.")
        try:
            root = ET.fromstring(twiml)
        except ET.ParseError:
            return error(400, 12100, "Document parse failure")
        dial = root.find("Dial")
        numbers = dial.findall("Number") if dial is not None else []
        if root.tag != "Response" or len(root) != 1 or dial is None or len(dial) != 1 or len(numbers) != 1:
            return error(
                400, 12100, "Document parse failure: expected <Response><Dial><Number>…</Number></Dial></Response>"
            )
        # the bridge's point: the customer sees the company's number, never the on-call person's own
        if dial.get("callerId") != fields["From"]:
            return error(
                400, 13214, f"Dial: Invalid callerId value {dial.get('callerId')!r} (expected the From number)"
            )
        customer = (numbers[0].text or "").strip()
        if not E164.match(customer):
            return error(400, 13223, f"Dial: Invalid phone number format {customer!r}")
        sid = self.ids.hex32("CA")
        now = self.clock()
        text = f"rings, then bridges {customer} (caller ID {fields['From']})"
        received = Received(self.name, "calls", fields["To"], text, customer, sid, fields["From"], now, request)
        return Accepted(received, Answer(201, self._resource(sid, fields, now, "Calls")))

    def _resource(self, sid: str, fields: dict[str, str], now: datetime, resource: str) -> dict[str, object]:
        return {
            "sid": sid,
            "account_sid": self.account_sid,
            "to": fields["To"],
            "from": fields["From"],
            "status": "queued",
            "direction": "outbound-api",
            "api_version": "2010-04-01",
            "date_created": format_datetime(now, usegmt=True),
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/{resource}/{sid}.json",
        }

    def fault(self, fault: Fault, key: str) -> Answer:
        status = fault.status or STATUS_OF.get(fault.code or 0, 400 if fault.code else 500)
        code = fault.code or CODE_OF.get(status, 20500 if status >= 500 else 21211)
        return error(status, code, fault.message, fault.retry_after)


def _same(offered: tuple[str, str], expected: tuple[str, str]) -> bool:
    return all(hmac.compare_digest(a.encode(), b.encode()) for a, b in zip(offered, expected, strict=True))
