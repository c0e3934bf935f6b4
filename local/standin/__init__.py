"""A loopback stand-in for the providers' outbound APIs (Twilio, Slack, X, Meta, the widget backend)."""

from local.standin.credentials import LOCAL_OUTBOUND_SECRETS, Credentials, local_environment
from local.standin.faults import Fault
from local.standin.server import StandIn
from local.standin.wire import Answer, Received, Request

__all__ = [
    "LOCAL_OUTBOUND_SECRETS",
    "Answer",
    "Credentials",
    "Fault",
    "Received",
    "Request",
    "StandIn",
    "local_environment",
]
