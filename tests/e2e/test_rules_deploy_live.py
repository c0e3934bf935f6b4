"""`switchboard rules deploy` against the running local platform: over HTTP, no restart, the tickets name the version."""

from __future__ import annotations

import argparse
from datetime import timedelta
from pathlib import Path

import pytest

from chalicelib.routing.loader import CONFIG_DIR, load_rules
from cli import rules_deploy
from cli.rules_store import Waiter, canary_version
from tests.e2e.conftest import E2E, fresh, sign
from tests.fakes import FakeClock

pytestmark = pytest.mark.e2e


def _decide(e2e: E2E) -> str:
    """A new conversation's question through the API and the worker: the version its ticket names."""
    delivery = e2e.post(sign(fresh("free-howto")))
    assert delivery.status == 202 and delivery.event_id is not None
    assert e2e.worker.drain(timeout=20)
    (ticket,) = e2e.tickets_for(delivery.event_id)
    return str(ticket["rules_version"]["S"])


def test_a_deploy_and_a_rollback_reach_the_running_platform_without_a_restart(e2e: E2E, tmp_path: Path) -> None:
    clock = e2e.platform.options.clock
    assert isinstance(clock, FakeClock)
    api_url = e2e.platform.api_url
    start = clock.now

    def wait() -> Waiter:
        # the canary over HTTP; each pause moves the platform's clock (its containers refresh by it), not time
        def sleep(seconds: float) -> None:
            clock.now += timedelta(seconds=seconds)

        return Waiter(
            ask=lambda: canary_version(api_url),
            say=print,
            clock=lambda: (clock.now - start).total_seconds(),
            sleep=sleep,
        )

    args = argparse.Namespace(
        stage="local",
        local=False,
        bucket=e2e.outputs["RulesBucketName"],
        api_url=api_url,
        region="us-east-1",
        yes=True,
        timeout=90.0,
        to=None,
        command="deploy",
    )
    packaged = load_rules().version
    # GIVEN the platform deciding with its packaged rules
    assert canary_version(api_url) == packaged
    # AND routing.yaml edited: a free customer's question in office hours is answered within 6 hours, not 8
    text = (CONFIG_DIR / "routing.yaml").read_text(encoding="utf-8")
    start_at = text.index("  - name: free-in-hours")
    end_at = text.index("within: 8h", start_at) + len("within: 8h")
    edited = tmp_path / "routing.yaml"
    edited.write_text(text[:start_at] + text[start_at:end_at].replace("within: 8h", "within: 6h") + text[end_at:])
    try:
        # WHEN it is deployed to the running platform
        assert rules_deploy.cmd_deploy(argparse.Namespace(**{**vars(args), "rules": edited}), waiter=wait()) == 0
        deployed = canary_version(api_url)
        assert deployed is not None and deployed != packaged
        # THEN within the refresh interval the next ticket names the deployed version
        clock.now += timedelta(seconds=3)
        assert _decide(e2e) == deployed
        # WHEN it is rolled back (the first deploy's earlier version: the packaged rules)
        assert (
            rules_deploy.cmd_rollback(argparse.Namespace(**{**vars(args), "command": "rollback"}), waiter=wait()) == 0
        )
        # THEN the packaged rules decide again, under the new S3 version that restored them
        clock.now += timedelta(seconds=3)
        restored = _decide(e2e)
        assert restored.endswith("/" + packaged) and restored != deployed
    finally:
        # the platform is shared by the package's tests: leave the packaged rules deciding
        store = rules_deploy.resolve(args).store
        store.upload((CONFIG_DIR / "routing.json").read_bytes(), {"deployed-by": "e2e teardown"})
        clock.now += timedelta(seconds=3)
