"""Each function's IAM policy from .chalice/, rendered for a stack, and what an AWS call asks of it.

The policy files name resources by ARN with ``{"Fn::Sub": "arn:aws:...:${AWS::Region}:${AWS::AccountId}:..."}``,
which CloudFormation resolves when the packaged template deploys. Tests and the local platform
resolve it here for their own stack (stage "local", moto's region and account), then hold each
function to it: moto checks the action of every request it receives, and ``denied_by`` checks
what moto cannot tell, the resource (see local/iam.py).
"""

from __future__ import annotations

import json
import re
from email.utils import parseaddr
from fnmatch import fnmatchcase
from typing import Any

from local.samples import CHALICE_CONFIG, ROOT

#: Chalice's function names: the API handler serves every route; the others are app.py's handlers
FUNCTIONS = ("api_handler", "triage", "inbound_email", "escalate", "send_replies")
#: the stage whose policy files the tests run under (prod's must grant the same, for its own names)
POLICY_STAGE = "dev"
#: TransactWriteItems has no IAM action of its own: AWS checks each item's action on its table
_TRANSACT_ITEM_ACTIONS = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem"}
_TRANSACT_ITEM_ACTIONS["ConditionCheck"] = "ConditionCheckItem"


def policy_file(function: str, stage: str = POLICY_STAGE) -> str:
    """The .chalice/ file name .chalice/config.json gives ``function`` in ``stage``."""
    config = json.loads(CHALICE_CONFIG.read_text(encoding="utf-8"))["stages"][stage]
    name = config.get("lambda_functions", {}).get(function, {}).get("iam_policy_file") or config["iam_policy_file"]
    return str(name)


def load(function: str, stage: str = POLICY_STAGE) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((ROOT / ".chalice" / policy_file(function, stage)).read_text("utf-8"))
    return document


def render(document: Any, *, stage: str, region: str, account: str, source_stage: str = POLICY_STAGE) -> Any:
    """The document as CloudFormation would deploy it for ``source_stage``, moved to ``stage``'s names."""
    if isinstance(document, list):
        return [render(d, stage=stage, region=region, account=account, source_stage=source_stage) for d in document]
    if isinstance(document, dict):
        if set(document) == {"Fn::Sub"}:
            values = {"AWS::Region": region, "AWS::AccountId": account, "AWS::Partition": "aws"}
            text = re.sub(r"\$\{([\w:]+)\}", lambda m: values[m.group(1)], document["Fn::Sub"])
            return render(text, stage=stage, region=region, account=account, source_stage=source_stage)
        return {
            k: render(v, stage=stage, region=region, account=account, source_stage=source_stage)
            for k, v in document.items()
        }
    if isinstance(document, str):
        return document.replace(f"switchboard-{source_stage}-", f"switchboard-{stage}-").replace(
            f"/switchboard/{source_stage}/", f"/switchboard/{stage}/"
        )
    return document


_SQS_BATCHED = ("sqs:SendMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility")


def for_moto(document: dict[str, Any]) -> dict[str, Any]:
    """What moto can enforce of a rendered policy: its actions, and SQS's resources.

    moto authorizes DynamoDB, SNS and SSM requests against the resource "*" (it does not work out
    the table or topic), so a statement naming ARNs would deny them all: those statements name "*"
    here, and ``denied_by`` checks their resources instead. moto also asks for
    dynamodb:TransactWriteItems, which AWS does not (it checks each item's action), so a policy
    granting an item write is given it here; it asks for SQS's batch actions, which AWS authorizes as the
    single ones (sqs:SendMessageBatch as sqs:SendMessage); and it names SES v2's actions by the API's endpoint
    prefix ("email:SendEmail"), where AWS's IAM says "ses:SendEmail".
    """
    statements = []
    for statement in document["Statement"]:
        actions = _listed(statement["Action"])
        if all(a.startswith("sqs:") for a in actions):
            # moto asks for sqs:SendMessageBatch (and the other batch actions), which AWS authorizes as sqs:SendMessage
            batched = [f"{a}Batch" for a in actions if a in _SQS_BATCHED]
            statements.append({**statement, "Action": [*actions, *batched]} if batched else statement)
            continue
        if any(a in actions for a in ("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem")):
            actions = [*actions, "dynamodb:TransactWriteItems"]
        actions = [*actions, *(f"email:{a.removeprefix('ses:')}" for a in actions if a.startswith("ses:"))]
        statements.append({**statement, "Action": actions, "Resource": "*"})
    return {**document, "Statement": statements}


def _listed(value: Any) -> list[str]:
    return list(value) if isinstance(value, list) else [value]


def allows(document: dict[str, Any], action: str, resource: str) -> bool:
    """IAM's answer for an identity policy of Allow statements (conditions aside: none apply here)."""
    if action == "sts:GetCallerIdentity":  # AWS allows it whatever the policy says
        return True
    allowed = False
    for statement in document["Statement"]:
        if not any(fnmatchcase(action.lower(), a.lower()) for a in _listed(statement["Action"])):
            continue
        if not any(fnmatchcase(resource, r) for r in _listed(statement["Resource"])):
            continue
        if statement["Effect"] == "Deny":
            return False
        allowed = True
    return allowed


def requests(service: str, operation: str, params: dict[str, Any], region: str, account: str) -> list[tuple[str, str]]:
    """(action, resource ARN) pairs IAM checks for one call, for the services the functions use."""
    arn = f"arn:aws:{service}:{region}:{account}"
    if service == "dynamodb":
        return [(f"dynamodb:{action}", f"{arn}:table/{table}") for action, table in _dynamodb(operation, params)]
    if service == "sns":
        return [(f"sns:{operation}", str(params.get("TopicArn") or params.get("TargetArn") or "*"))]
    if service == "sqs":
        name = str(params.get("QueueUrl", "")).rstrip("/").rsplit("/", 1)[-1]
        # IAM has no batch actions for SQS: SendMessageBatch needs sqs:SendMessage, and so on
        action = operation.removesuffix("Batch")
        return [(f"sqs:{action}", f"{arn}:{name}" if name else "*")]
    if service == "ssm":
        names = params.get("Names") or [params.get("Name", "")]
        return [(f"ssm:{operation}", f"{arn}:parameter/{str(n).lstrip('/')}") for n in names]
    if service == "s3":
        return _s3(operation, params)
    if service == "email":  # SES v2's endpoint prefix; IAM names its actions and identities "ses"
        sender = parseaddr(str(params.get("FromEmailAddress", "")))[1]
        domain = sender.rpartition("@")[2] or "*"
        return [(f"ses:{operation}", f"arn:aws:ses:{region}:{account}:identity/{domain}")]
    return [(f"{service}:{operation}", "*")]


def _s3(operation: str, params: dict[str, Any]) -> list[tuple[str, str]]:
    """S3's actions on objects name the object's ARN (no region or account); reading a version asks for more."""
    bucket = f"arn:aws:s3:::{params.get('Bucket', '*')}"
    obj = f"{bucket}/{params.get('Key', '*')}"
    read = "s3:GetObjectVersion" if params.get("VersionId") else "s3:GetObject"
    if operation in ("GetObject", "HeadObject"):
        return [(read, obj)]
    if operation == "ListObjectVersions":
        return [("s3:ListBucketVersions", bucket)]
    if operation == "CopyObject":
        source = params.get("CopySource")
        source_arn = (
            f"arn:aws:s3:::{source['Bucket']}/{source['Key']}" if isinstance(source, dict) else f"arn:aws:s3:::{source}"
        )
        copied = "s3:GetObjectVersion" if isinstance(source, dict) and source.get("VersionId") else "s3:GetObject"
        return [("s3:PutObject", obj), (copied, source_arn)]
    if operation.endswith("Object") or operation.endswith("Objects"):
        return [(f"s3:{operation}", obj)]
    return [(f"s3:{operation}", bucket)]


def _dynamodb(operation: str, params: dict[str, Any]) -> list[tuple[str, str]]:
    if operation == "TransactWriteItems":
        return [
            (_TRANSACT_ITEM_ACTIONS[kind], body["TableName"])
            for item in params.get("TransactItems", [])
            for kind, body in item.items()
        ]
    if operation == "TransactGetItems":
        return [("GetItem", item["Get"]["TableName"]) for item in params.get("TransactItems", [])]
    if operation == "BatchWriteItem":
        return [("BatchWriteItem", table) for table in params.get("RequestItems", {})]
    if operation == "BatchGetItem":
        return [("BatchGetItem", table) for table in params.get("RequestItems", {})]
    table = str(params.get("TableName", "*"))
    if params.get("IndexName"):
        table = f"{table}/index/{params['IndexName']}"
    return [(operation, table)]
