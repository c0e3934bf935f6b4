"""Which table and endpoint a CLI command talks to: --table, --stage or --local, else the environment."""

from __future__ import annotations

import argparse
import os
from typing import Any

#: `make run`'s moto server and the tables it creates from infra/template.yaml (stage "local")
LOCAL_ENDPOINT = "http://127.0.0.1:5001"


class CliError(Exception):
    """A problem the user can fix: printed as one line, exit status 2, no traceback."""


def table_options(parser: argparse.ArgumentParser, kind: str, variable: str) -> None:
    """--table / --stage (one of), --local and --region, for the ``kind`` table ("customers", "tickets")."""
    where = parser.add_argument_group("table")
    which = where.add_mutually_exclusive_group()
    which.add_argument("--table", metavar="NAME", help=f"the {kind} table name (default: ${variable})")
    which.add_argument("--stage", metavar="STAGE", help=f"use the stage's table, switchboard-STAGE-{kind}")
    where.add_argument("--local", action="store_true", help=f"`make run`'s moto server at {LOCAL_ENDPOINT}")
    where.add_argument("--region", help="AWS region (default: your AWS configuration, else us-east-1)")


def dynamodb_table(args: argparse.Namespace, kind: str, variable: str) -> tuple[Any, str]:
    """(DynamoDB client, table name) from the options ``table_options`` added."""
    table = (
        args.table
        or (f"switchboard-{args.stage}-{kind}" if args.stage else None)
        or (f"switchboard-local-{kind}" if args.local else None)
        or os.environ.get(variable)
    )
    if not table:
        raise CliError(f"which table? pass --table NAME, --stage STAGE or --local, or set {variable}")
    return client("dynamodb", local=args.local, region=args.region), table


def client(service: str, *, local: bool, region: str | None) -> Any:
    """A boto3 client for AWS, or for `make run`'s moto server with ``local``."""
    import boto3  # a dev dependency: imported only when a command talks to AWS

    options: dict[str, Any] = {"region_name": region or boto3.session.Session().region_name or "us-east-1"}
    if local:
        # moto accepts any credentials; a developer without an AWS profile should not need one
        options.update(endpoint_url=LOCAL_ENDPOINT, aws_access_key_id="local", aws_secret_access_key="local")
    elif os.environ.get("AWS_ENDPOINT_URL"):
        options["endpoint_url"] = os.environ["AWS_ENDPOINT_URL"]
    return boto3.client(service, **options)
