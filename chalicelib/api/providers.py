"""Webhook routes for every provider: verify the raw bytes, map, queue, answer as each expects."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import ModuleType
from typing import TypeVar

from chalice.app import Blueprint, Response

from chalicelib.api.responses import accepted, check_size, error_response, unreadable_response
from chalicelib.bootstrap import container
from chalicelib.channels.base import Inbound, RawRequest, Reply
from chalicelib.errors import PayloadError, SwitchboardError
from chalicelib.observability import logger

providers = Blueprint(__name__)

FORM = ["application/x-www-form-urlencoded"]
JSON = ["application/json"]


def raw_request() -> RawRequest:
    """The request as the provider sent it, with the public URL it called (Twilio signs the URL)."""
    from chalicelib.api.query_string import candidates

    request = providers.current_request
    params: Mapping[str, str] = request.query_params or {}
    query = {str(k): str(params.get(k) or "") for k in params}
    # every value of every name, in the order received: Twilio signs the query as configured
    pairs = [(str(k), str(v)) for k in params for v in _values(params, k)]
    raw = request.raw_body or b""
    body = raw if isinstance(raw, bytes) else raw.encode("utf-8")
    path = request.context.get("resourcePath") or request.context.get("path") or "/"
    base = container().settings.public_base_url or f"https://{request.headers.get('host', 'localhost')}"
    url, *others = (base + path + (f"?{q}" if q else "") for q in candidates(pairs))
    headers = {k.lower(): v for k, v in request.headers.items()}
    return RawRequest(request.method, url, headers, body, query, tuple(others))


def _values(params: Mapping[str, str], name: str) -> list[str]:
    getlist = getattr(params, "getlist", None)  # Chalice's MultiDict keeps a repeated name's values
    return [v or "" for v in getlist(name)] if getlist is not None else [params.get(name) or ""]


def as_response(reply: Reply) -> Response:
    return Response(body=reply.body, status_code=reply.status, headers={"Content-Type": reply.content_type})


def receive(
    channel: ModuleType,
    secret: str,
    answer: Callable[[Inbound, list[str]], Response] | None = None,
    intercept: Callable[[RawRequest], Response | None] | None = None,
) -> Response:
    """verify → handle → queue every event → answer; any rejection queues nothing.

    ``intercept`` sees the verified request first and may answer it itself (an on-call person's SMS ACK).
    """
    c = container()
    request = raw_request()
    try:
        check_size(channel.PROVIDER, request.body)
        channel.verify(request, c.secret(secret).get(), c.clock())
    except SwitchboardError as exc:
        return error_response(exc, channel.PROVIDER)
    try:
        if intercept is not None and (answered := intercept(request)) is not None:
            return answered
        inbound: Inbound = channel.handle(request, c.clock())
    except PayloadError as exc:  # signed, but not a body we can map: as the provider's retries want
        return unreadable_response(exc, channel.PROVIDER)
    except SwitchboardError as exc:
        return error_response(exc, channel.PROVIDER)
    try:
        ids = [c.intake.accept(event) for event in inbound.events]
    except SwitchboardError as exc:
        return error_response(exc, channel.PROVIDER)
    if inbound.skipped:
        logger.info("skipped", extra={"provider": channel.PROVIDER, "skipped": list(inbound.skipped)})
    if ids:
        logger.info("webhook accepted", extra={"provider": channel.PROVIDER, "event_ids": ids})
    if answer is not None:
        return answer(inbound, ids)
    if inbound.reply is not None:
        return as_response(inbound.reply)
    # providers read any 2xx as delivered; 200 is what their documentation asks for
    return Response(status_code=200, body={"event_ids": ids, "skipped": len(inbound.skipped)})


@providers.route("/webhooks/widget", methods=["POST"], content_types=JSON)
def widget_webhook() -> Response:
    # imported here, as every adapter: the triage function loads this module too and never needs them
    from chalicelib.channels import widget

    # our own widget's answer: 202 with the one event's id
    return receive(widget, "widget", lambda inbound, ids: accepted(ids[0]))


@providers.route("/webhooks/sendgrid", methods=["POST"], content_types=["multipart/form-data"])
def sendgrid_webhook() -> Response:
    from chalicelib.channels import sendgrid

    return receive(sendgrid, "sendgrid")


@providers.route("/webhooks/slack", methods=["POST"], content_types=JSON)
def slack_webhook() -> Response:
    from chalicelib.channels import slack

    return receive(slack, "slack")


@providers.route("/webhooks/x", methods=["GET"])
def x_crc() -> Response:
    from chalicelib.channels import x

    request = raw_request()
    try:
        return as_response(x.crc_reply(request.query.get("crc_token"), container().secret("x").get()))
    except SwitchboardError as exc:
        return error_response(exc, x.PROVIDER)


@providers.route("/webhooks/x", methods=["POST"], content_types=JSON)
def x_webhook() -> Response:
    from chalicelib.channels import x

    return receive(x, "x")


@providers.route("/webhooks/meta", methods=["GET"])
def meta_subscribe() -> Response:
    from chalicelib.channels import meta

    request = raw_request()
    try:
        return as_response(meta.verify_subscription(request.query, container().secret("meta_verify").get()))
    except SwitchboardError as exc:
        return error_response(exc, meta.PROVIDER)


@providers.route("/webhooks/meta", methods=["POST"], content_types=JSON)
def meta_webhook() -> Response:
    from chalicelib.channels import meta

    return receive(meta, "meta")


@providers.route("/webhooks/twilio/sms", methods=["POST"], content_types=FORM)
def twilio_sms() -> Response:
    from chalicelib.channels import twilio, twiml

    return receive(twilio, "twilio", lambda inbound, ids: as_response(twiml.empty()), intercept=_sms_ack)


def _sms_ack(request: RawRequest) -> Response | None:
    """An on-call person's "ACK 482913" or "R 482913 <text>" is answered inline (None: an ordinary text, for a ticket)."""
    from chalicelib.channels import twilio, twiml

    message = twilio.parse_sms(request)
    c = container()
    if (command := twilio.reply_command(message.body)) is not None:
        # "R <code> <text>": the paged person answers the customer; the MessageSid keys it (a retry sends once)
        answer = c.page_replies.by_sms(command[0], message.from_, command[1], message.message_sid, c.clock())
        logger.info("sms reply", extra={"code": command[0], "reply_chars": len(answer)})
        return as_response(twiml.message(answer))
    code = twilio.ack_code(message.body)
    if code is None:
        return None
    reply = c.paging.acknowledge_by_sms(code, message.from_, c.clock())
    # the reply names the person and the customer: logged by its length only (no names at INFO)
    logger.info("sms ack", extra={"code": code, "reply_chars": len(reply)})
    return as_response(twiml.message(reply))


_T = TypeVar("_T")


def _verified_twilio(parse: Callable[[RawRequest], _T]) -> _T:
    """A Twilio request the route answers itself: size, signature over the public URL, then ``parse``."""
    from chalicelib.channels import twilio

    c = container()
    request = raw_request()
    check_size(twilio.PROVIDER, request.body)
    twilio.verify(request, c.secret("twilio").get(), c.clock())
    return parse(request)


@providers.route("/webhooks/twilio/recording", methods=["POST"], content_types=FORM)
def twilio_recording() -> Response:
    from chalicelib.channels import twilio, twiml

    return receive(twilio, "twilio", lambda inbound, ids: as_response(twiml.hang_up()))


@providers.route("/webhooks/twilio/transcription", methods=["POST"], content_types=FORM)
def twilio_transcription() -> Response:
    from chalicelib.channels import twilio, twiml

    return receive(twilio, "twilio", lambda inbound, ids: as_response(twiml.empty()))


def _urls() -> dict[str, str]:
    base = container().settings.public_base_url or ""
    return {name: f"{base}/webhooks/twilio/{name}" for name in ("dial", "recording", "transcription")}


def _voicemail() -> Response:
    from chalicelib.channels import twiml
    from chalicelib.services.voice import GREETING

    urls = _urls()
    return as_response(twiml.voicemail(GREETING, urls["recording"], urls["transcription"]))


@providers.route("/webhooks/twilio/voice", methods=["POST"], content_types=FORM)
def twilio_voice() -> Response:
    """A call to the company's number: ring the first person on the decision's dial list, now."""
    from chalicelib.channels import twilio, twiml

    c = container()
    try:
        call = _verified_twilio(twilio.parse_voice)
    except SwitchboardError as exc:
        return error_response(exc, twilio.PROVIDER)
    event = twilio.call_event(call, c.clock())
    try:
        c.intake.accept(event)  # the call is a ticket like every other message
        contacts = c.voice.dial_list(event)
    except Exception:  # a caller must never hear "an application error": take a message instead
        logger.exception("live call: answering with voicemail", extra={"event_id": event.event_id})
        return _voicemail()
    logger.info("live call", extra={"event_id": event.event_id, "dial_list": len(contacts)})
    if not contacts:
        return _voicemail()
    return as_response(twiml.dial(contacts[0], call.to, twiml.action_url(_urls()["dial"], 0)))


@providers.route("/webhooks/twilio/dial", methods=["POST"], content_types=FORM)
def twilio_dial() -> Response:
    """How ringing one person went: the next person on the list, or voicemail, or done."""
    from chalicelib.channels import twilio, twiml

    c = container()
    try:
        result = _verified_twilio(twilio.parse_dial_result)
    except SwitchboardError as exc:
        return error_response(exc, twilio.PROVIDER)
    try:
        call = twilio.IncomingCall.model_validate(
            {"CallSid": result.call_sid, "From": result.from_, "To": result.to, "CallStatus": "in-progress"}
        )
        contacts = c.voice.dial_list(twilio.call_event(call, c.clock()))
    except Exception:
        logger.exception("dial callback: answering with voicemail", extra={"call_sid": result.call_sid})
        return _voicemail()
    step = twiml.next_step(result.dial_call_status, result.attempt, len(contacts), caller_hung_up=result.caller_hung_up)
    logger.info(
        "dial result",
        extra={"status": str(result.dial_call_status), "attempt": result.attempt, "next": str(step.action)},
    )
    if step.action is twiml.Action.DIAL and step.attempt is not None:
        return as_response(
            twiml.dial(contacts[step.attempt], result.to, twiml.action_url(_urls()["dial"], step.attempt))
        )
    if step.action is twiml.Action.VOICEMAIL:
        return _voicemail()
    return as_response(twiml.hang_up())
