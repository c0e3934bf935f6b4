"""The escalation sweep: every minute, each page whose acknowledgement timeout has passed moves one step."""

from __future__ import annotations

from typing import Any

from chalicelib.bootstrap import container
from chalicelib.observability import logger


def sweep() -> dict[str, Any]:
    c = container()
    notified = c.paging.sweep(c.clock())
    if notified:
        logger.info("escalation sweep", extra={"notified": notified})
    return {"notified": notified}
