"""The escalation sweep: every minute, each page whose acknowledgement timeout has passed moves one step."""

from __future__ import annotations

from typing import Any

from chalicelib.bootstrap import container
from chalicelib.observability import logger


def sweep() -> dict[str, Any]:
    c = container()
    now = c.clock()
    try:
        notified = c.paging.sweep(now)
    finally:
        # replies a lost queue message or a crashed attempt left pending: one scheduled function does
        # both, and a page's fault (which fails this run, for the Errors alarm) must not hold replies up
        requeued = c.replies.sweep(now) if c.settings.replies_queue_url else 0
    # incident updates a crashed command or page left untold: told now (their replies are queued as recorded)
    told = c.incidents.tell_pending(now)
    if notified or requeued or told:
        logger.info("escalation sweep", extra={"notified": notified, "replies_requeued": requeued, "told": told})
    return {"notified": notified, "replies_requeued": requeued, "incident_updates_told": told}
