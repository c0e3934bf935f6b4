"""SnapStart: a function's container is built before the snapshot without a request; a restore refreshes it.

Real boto3 clients on a session whose every request is recorded and refused before it leaves the
process, and a fake runtime-hook registry standing in for Lambda's snapshot_restore_py.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError

from chalicelib import snapshot
from chalicelib.adapters.secrets import SecretSource
from chalicelib.bootstrap import Container
from chalicelib.settings import SECRET_VARIABLES, Settings

ENV = {
    "STAGE": "dev",
    "AWS_DEFAULT_REGION": "us-east-1",
    "TICKETS_TABLE": "switchboard-dev-tickets",
    "CUSTOMERS_TABLE": "switchboard-dev-customers",
    "EVENTS_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/switchboard-dev-events",
    "REPLIES_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/switchboard-dev-replies",
    "PAGER_TOPICS": '{"support": "arn:aws:sns:us-east-1:123456789012:switchboard-dev-support"}',
    "RULES_BUCKET": "switchboard-dev-rules-123456789012",
    "PUBLIC_BASE_URL": "https://api.example.com/api",
    "REPLY_FROM_ADDRESS": "Support <support@example.com>",
    "SUPPORT_ADDRESS": "support@example.com",
    "TWILIO_ACCOUNT_SID": "AC00000000000000000000000000000001",
    # every secret in SSM, as deployed: a secret source needs its SSM client
    **{f"{var}_PARAM": f"/switchboard/dev/{name}" for name, var in SECRET_VARIABLES.items()},
}
NOW = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # the night Europe's clocks go forward


class RecordingSession:
    """A boto3 Session whose clients record each request and refuse it before it leaves the process."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.session = boto3.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
        )
        self.session.events.register("before-send", self._refuse)

    def _refuse(self, request: Any, **_: Any) -> None:
        self.sent.append(f"{request.method} {request.url}")
        # what botocore raises when nothing answers: callers treat it as an unreachable service
        raise EndpointConnectionError(endpoint_url=request.url)

    def client(self, service: str, **options: Any) -> Any:
        return self.session.client(service, **options)


class FakeHooks:
    """Lambda's snapshot_restore_py as the runtime uses it: callables kept, run after a restore."""

    def __init__(self) -> None:
        self.after_restore: list[tuple[Callable[..., Any], tuple[Any, ...]]] = []

    def register_after_restore(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        self.after_restore.append((func, args))
        return func

    def restore(self) -> None:
        for func, args in self.after_restore:
            func(*args)


def _container(session: RecordingSession) -> Container:
    return Container(Settings.from_env(ENV), clock=lambda: NOW, session=session)


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        pytest.param({}, None, id="on-demand-init"),
        pytest.param({"AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand", "_HANDLER": "app.triage"}, None, id="on-demand"),
        pytest.param(
            {"AWS_LAMBDA_INITIALIZATION_TYPE": "provisioned-concurrency", "_HANDLER": "app.app"}, None, id="provisioned"
        ),
        pytest.param({"AWS_LAMBDA_INITIALIZATION_TYPE": "snap-start", "_HANDLER": "app.app"}, "api_handler", id="api"),
        pytest.param({"AWS_LAMBDA_INITIALIZATION_TYPE": "snap-start", "_HANDLER": "app.triage"}, "triage", id="triage"),
    ],
)
def test_only_a_snapstart_init_builds_before_the_first_request(environ, expected):
    # GIVEN an init of the given type
    session, hooks, built = RecordingSession(), FakeHooks(), list[Container]()

    def container() -> Container:
        built.append(_container(session))
        return built[-1]

    # WHEN app.py installs the hooks
    function = snapshot.install(container, environ, lambda: hooks)
    # THEN only SnapStart's init builds a container (once) and registers its refresh
    assert function == expected
    assert len(built) == (1 if expected else 0)
    assert [(f, args) for f, args in hooks.after_restore] == ([(snapshot.restored, (built[0],))] if expected else [])


def test_without_the_runtime_hooks_nothing_is_built():
    # GIVEN a SnapStart init where snapshot_restore_py is missing: nothing could refresh the snapshot
    built: list[Container] = []

    def container() -> Container:
        built.append(_container(RecordingSession()))
        return built[-1]

    environ = {"AWS_LAMBDA_INITIALIZATION_TYPE": "snap-start", "_HANDLER": "app.triage"}
    # THEN the container stays lazy
    assert snapshot.install(container, environ, lambda: None) is None
    assert built == []


@pytest.mark.parametrize("function", sorted(snapshot.WARMUPS))
def test_each_function_is_built_before_the_snapshot_without_sending_a_request(function):
    # GIVEN a function's container on clients that record every request
    session = RecordingSession()
    container = _container(session)
    # WHEN its warm-up runs in the SnapStart init
    skipped = snapshot.prepare(container, snapshot.WARMUPS[function])
    # THEN everything it lists is built, its clients included, and nothing was sent
    assert skipped == []
    for part in snapshot.WARMUPS[function].parts:
        assert part in container.__dict__, part
    assert session.sent == []


def test_a_restore_checks_the_rules_store_before_the_first_decision():
    # GIVEN a container prepared for the snapshot: the packaged rules, the store not read
    session = RecordingSession()
    container = _container(session)
    snapshot.prepare(container, snapshot.WARMUPS["triage"])
    container.rules  # noqa: B018  a decision in the init would not read the store either
    assert session.sent == []
    # WHEN restored, the first decision reads the store (here refused: the packaged rules keep deciding)
    snapshot.restored(container)
    rules = container.rules
    # THEN it asked S3 for the rules object (botocore retries the refusal), and still decides
    assert session.sent
    assert {s.split("?")[0] for s in session.sent} == {
        "GET https://switchboard-dev-rules-123456789012.s3.amazonaws.com/rules/routing.json"
    }
    assert rules is not None


class FakeSsm:
    def __init__(self) -> None:
        self.reads = 0

    def get_parameter(self, **params: Any) -> dict[str, Any]:
        self.reads += 1
        return {"Parameter": {"Name": params["Name"], "Value": f"secret-{self.reads}"}}


def test_a_restore_makes_a_cached_secret_read_ssm_again():
    # GIVEN a secret read and cached (its five-minute age counted on the snapshot's clock)
    ssm = FakeSsm()
    container = Container(Settings.from_env(ENV), clock=lambda: NOW)
    source = SecretSource(None, "/switchboard/dev/ack", ssm)
    container._secret_sources["ack"] = source
    assert (source.get(), source.get(), ssm.reads) == ("secret-1", "secret-1", 1)
    # WHEN restored THEN the next read asks SSM
    snapshot.restored(container)
    assert (source.get(), ssm.reads) == ("secret-2", 2)


def test_each_restored_copy_draws_its_own_random_numbers():
    # GIVEN two environments restored from one snapshot: the same generator state
    container = Container(Settings.from_env(ENV), clock=lambda: NOW)
    frozen = random.getstate()
    try:
        draws = []
        for _ in range(2):
            random.setstate(frozen)
            # WHEN each runs the restore hook
            snapshot.restored(container)
            draws.append(random.random())
        # THEN their jitter differs (without the reseed both would draw the same number)
        assert draws[0] != draws[1]
    finally:
        random.seed()


@pytest.mark.parametrize(
    ("handler", "function"),
    [("app.app", "api_handler"), ("app.triage", "triage"), ("app.send_replies", "send_replies"), ("x", "x")],
)
def test_the_handler_setting_names_the_function(handler, function):
    assert snapshot.function_for(handler) == function


def test_every_function_app_py_serves_has_a_warm_up():
    import app

    # the API function, and one function per event source; each is told apart by its handler setting
    served = {"app.app", *(source.handler_string for source in app.app.event_sources)}
    assert {snapshot.function_for(handler) for handler in served} == set(snapshot.WARMUPS)
