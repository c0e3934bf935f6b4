"""The deployer's side of a stage's rules store: the live object, its versions, an upload, a restore, the canary.

A container reads the same object (chalicelib/adapters/rules_store.py) and answers the version it
decides with at GET /rules/version, which is what a deploy waits on.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chalicelib.adapters.rules_store import (
    DEPLOYED_AT,
    DEPLOYED_BY,
    RULES_KEY,
    SOURCE_HASH,
    object_version,
    parse_object,
)
from chalicelib.errors import ConfigError
from chalicelib.routing.engine import CompiledRules

#: who restored which version: a rollback's copy names the version it copied
RESTORED_FROM = "restored-from"


@dataclass(frozen=True)
class StoredVersion:
    """One version of the rules object; ``rules`` is None when it cannot be used (say why in ``problem``)."""

    version_id: str
    body: bytes
    metadata: dict[str, str]
    rules: CompiledRules | None
    problem: str = ""

    @property
    def version(self) -> str:
        """What a decision records once a container reads this version."""
        return self.rules.version if self.rules is not None else self.version_id

    def who(self) -> str:
        by, at = self.metadata.get(DEPLOYED_BY) or "?", self.metadata.get(DEPLOYED_AT) or "?"
        restored = self.metadata.get(RESTORED_FROM)
        return f"deployed by {by} at {at}" + (f", restored from {restored}" if restored else "")


@dataclass(frozen=True)
class Listed:
    version_id: str
    last_modified: str
    is_latest: bool


class RulesStore:
    """One stage's rules bucket, through an S3 client the caller signs."""

    def __init__(self, s3: Any, bucket: str, key: str = RULES_KEY) -> None:
        self.s3 = s3
        self.bucket = bucket
        self.key = key

    @property
    def where(self) -> str:
        return f"s3://{self.bucket}/{self.key}"

    def live(self) -> StoredVersion | None:
        """The current object, or None before the first deploy."""
        from botocore.exceptions import ClientError

        try:
            answer = self.s3.get_object(Bucket=self.bucket, Key=self.key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise
        return self._read(answer)

    def get(self, version_id: str) -> StoredVersion:
        answer = self.s3.get_object(Bucket=self.bucket, Key=self.key, VersionId=version_id)
        return self._read(answer)

    def _read(self, answer: dict[str, Any]) -> StoredVersion:
        body = answer["Body"].read()
        version_id = str(answer.get("VersionId") or "null")
        metadata = {str(k): str(v) for k, v in (answer.get("Metadata") or {}).items()}
        try:
            _, rules = parse_object(body, f"{self.where}?versionId={version_id}")
        except ConfigError as exc:
            return StoredVersion(version_id, body, metadata, None, str(exc))
        rules.version = object_version(version_id, rules.version)
        return StoredVersion(version_id, body, metadata, rules)

    def versions(self) -> list[Listed]:
        """Every version of the object, newest first (delete markers left out)."""
        found: list[Listed] = []
        paginator = self.s3.get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.key):
            for v in page.get("Versions", []):
                if v["Key"] == self.key:
                    found.append(Listed(v["VersionId"], v["LastModified"].isoformat(), bool(v.get("IsLatest"))))
        return sorted(found, key=lambda v: v.last_modified, reverse=True)

    def upload(self, body: bytes, metadata: dict[str, str]) -> str:
        answer = self.s3.put_object(
            Bucket=self.bucket, Key=self.key, Body=body, ContentType="application/json", Metadata=metadata
        )
        return str(answer.get("VersionId") or "null")

    def restore(self, version_id: str, metadata: dict[str, str]) -> str:
        """That version's bytes as the current object again (a new version: history is never rewritten)."""
        answer = self.s3.copy_object(
            Bucket=self.bucket,
            Key=self.key,
            CopySource={"Bucket": self.bucket, "Key": self.key, "VersionId": version_id},
            MetadataDirective="REPLACE",
            ContentType="application/json",
            Metadata={**metadata, RESTORED_FROM: version_id},
        )
        return str(answer.get("VersionId") or "null")


def deploy_metadata(who: str, at: str, source_hash: str) -> dict[str, str]:
    return {DEPLOYED_BY: who, DEPLOYED_AT: at, SOURCE_HASH: source_hash}


def canary_version(api_url: str, timeout: float = 5.0) -> str | None:
    """The version GET /rules/version answers; None when the stage cannot be reached."""
    try:
        with urllib.request.urlopen(f"{api_url.rstrip('/')}/rules/version", timeout=timeout) as answer:
            return str(json.loads(answer.read())["version"])
    except (urllib.error.URLError, OSError, ValueError, KeyError):
        return None


@dataclass
class Waiter:
    """Polls the canary until it answers ``expected``; the clock and sleep are injected for tests."""

    ask: Callable[[], str | None]
    say: Callable[[str], None]
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    every: float = 2.0
    progress_every: float = 10.0

    def until(self, expected: str, timeout: float) -> tuple[bool, str | None]:
        start = self.clock()
        shown = start
        answered: str | None = None
        while True:
            answered = self.ask()
            if answered == expected:
                return True, answered
            now = self.clock()
            if now - start >= timeout:
                return False, answered
            if now - shown >= self.progress_every:
                shown = now
                self.say(f"  … {now - start:.0f} s: the stage still answers {answered or 'nothing'}")
            self.sleep(self.every)
