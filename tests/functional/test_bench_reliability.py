"""The reliability benchmark on a few events: a clean run counts zeros, a swallowed publish counts one silent page.

These assert the benchmark's counting against runs with a known answer, never its timing.
"""

from __future__ import annotations

import json
from typing import Any

from bench import reliability

EVENTS = 20
SEED = 3


def test_without_faults_nothing_is_lost_duplicated_silent_or_extra() -> None:
    # GIVEN 20 events delivered three times each, no faults
    # WHEN the benchmark runs them through triage and the escalation sweep
    counts = reliability.run(EVENTS, fault_rate=0.0, seed=SEED).counts
    # THEN every event is one record, and every page notified reached its people once per step
    assert counts.tickets + counts.follow_ups == EVENTS
    assert counts.pages > 0 and counts.steps >= counts.pages and counts.notifications > 0  # the check has teeth
    figures = (counts.lost, counts.duplicates, counts.silent_pages, counts.extra, counts.dlq_messages)
    assert figures == (0, 0, 0, 0, 0)


def test_a_publish_answered_but_never_sent_is_one_silent_page() -> None:
    # GIVEN the same run, where SNS answers the first page's publish with success and sends nothing
    dropped: list[dict[str, Any]] = []

    def drop_first_page(params: dict[str, Any]) -> bool:
        if dropped or params.get("MessageAttributes", {}).get("kind", {}).get("StringValue") != "page":
            return False
        dropped.append(params)
        return True

    # WHEN the benchmark counts
    result = reliability.run(EVENTS, fault_rate=0.0, seed=SEED, drop=drop_first_page)
    # THEN exactly that page is silent, at one step, and nothing else changed
    counts = result.counts
    assert len(dropped) == 1
    page_id = dropped[0]["MessageAttributes"]["page_id"]["StringValue"]
    assert (counts.silent_pages, counts.silent_steps, counts.silent_ids) == (1, 1, (page_id,))
    assert (counts.lost, counts.duplicates, counts.extra) == (0, 0, 0)
    assert json.loads(json.dumps(result.to_dict()))["counts"]["silent_pages"] == 1
