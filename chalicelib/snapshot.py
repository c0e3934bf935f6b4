"""Lambda SnapStart: the work a function does before its snapshot, and what it refreshes after a restore.

Lambda sets AWS_LAMBDA_INITIALIZATION_TYPE=snap-start while it initialises a published version to
snapshot it. Only then does ``install`` build the function's container ahead of its first request
(the handler's lazy imports, botocore's service models, the compiled rules, the services), so that
work is in the snapshot instead of in the first request of every cold start. On-demand cold starts,
tests and the local platform keep building lazily, as before.

Nothing is sent before the snapshot: no connection waits in a urllib3 pool to be restored dead, no
secret value and no customer is cached, and the rules store is not read (the packaged rules are
compiled). After a restore, ``restored`` reseeds ``random`` (every copy of one snapshot would draw the
same jitter), makes the secret sources read SSM again and has the first decision check the rules
store. boto3's credentials under SnapStart come from the container credentials endpoint, which
botocore refreshes by itself.
"""

from __future__ import annotations

import importlib
import os
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from chalicelib.observability import logger

if TYPE_CHECKING:
    from chalicelib.bootstrap import Container

#: what Lambda sets while it initialises an environment to snapshot
INIT_TYPE, SNAP_START = "AWS_LAMBDA_INITIALIZATION_TYPE", "snap-start"


class RuntimeHooks(Protocol):
    """The registry Lambda's Python runtime provides as the snapshot_restore_py module."""

    def register_after_restore(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any: ...


@dataclass(frozen=True)
class Warmup:
    """What one function's first request would otherwise build."""

    #: the modules its handler and routes import on first use
    modules: tuple[str, ...] = ()
    #: the container's parts its handler uses (cached properties of bootstrap.Container)
    parts: tuple[str, ...] = ()
    #: the secrets it reads: their sources and SSM client are built, their values never read
    secrets: tuple[str, ...] = ()


#: function name (as app.py serves it) -> its warm-up; read from the handlers in chalicelib/api/
WARMUPS: Mapping[str, Warmup] = {
    # the webhooks: each provider's channel module, the queue, a live call's decision, an SMS "ACK"
    "api_handler": Warmup(
        modules=(
            *(f"chalicelib.channels.{m}" for m in ("widget", "twilio", "twiml", "slack", "sendgrid", "meta", "x")),
            "standardwebhooks.webhooks",
        ),
        parts=("intake", "voice", "paging"),
        secrets=("widget", "twilio", "slack", "x", "meta", "meta_verify", "sendgrid", "ack", "console"),
    ),
    # an outage report's incident models and service are imported where one needs them (incident_intake.py)
    "triage": Warmup(
        ("chalicelib.api.triage_handler", "chalicelib.services.incidents", "chalicelib.incidents.notify"),
        ("triage",),
        ("ack",),
    ),
    "send_replies": Warmup(
        ("chalicelib.api.replies_handler",),
        ("replies", "reply_queue", "reply_sender"),
        ("twilio", "slack_bot", "x_access", "meta_page", "meta", "widget_reply"),
    ),
    "inbound_email": Warmup(("chalicelib.api.inbound_email", "chalicelib.channels.ses"), ("intake",)),
    "escalate": Warmup(("chalicelib.api.escalation_handler",), ("paging", "replies", "incidents"), ("ack",)),
}


def function_for(handler: str) -> str:
    """The function a Lambda handler setting names ("app.triage" -> "triage"; Chalice's API is "app.app")."""
    name = handler.rpartition(".")[2]
    return "api_handler" if name == "app" else name


def runtime_hooks() -> RuntimeHooks | None:
    """Lambda's snapshot_restore_py when the runtime has it (every managed Python runtime SnapStart supports)."""
    try:
        import snapshot_restore_py  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return None
    hooks: RuntimeHooks = snapshot_restore_py
    return hooks


def install(
    container: Callable[[], Container],
    environ: Mapping[str, str] = os.environ,
    hooks: Callable[[], RuntimeHooks | None] = runtime_hooks,
) -> str | None:
    """At app import: in a SnapStart init, warm this function's container and register its restore hook.

    Returns the function warmed, or None (not a SnapStart init, or no runtime hooks to refresh with).
    """
    if environ.get(INIT_TYPE) != SNAP_START:
        return None
    registry = hooks()
    if registry is None:
        # without the after-restore hook the snapshot would keep stale rules and secrets' ages: stay lazy
        logger.warning("SnapStart init without snapshot_restore_py: nothing is prepared before the snapshot")
        return None
    function = function_for(environ.get("_HANDLER", "app.app"))
    built = container()
    prepare(built, WARMUPS.get(function, Warmup()))
    registry.register_after_restore(restored, built)
    return function


def prepare(container: Container, warmup: Warmup) -> list[str]:
    """Build what the first request would, without sending anything; returns what could not be built.

    A part that cannot be built (a setting this stage lacks) is left for the first request, which
    fails or copes exactly as it would without SnapStart: the snapshot is never refused for it.
    """
    try:
        container.settings  # noqa: B018  validated once, before the snapshot
        source = container.rules_source  # the packaged rules, compiled
    except Exception:  # the first request reports broken settings, as it does without SnapStart
        logger.warning("SnapStart init: the settings do not validate; nothing is prepared")
        return ["settings"]
    if hasattr(source, "hold"):  # the store is read after the restore, not before the snapshot
        source.hold()
    skipped: list[str] = []
    for module in warmup.modules:
        try:
            importlib.import_module(module)
        except ImportError:
            skipped.append(module)
    for name in warmup.secrets:
        try:
            container.secret(name)
        except Exception:  # a secret this stage does not configure: its route answers as it always does
            skipped.append(f"secret {name}")
    for part in warmup.parts:
        try:
            getattr(container, part)
        except Exception:
            skipped.append(part)
    if skipped:
        logger.info("left for the first request", extra={"skipped": skipped})
    return skipped


def restored(container: Container) -> None:
    """After a restore: what the snapshot froze that must differ per environment or count from now."""
    # every environment restored from one snapshot starts with the same generator state
    random.seed()
    # the snapshot may be hours old: the first decision checks the rules store, waiting for it
    source = container.__dict__.get("rules_source")
    if source is not None and hasattr(source, "recheck"):
        source.recheck()
    # no value was read before the snapshot; any cached since has an age the snapshot cannot tell
    for secret in container.secret_sources():
        secret.forget()
