"""RulesSource: a conditional GET at most once an interval, a bad object refused, the swap whole."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from chalicelib.adapters import rules_store
from chalicelib.adapters.rules_store import RulesSource, object_version
from chalicelib.routing.loader import load_rules
from tests import rules_objects
from tests.fakes import FakeSeconds

BUCKET, KEY = "switchboard-local-rules-123456789012", "rules/routing.json"


@dataclass
class FakeS3:
    """One object's versions; the newest is current. Answers If-None-Match as S3 does (a 304 error)."""

    versions: list[tuple[str, bytes, dict[str, str]]] = field(default_factory=list)
    calls: list[dict[str, Any]] = field(default_factory=list)
    unreachable: bool = False

    def put(self, body: bytes, **meta: str) -> str:
        version_id = f"v{len(self.versions) + 1}"
        self.versions.append((version_id, body, meta))
        return version_id

    def get_object(self, **params: Any) -> dict[str, Any]:
        self.calls.append(params)
        if self.unreachable:
            raise EndpointConnectionError(endpoint_url="https://s3.example")
        if not self.versions:
            raise ClientError({"Error": {"Code": "NoSuchKey", "Message": "no"}}, "GetObject")
        version_id, body, meta = self.versions[-1]
        etag = f'"{version_id}-etag"'
        if params.get("IfNoneMatch") == etag:
            raise ClientError({"Error": {"Code": "304", "Message": "Not Modified"}}, "GetObject")
        return {"Body": io.BytesIO(body), "ETag": etag, "VersionId": version_id, "Metadata": meta}


@pytest.fixture
def world() -> tuple[FakeS3, FakeSeconds, list[str], RulesSource]:
    s3, clock, refused = FakeS3(), FakeSeconds(), list[str]()
    source = RulesSource(load_rules(), lambda: s3, BUCKET, KEY, 60, clock, refused.append)
    return s3, clock, refused, source


def test_the_packaged_rules_decide_until_the_bucket_has_an_object(world):
    s3, _clock, _refused, source = world
    # GIVEN an empty bucket WHEN rules are asked for THEN the packaged ones, after one GET
    assert source.current().version == load_rules().version
    assert len(s3.calls) == 1


def test_a_new_object_is_read_once_the_interval_has_passed_and_not_before(world):
    s3, clock, _refused, source = world
    source.current()
    # GIVEN a deploy after the container's first read
    version_id = s3.put(rules_objects.with_priority("free-after-hours", "P3"), **{"deployed-by": "maya"})
    # WHEN asked again within the interval THEN no GET and the old rules
    clock.now += 59
    assert source.current().version == load_rules().version
    assert len(s3.calls) == 1
    # WHEN the interval has passed THEN the new rules, named by S3 version and content hash
    clock.now += 1
    rules = source.current()
    assert rules.version.startswith(f"{version_id}/") and rules.version != load_rules().version
    assert source.deployed.by == "maya"
    # AND the next look is conditional on the ETag it read, and finds nothing new
    clock.now += 60
    assert source.current() is rules
    assert s3.calls[-1]["IfNoneMatch"] == '"v1-etag"'


@pytest.mark.parametrize(
    "body",
    [rules_objects.CORRUPT, rules_objects.schema_invalid(), rules_objects.hand_edited(), b"[]"],
    ids=["corrupt-json", "schema-invalid", "hash-mismatch", "not-an-object"],
)
def test_a_bad_object_is_refused_and_the_rules_in_use_keep_deciding(world, body):
    s3, clock, refused, source = world
    # GIVEN good rules deployed and in use
    s3.put(rules_objects.with_priority("free-after-hours", "P3"))
    good = source.current()
    # WHEN a bad object is deployed over them
    s3.put(body)
    clock.now += 60
    # THEN it is refused once, with a metric, and the good rules stay
    assert source.current() is good
    assert refused == ["invalid"]
    clock.now += 60
    assert source.current() is good
    assert refused == ["invalid"]


def test_an_unreachable_store_keeps_the_rules_in_use(world):
    s3, clock, refused, source = world
    s3.put(rules_objects.with_priority("free-after-hours", "P3"))
    good = source.current()
    s3.unreachable = True
    clock.now += 60
    assert source.current() is good
    assert refused == []


def test_a_clock_set_back_still_refreshes(world):
    s3, clock, _refused, source = world
    source.current()
    s3.put(rules_objects.with_priority("free-after-hours", "P3"))
    clock.now -= 3600
    assert source.current().version.startswith("v1/")


@pytest.mark.parametrize(
    ("version_id", "expected"),
    [("3HL4kq", "3HL4kq/abc"), (None, "abc"), ("null", "abc")],
    ids=["versioned", "no-version", "unversioned-bucket"],
)
def test_the_version_a_decision_records(version_id, expected):
    assert object_version(version_id, "abc") == expected


@pytest.mark.parametrize(
    ("deployed", "schema_checks"),
    [
        (lambda: json.dumps(rules_objects.shipped()).encode(), 0),
        (lambda: rules_objects.with_priority("free-after-hours", "P3"), 1),
    ],
    ids=["same-rules-as-the-package", "changed-rules"],
)
def test_a_cold_start_checks_the_schema_only_of_rules_the_package_does_not_hold(
    world, monkeypatch, deployed, schema_checks
):
    s3, _clock, _refused, source = world
    checked: list[object] = []
    monkeypatch.setattr(rules_store, "_check_schema", lambda rules, where: checked.append(where))
    # GIVEN a deployed object
    s3.put(deployed())
    # WHEN a new container reads it (no ETag yet)
    rules = source.current()
    # THEN it decides with the object, schema-checked only if its rules differ from the packaged ones
    assert rules.version.startswith("v1/")
    assert len(checked) == schema_checks


def test_rules_read_again_after_a_rollback_are_not_checked_twice(world, monkeypatch):
    s3, clock, _refused, source = world
    checked: list[object] = []
    monkeypatch.setattr(rules_store, "_check_schema", lambda rules, where: checked.append(where))
    # GIVEN changed rules deployed, then other rules, then the first again (a rollback)
    changed = rules_objects.with_priority("free-after-hours", "P3")
    for body in (changed, rules_objects.with_priority("free-after-hours", "P2"), changed):
        s3.put(body)
        clock.now += 60
        source.current()
    # THEN each distinct content was checked once
    assert len(checked) == 2
    assert source.current().version.startswith("v3/")
