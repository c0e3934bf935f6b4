"""The platform's moto server in its own process: IAM enforced from its spawn, keys set over HTTP, gone when stopped."""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from local import iam
from local.moto_process import MotoProcess, MotoStartError

REGION = "us-east-1"


@pytest.fixture
def moto() -> Iterator[MotoProcess]:
    server = MotoProcess(port=0, unchecked=iam.SETUP_CALLS).start()
    try:
        yield server
    finally:
        server.stop()


def client(server: MotoProcess, service: str, key: str = "any", secret: str = "any") -> Any:
    return boto3.Session().client(
        service,
        region_name=REGION,
        endpoint_url=server.url,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
    )


def test_iam_is_enforced_after_the_operators_setup_calls(moto: MotoProcess) -> None:
    # GIVEN a server told at spawn to check IAM after SETUP_CALLS requests, and the operator created in them
    operator = iam.create_operator(client(moto, "iam"))
    # WHEN someone with keys moto never issued calls SQS, and the operator does the same
    with pytest.raises(ClientError) as refused:
        client(moto, "sqs").list_queues()
    listed = client(moto, "sqs", operator.access_key_id, operator.secret_access_key).list_queues()
    # THEN the stranger is refused and the operator is not
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert listed["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_use_keys_gives_a_user_the_fixed_local_keys_through_the_servers_hook(moto: MotoProcess) -> None:
    # GIVEN the operator, with the random keys moto made
    operator = iam.create_operator(client(moto, "iam"))
    random_key, operator_secret = operator.access_key_id, operator.secret_access_key
    # WHEN the platform gives it the local keys (the server runs in another process: over HTTP)
    iam.use_keys(moto.url, operator, "local", "local")
    # THEN the local keys sign as the operator (allowed everything), and the random ones no longer do
    listed = client(moto, "sqs", "local", "local").list_queues()
    assert listed["ResponseMetadata"]["HTTPStatusCode"] == 200
    with pytest.raises(ClientError):
        client(moto, "sqs", random_key, operator_secret).list_queues()


def test_a_stopped_server_is_gone_and_the_next_one_starts_empty() -> None:
    # GIVEN a server holding a queue
    first = MotoProcess(port=0).start()
    client(first, "sqs").create_queue(QueueName="left-behind")
    process_id = first.pid
    # WHEN it is stopped and another started
    first.stop()
    second = MotoProcess(port=0).start()
    try:
        queues = client(second, "sqs").list_queues().get("QueueUrls", [])
    finally:
        second.stop()
    # THEN the first process has exited, and the second holds nothing of it
    assert process_id is not None
    with pytest.raises(ProcessLookupError):
        os.kill(process_id, 0)
    assert queues == []


def test_the_server_exits_when_the_platforms_end_of_its_stdin_closes(moto: MotoProcess) -> None:
    # GIVEN a running server (its stdin is the platform's pipe; the platform dying closes it)
    process: subprocess.Popen[bytes] | None = moto._process
    assert process is not None and process.stdin is not None
    # WHEN that pipe closes without any stop()
    process.stdin.close()
    # THEN the server exits by itself
    assert process.wait(timeout=30) == 0


def test_a_taken_port_is_reported_as_such() -> None:
    # GIVEN a port something listens on
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        # WHEN the server is started on it / THEN it says the port was the problem
        with pytest.raises(MotoStartError) as failed:
            MotoProcess(port=port).start()
    assert failed.value.port_in_use


def test_the_servers_cpu_is_its_own_and_grows_with_its_work() -> None:
    # GIVEN a server without IAM checks, and its CPU so far
    server = MotoProcess(port=0).start()
    try:
        before = server.cpu_seconds()
        if before is None:
            pytest.skip("the OS does not say (no /proc)")
        # WHEN it answers some requests
        sqs = client(server, "sqs")
        for _ in range(50):
            sqs.list_queues()
        after = server.cpu_seconds()
    finally:
        server.stop()
    # THEN its CPU grew (the requests' work is the child's), and a stopped server has none to read
    assert after is not None and after > before
    assert server.cpu_seconds() is None
