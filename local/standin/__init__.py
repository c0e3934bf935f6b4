"""A loopback stand-in for the providers' outbound APIs (Twilio, Slack, X, Meta, the widget backend)."""

from local.standin.credentials import Credentials, local_environment
from local.standin.faults import Fault
from local.standin.server import StandIn
from local.standin.wire import Answer, Received, Request

__all__ = [
    "Answer",
    "Credentials",
    "Fault",
    "Received",
    "Request",
    "StandIn",
    "local_environment",
]
