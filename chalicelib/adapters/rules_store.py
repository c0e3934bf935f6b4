"""The rules a container decides with: the stage's rules object in S3, refreshed at most once an interval.

The package ships a compiled default (config/routing.json), so a fresh stack decides before any
rules deploy, and a container keeps deciding when S3 cannot be reached. Each refresh is a
conditional GET (If-None-Match on the ETag last read), so an unchanged object costs one 304. A new
object is parsed, checked against its own content hash and the rules schema, and compiled before it
is swapped in: a corrupt or invalid object is refused (an error log and a RulesRefused metric) and
the rules already in use keep deciding. The swap is one attribute assignment, so a decision in
another thread sees either the old rules or the new, never a mix.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chalicelib.errors import ConfigError
from chalicelib.routing.engine import CompiledRules

#: where the compiled rules live in the stage's rules bucket
RULES_KEY = "rules/routing.json"
#: the object metadata a deploy writes (S3 returns them without the x-amz-meta- prefix)
DEPLOYED_BY, DEPLOYED_AT, SOURCE_HASH = "deployed-by", "deployed-at", "source-hash"


def content_hash(data: dict[str, Any]) -> str:
    """The hash `switchboard rules compile` writes as the rules' version (cli/compile.py): of the rules, their
    holidays and, when the rules have one, the learned reading's weights table."""
    hashed = {"rules": data.get("rules"), "holidays": data.get("holidays")}
    if data.get("learned") is not None:
        hashed["learned"] = data["learned"]
    return hashlib.sha256(json.dumps(hashed, sort_keys=True).encode()).hexdigest()[:12]


def object_version(version_id: str | None, digest: str) -> str:
    """What a decision records: the S3 version and the content hash ("3HL4kq…/2f4ee1b7c0a9")."""
    return f"{version_id}/{digest}" if version_id and version_id != "null" else digest


def parse_object(
    body: bytes, where: str, checked: frozenset[str] = frozenset()
) -> tuple[dict[str, Any], CompiledRules]:
    """The rules object read, checked and compiled; ConfigError says why one cannot be used.

    ``checked``: content hashes whose rules already passed the schema here (the packaged default was
    validated when it was compiled): an object with one of them is not validated again.
    """
    from chalicelib.routing.loader import from_compiled

    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{where}: not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: not a compiled rules object")
    digest = content_hash(data)
    if data.get("version") != digest:
        raise ConfigError(f"{where}: content hash {digest} does not match its version {data.get('version')!r}")
    if digest not in checked:
        _check_schema(data.get("rules"), where)
        _check_learned(data.get("learned"), where)
    return data, from_compiled(data, where)


def _check_learned(table: Any, where: str) -> None:
    from chalicelib.routing.learned import from_compiled

    if table is None:
        return
    try:
        from_compiled(table)
    except ValueError as exc:
        raise ConfigError(f"{where}: not a learned weights table: {exc}") from None


def _check_schema(rules: Any, where: str) -> None:
    # The packaged file was validated when it was compiled; an object from S3 is checked here, on each
    # new container's first read (a new container has no ETag, so it reads the object) and on each new
    # version. That loads pydantic and costs ~60-100 ms of a cold start, unless the object holds the
    # same rules as the package (its content hash is the packaged default's), which is not checked again.
    from pydantic import ValidationError

    from chalicelib.routing.schema import RulesDocument

    try:
        RulesDocument.model_validate(rules)
    except ValidationError as exc:
        first = exc.errors()[0]
        path = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"{where}: not valid rules: {path}: {first['msg']} ({exc.error_count()} problems)") from None


@dataclass(frozen=True)
class Deployed:
    """Who put the object in use and when, from its metadata (empty for the packaged default)."""

    by: str = ""
    at: str = ""


def count_refused(reason: str) -> None:
    """A CloudWatch metric per refused rules object (EMF on stdout: no API call)."""
    from aws_lambda_powertools.metrics import MetricUnit, single_metric

    with single_metric(name="RulesRefused", unit=MetricUnit.Count, value=1, namespace="Switchboard") as metric:
        metric.add_dimension(name="reason", value=reason)


class RulesSource:
    """The current CompiledRules: ``current()`` is an attribute read, plus a conditional GET once an interval."""

    def __init__(
        self,
        default: CompiledRules,
        s3: Callable[[], Any] | None = None,
        bucket: str | None = None,
        key: str = RULES_KEY,
        interval: float = 60.0,
        #: seconds, for timing the refreshes
        monotonic: Callable[[], float] = time.monotonic,
        refused: Callable[[str], None] = count_refused,
    ) -> None:
        self._rules = default
        self.deployed = Deployed()
        self._s3_factory = s3
        self._s3: Any = None
        self._bucket = bucket
        self._key = key
        self._interval = interval
        self._monotonic = monotonic
        self._refused = refused
        self._etag: str | None = None
        self._checked: float | None = None
        self._lock = threading.Lock()
        #: the packaged default's content hash: its rules passed the schema when `make rules` compiled them
        self._checked_digests = frozenset({default.version})

    def current(self) -> CompiledRules:
        # one thread refreshes; the others decide with the rules in hand meanwhile (but the very first
        # decision waits: the packaged default may be older than what the stage has deployed)
        if (
            self._bucket
            and self._s3_factory is not None
            and self._due(now := self._monotonic())
            and self._lock.acquire(blocking=self._checked is None)
        ):
            try:
                if self._due(now):
                    self._checked = now
                    self.refresh()
            finally:
                self._lock.release()
        return self._rules

    def _due(self, now: float) -> bool:
        # a clock set back (NTP) must not stop the refreshes
        return self._checked is None or not 0 <= now - self._checked < self._interval

    def prepare(self) -> None:
        """Build the S3 client now (a boto3 Session is not thread-safe: the local platform builds on one thread)."""
        if self._s3 is None and self._s3_factory is not None:
            self._s3 = self._s3_factory()

    def hold(self) -> None:
        """Count the rules in hand as just checked: a SnapStart init makes no request before its snapshot."""
        self._checked = self._monotonic()

    def recheck(self) -> None:
        """Check the store on the next decision, which waits for it (a container restored from a snapshot)."""
        self._checked = None

    def refresh(self) -> bool:
        """Read the object if it changed; True when new rules were swapped in."""
        from botocore.exceptions import BotoCoreError, ClientError

        from chalicelib.observability import logger

        where = f"s3://{self._bucket}/{self._key}"
        try:
            if self._s3 is None:
                assert self._s3_factory is not None
                self._s3 = self._s3_factory()
            extra = {"IfNoneMatch": self._etag} if self._etag else {}
            answer = self._s3.get_object(Bucket=self._bucket, Key=self._key, **extra)
            body = answer["Body"].read()
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in ("304", "NotModified"):
                return False
            if code in ("NoSuchKey", "404"):
                # no rules deployed yet: the packaged default decides
                return False
            logger.warning("rules object unreadable; keeping the rules in use", extra={"where": where, "error": code})
            return False
        except BotoCoreError as exc:
            logger.warning(
                "rules store unreachable; keeping the rules in use", extra={"where": where, "error": type(exc).__name__}
            )
            return False
        etag = str(answer.get("ETag", ""))
        try:
            data, rules = parse_object(body, where, self._checked_digests)
        except ConfigError as exc:
            # remembered, so a bad object is refused once, not read again every interval
            self._etag = etag
            logger.error("rules object refused; keeping the rules in use", extra={"reason": str(exc)})
            self._refused("invalid")
            return False
        # a rollback to these rules later, or a second read of them, needs no second schema check
        self._checked_digests |= {str(data["version"])}
        rules.version = object_version(answer.get("VersionId"), rules.version)
        meta = answer.get("Metadata") or {}
        self._etag = etag
        self.deployed = Deployed(meta.get(DEPLOYED_BY, ""), meta.get(DEPLOYED_AT, ""))
        self._rules = rules
        logger.info("rules swapped", extra={"version": rules.version, "deployed_by": self.deployed.by})
        return True


class StaticRules:
    """A RulesSource that never changes (tests, and containers given their rules)."""

    def __init__(self, rules: Any) -> None:
        self._rules = rules
        self.deployed = Deployed()

    def current(self) -> Any:
        return self._rules
