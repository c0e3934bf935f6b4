"""Amazon SES receiving: an SES receipt rule publishes each email to SNS; this handler queues it.

IAM authenticates the delivery (only SES may publish to the topic), so there is no signature to
check. A malformed notification is logged and dropped (raising would only make Lambda retry it);
a queue failure raises, so the asynchronous invocation is retried.
"""

from __future__ import annotations

from chalicelib.bootstrap import container
from chalicelib.errors import PayloadError
from chalicelib.observability import logger


def handle_notification(message: str) -> list[str]:
    from chalicelib.channels import ses

    c = container()
    try:
        inbound = ses.handle_notification(message, c.clock())
    except PayloadError as exc:
        logger.warning("SES notification dropped", extra={"reason": exc.reason})
        return []
    if inbound.skipped:
        logger.info("skipped", extra={"provider": ses.PROVIDER, "skipped": list(inbound.skipped)})
    return [c.intake.accept(event) for event in inbound.events]
