"""The stack's Lambda functions, their published versions and aliases, and deleting versions: clients injected."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from cli.aws import CliError
from cli.version_plan import LATEST, Alias

#: what CloudFormation lists for a deployed function (SAM's AWS::Serverless::Function becomes one)
FUNCTION_TYPE = "AWS::Lambda::Function"


@dataclass(frozen=True)
class Version:
    number: str
    memory_mb: int
    snapstart: bool  # published with SnapStart on: Lambda keeps (and bills) a cached snapshot of it


@dataclass(frozen=True)
class Function:
    name: str
    versions: tuple[Version, ...]  # published ones: never $LATEST
    aliases: tuple[Alias, ...]


@dataclass(frozen=True)
class Failure:
    function: str
    version: int
    reason: str


def stack_functions(cloudformation: Any, stack: str) -> list[str]:
    """The physical names of the stack's Lambda functions, sorted."""
    from botocore.exceptions import ClientError

    names = []
    try:
        for page in cloudformation.get_paginator("list_stack_resources").paginate(StackName=stack):
            for resource in page["StackResourceSummaries"]:
                if resource["ResourceType"] == FUNCTION_TYPE and resource.get("PhysicalResourceId"):
                    names.append(resource["PhysicalResourceId"])
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ValidationError":  # CloudFormation's word for "no such stack"
            raise CliError(f"no stack {stack}: {exc.response['Error']['Message']}") from exc
        raise
    return sorted(names)


def read_function(lambda_: Any, name: str) -> Function:
    versions = []
    for page in lambda_.get_paginator("list_versions_by_function").paginate(FunctionName=name):
        for config in page["Versions"]:
            if config["Version"] != LATEST:
                snapstart = config.get("SnapStart", {}).get("ApplyOn") == "PublishedVersions"
                versions.append(Version(config["Version"], int(config["MemorySize"]), snapstart))
    aliases = []
    for page in lambda_.get_paginator("list_aliases").paginate(FunctionName=name):
        for alias in page["Aliases"]:
            weights = alias.get("RoutingConfig", {}).get("AdditionalVersionWeights", {})
            aliases.append(Alias(alias["Name"], alias["FunctionVersion"], tuple(weights)))
    return Function(name, tuple(versions), tuple(aliases))


def delete_versions(lambda_: Any, function: str, versions: Iterable[int], say: Callable[[str], None]) -> list[Failure]:
    """Delete each version, oldest first; one that Lambda refuses is reported and skipped."""
    from botocore.exceptions import ClientError

    failures = []
    for version in sorted(versions):
        try:
            lambda_.delete_function(FunctionName=function, Qualifier=str(version))
        except ClientError as exc:
            # ResourceConflictException: something still uses it (an event source mapping, a
            # provisioned concurrency config); the rest of the plan does not depend on this one
            error = exc.response["Error"]
            failures.append(Failure(function, version, f"{error['Code']}: {error.get('Message', '')}".rstrip(": ")))
            say(f"  failed   {function}:{version}  {failures[-1].reason}")
        else:
            say(f"  deleted  {function}:{version}")
    return failures
