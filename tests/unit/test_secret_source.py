"""SecretSource: a SecureString read from SSM once per max_age, on the container's client."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from chalicelib.adapters.secrets import SecretSource
from chalicelib.errors import ConfigError, DependencyError


class FakeSsm:
    def __init__(self, fail: bool = False) -> None:
        self.calls: list[dict[str, Any]] = []
        self.fail = fail

    def get_parameter(self, **params: Any) -> dict[str, Any]:
        self.calls.append(params)
        if self.fail:
            raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "GetParameter")
        return {"Parameter": {"Name": params["Name"], "Value": f"value-{len(self.calls)}"}}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("elapsed", "reads", "value"),
    [
        (0, 1, "value-1"),  # the same moment: cached
        (299.9, 1, "value-1"),  # still inside five minutes
        (300, 2, "value-2"),  # five minutes old: read again
        (3600, 2, "value-2"),
    ],
)
def test_a_parameter_is_read_once_per_max_age(elapsed: float, reads: int, value: str) -> None:
    # GIVEN a secret read once from SSM
    ssm, clock = FakeSsm(), Clock()
    source = SecretSource(None, "/switchboard/dev/widget", ssm, max_age=300, clock=clock)
    assert source.get() == "value-1"
    # WHEN it is asked for again later
    clock.now += elapsed
    got = source.get()
    # THEN SSM is asked again only once the value is max_age old, decrypted, by name
    assert (got, len(ssm.calls)) == (value, reads)
    assert ssm.calls[0] == {"Name": "/switchboard/dev/widget", "WithDecryption": True}


def test_a_value_given_directly_never_reads_ssm() -> None:
    # GIVEN a secret from the environment WHEN read THEN it is that value, and SSM is not asked
    ssm = FakeSsm()
    assert SecretSource("local-secret", None, ssm).get() == "local-secret"
    assert ssm.calls == []


def test_forget_makes_the_next_read_ask_ssm() -> None:
    # GIVEN a cached secret WHEN forgotten (after a SnapStart restore) THEN the next read asks SSM
    ssm = FakeSsm()
    source = SecretSource(None, "/switchboard/dev/ack", ssm, clock=Clock())
    source.get()
    source.forget()
    assert (source.get(), len(ssm.calls)) == ("value-2", 2)


def test_a_failed_read_is_a_dependency_error_naming_the_parameter() -> None:
    # GIVEN SSM refusing the read WHEN the secret is read THEN the error names the parameter
    source = SecretSource(None, "/switchboard/dev/slack", FakeSsm(fail=True))
    with pytest.raises(DependencyError, match="/switchboard/dev/slack"):
        source.get()


def test_a_secret_needs_a_value_or_a_parameter() -> None:
    with pytest.raises(ConfigError):
        SecretSource(None, None)
