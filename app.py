"""Switchboard's Chalice app: routes and event handlers, wiring only."""

from __future__ import annotations

import os
from typing import Any

from chalice.app import Chalice, CloudWatchEvent, Rate, SNSEvent, SQSEvent

from chalicelib import bootstrap, snapshot
from chalicelib.observability import redact_tracebacks

app = Chalice(app_name="switchboard")
# Chalice logs an unhandled exception's traceback, whose message may quote the customer's text
redact_tracebacks(app.log)
# SendGrid's multipart bodies carry binary attachments: API Gateway must pass the bytes base64-encoded
app.api.binary_types.append("multipart/form-data")


def register_routes(api: Chalice) -> None:
    """Every route: the webhooks, the ack pages, the status page, the console."""
    from chalicelib.api.acks import acks
    from chalicelib.api.console import console
    from chalicelib.api.console_auth import console_auth
    from chalicelib.api.providers import providers
    from chalicelib.api.rules_version import rules_version
    from chalicelib.api.status import status
    from chalicelib.api.webhooks import webhooks

    for blueprint in (webhooks, providers, acks, status, console, console_auth, rules_version):
        api.register_blueprint(blueprint)


# Lambda names the handler each function runs in _HANDLER ("app.app" is the API, "app.triage" the
# queue's consumer): the other functions never serve a route, so their cold start skips importing the
# blueprints. Where no handler is named (`chalice package`, `chalice local`, tests, `make run`), every
# route is registered, as the API function registers them.
if snapshot.function_for(os.environ.get("_HANDLER", "app.app")) == "api_handler":
    register_routes(app)


# Every route is the API function's: in one process with the other functions (tests, `make run`),
# this picks the API's clients, which sign as its own IAM user there.
@app.middleware("http")
def api_function(event: Any, get_response: Any) -> Any:
    with bootstrap.serving("api_handler"):
        return get_response(event)


# The queue name here is a placeholder: infra/template.yaml points this event source at the
# stack's own queue and turns on ReportBatchItemFailures, which Chalice cannot express.
@app.on_sqs_message(queue="switchboard-events", batch_size=10)
def triage(event: SQSEvent) -> dict[str, Any]:
    # imported on first use: the API function, which shares this module, never pays for triage
    from chalicelib.api.triage_handler import handle_batch

    with bootstrap.serving("triage"):
        return handle_batch(event.to_dict(), event.context)


# Replies to customers: the placeholder queue is pointed at the stack's replies queue by infra/template.yaml.
@app.on_sqs_message(queue="switchboard-replies", batch_size=10)
def send_replies(event: SQSEvent) -> dict[str, Any]:
    from chalicelib.api.replies_handler import handle_batch

    with bootstrap.serving("send_replies"):
        return handle_batch(event.to_dict(), event.context)


# The topic name is a placeholder too: infra/template.yaml subscribes this function to the stack's
# inbound-email topic, where an SES receipt rule publishes each email.
@app.on_sns_message(topic="switchboard-inbound-email")
def inbound_email(event: SNSEvent) -> list[str]:
    from chalicelib.api.inbound_email import handle_notification

    with bootstrap.serving("inbound_email"):
        return handle_notification(event.message)


# Escalation: each page whose acknowledgement timeout has passed moves one step, within a minute of due.
@app.schedule(Rate(1, unit=Rate.MINUTES))
def escalate(event: CloudWatchEvent) -> dict[str, Any]:
    from chalicelib.api.escalation_handler import sweep

    with bootstrap.serving("escalate"):
        return sweep()


# Lambda SnapStart: in the init Lambda snapshots, build this function's clients and services now, and
# refresh what must not be shared by restored copies after each restore (chalicelib/snapshot.py).
snapshot.install(bootstrap.container)
