"""The local platform runs each function as its own IAM user, and its moto server enforces their policies."""

from __future__ import annotations

import pytest

from chalicelib import bootstrap
from local import iam
from local.platform import REGION, Platform
from local.policies import FUNCTIONS


def test_each_function_signs_as_its_own_user(platform: Platform) -> None:
    # GIVEN the running platform
    # WHEN each function's container asks the moto server who it is
    callers = {f: bootstrap.container(f).client("sts").get_caller_identity()["Arn"] for f in FUNCTIONS}
    # THEN each is its own IAM user, named for the stage and the function
    assert callers == {f: f"arn:aws:iam::{iam.ACCOUNT}:user/switchboard-local-{f}" for f in FUNCTIONS}


def test_the_server_refuses_what_a_functions_policy_does_not_grant(platform: Platform) -> None:
    # GIVEN the API function's user, signing without the platform's own resource check
    api = iam.Signed(platform.users["api_handler"], REGION, guard=False).client(
        "dynamodb", endpoint_url=platform.moto_url
    )
    assert platform.stack is not None
    table = platform.stack.outputs["TicketsTableName"]
    # WHEN it scans the tickets table (no function may)
    with pytest.raises(Exception, match="AccessDenied") as denied:
        api.scan(TableName=table)
    # THEN the moto server says no, naming the user and the action; the operator may
    assert "switchboard-local-api_handler" in str(denied.value) and "dynamodb:Scan" in str(denied.value)
    assert "Items" in platform.clients["dynamodb"].scan(TableName=table, Limit=1)
