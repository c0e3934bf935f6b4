"""Create infra/template.yaml's resources in moto's CloudFormation, then apply what moto skips.

moto creates tables, queues (with redrive), topics and buckets from the template, but ignores
TimeToLiveSpecification and a bucket's versioning, public access block, ownership and lifecycle,
and skips AWS::SNS::Subscription and AWS::CloudWatch::Alarm; those are applied here from the same
template's definitions, so local resources match AWS's.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

TEMPLATE = Path(__file__).resolve().parent.parent / "infra" / "template.yaml"


class _CfnLoader(yaml.SafeLoader):
    """Reads CloudFormation short tags (!Ref, !Sub, !GetAtt, ...) into their long forms."""


def _intrinsic(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = tag_suffix if tag_suffix in ("Ref", "Condition") else f"Fn::{tag_suffix}"
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if tag_suffix == "GetAtt":
            value = str(value).split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_CfnLoader.add_multi_constructor("!", _intrinsic)


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    template: dict[str, Any] = yaml.load(path.read_text(encoding="utf-8"), Loader=_CfnLoader)
    return template


def standalone(template: dict[str, Any]) -> dict[str, Any]:
    """The template without what only makes sense merged into Chalice's: overrides and Globals."""
    resources = {k: v for k, v in template["Resources"].items() if "Type" in v}
    return {k: v for k, v in {**template, "Resources": resources}.items() if k not in ("Globals", "Transform")}


@dataclass(frozen=True)
class LocalStack:
    name: str
    stage: str
    outputs: dict[str, str]
    physical_ids: dict[str, str]

    def environment(self) -> dict[str, str]:
        """The function environment infra/template.yaml's Globals give the Lambdas in AWS."""
        o = self.outputs
        topics = {"support": o["SupportTopicArn"], "sales": o["SalesTopicArn"], "founders": o["FoundersTopicArn"]}
        return {
            "STAGE": self.stage,
            "TICKETS_TABLE": o["TicketsTableName"],
            "CUSTOMERS_TABLE": o["CustomersTableName"],
            "EVENTS_QUEUE_URL": o["EventsQueueUrl"],
            "REPLIES_QUEUE_URL": o["RepliesQueueUrl"],
            "PAGER_TOPICS": json.dumps(topics),
            **({"RULES_BUCKET": o["RulesBucketName"]} if "RulesBucketName" in o else {}),
        }


class _Resolver:
    """Evaluates the few intrinsic functions the skipped resources use, against the created stack."""

    def __init__(self, template: dict[str, Any], params: dict[str, str], physical: dict[str, str]) -> None:
        self.template = template
        self.params = params
        self.physical = physical

    def ref(self, name: str) -> str:
        return self.params[name] if name in self.params else self.physical[name]

    def pseudo(self, region: str, account: str) -> None:
        """CloudFormation's pseudo parameters, for the Fn::Sub strings that name ARNs."""
        self.params.update({"AWS::Region": region, "AWS::AccountId": account, "AWS::Partition": "aws"})

    def get_att(self, logical: str, attribute: str) -> str:
        kind = self.template["Resources"][logical]["Type"]
        if kind == "AWS::SQS::Queue" and attribute == "QueueName":
            return self.physical[logical].rstrip("/").rsplit("/", 1)[-1]
        raise ValueError(f"!GetAtt {logical}.{attribute} is not supported locally")

    def __call__(self, node: Any) -> Any:
        if isinstance(node, list):
            return [self(item) for item in node]
        if not isinstance(node, dict):
            return node
        if len(node) != 1 or not next(iter(node)).startswith(("Fn::", "Ref")):
            return {k: self(v) for k, v in node.items()}
        ((fn, arg),) = node.items()
        if fn == "Ref":
            return self.ref(arg)
        if fn == "Fn::GetAtt":
            return self.get_att(arg[0], arg[1])
        if fn == "Fn::Sub" and isinstance(arg, str):
            return re.sub(r"\$\{([\w:.]+)\}", lambda m: self.ref(m.group(1)), arg)
        if fn == "Fn::Not":
            return not self(arg[0])
        if fn == "Fn::Equals":
            return self(arg[0]) == self(arg[1])
        raise ValueError(f"{fn} is not supported locally")

    def condition(self, name: str | None) -> bool:
        return True if name is None else bool(self(self.template["Conditions"][name]))


def _put_alarm(cloudwatch: Any, props: dict[str, Any]) -> None:
    cloudwatch.put_metric_alarm(
        **{k: v for k, v in props.items() if k != "AlarmActions"}, AlarmActions=props.get("AlarmActions", [])
    )


def create_stack(
    clients: dict[str, Any],
    stage: str = "local",
    name: str | None = None,
    parameters: dict[str, str] | None = None,
    template_path: Path = TEMPLATE,
) -> LocalStack:
    """Create the stack and apply TTLs and subscriptions; ``clients`` maps service name → boto3 client."""
    template = load_template(template_path)
    name = name or f"switchboard-{stage}"
    params = {k: str(v.get("Default", "")) for k, v in template.get("Parameters", {}).items()}
    params.update(parameters or {}, Stage=stage)
    cfn = clients["cloudformation"]
    cfn.create_stack(
        StackName=name,
        TemplateBody=json.dumps(standalone(template)),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in params.items()],
    )
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    if stack["StackStatus"] != "CREATE_COMPLETE":
        raise RuntimeError(f"stack {name} is {stack['StackStatus']}: {stack.get('StackStatusReason', '')}")
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    physical = {
        r["LogicalResourceId"]: r["PhysicalResourceId"]
        for r in cfn.describe_stack_resources(StackName=name)["StackResources"]
        if r.get("LogicalResourceId") and r.get("PhysicalResourceId")
    }
    resolve = _Resolver(template, dict(params), physical)
    # the stack's ARN names its region and account: arn:aws:cloudformation:REGION:ACCOUNT:stack/…
    resolve.pseudo(*stack["StackId"].split(":")[3:5])
    for logical, resource in standalone(template)["Resources"].items():
        if not resolve.condition(resource.get("Condition")):
            continue
        kind = resource["Type"]
        props = resource.get("Properties", {})
        if kind == "AWS::DynamoDB::Table" and props.get("TimeToLiveSpecification"):
            clients["dynamodb"].update_time_to_live(
                TableName=physical[logical], TimeToLiveSpecification=resolve(props["TimeToLiveSpecification"])
            )
        elif kind == "AWS::SNS::Subscription":
            sub = resolve(props)
            clients["sns"].subscribe(TopicArn=sub["TopicArn"], Protocol=sub["Protocol"], Endpoint=sub["Endpoint"])
        elif kind == "AWS::CloudWatch::Alarm":
            _put_alarm(clients["cloudwatch"], resolve(props))
        elif kind == "AWS::S3::Bucket" and "s3" in clients:
            _configure_bucket(clients["s3"], physical[logical], resolve(props))
    return LocalStack(name=name, stage=stage, outputs=outputs, physical_ids=physical)


def _configure_bucket(s3: Any, bucket: str, props: dict[str, Any]) -> None:
    """What moto's CloudFormation leaves out of a bucket. Its AWS::S3::BucketPolicy (TLS only) is not
    applied: the moto server answers plain HTTP on loopback, which that policy exists to refuse."""
    if "VersioningConfiguration" in props:
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration=props["VersioningConfiguration"])
    if "PublicAccessBlockConfiguration" in props:
        s3.put_public_access_block(
            Bucket=bucket, PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"]
        )
    if "OwnershipControls" in props:
        s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls=props["OwnershipControls"])
    if "LifecycleConfiguration" in props:
        rules = [
            {
                "ID": r.get("Id", ""),
                "Status": r["Status"],
                "Filter": {"Prefix": r.get("Prefix", "")},
                **(
                    {"NoncurrentVersionExpiration": r["NoncurrentVersionExpiration"]}
                    if "NoncurrentVersionExpiration" in r
                    else {}
                ),
                **(
                    {"AbortIncompleteMultipartUpload": r["AbortIncompleteMultipartUpload"]}
                    if "AbortIncompleteMultipartUpload" in r
                    else {}
                ),
            }
            for r in props["LifecycleConfiguration"]["Rules"]
        ]
        s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": rules})


def verify_reply_sender(ses: Any, from_address: str) -> str:
    """Verify the domain email replies are sent from, as an operator does once in SES (moto refuses others).

    The template cannot declare it: a real domain's verification needs its DNS records.
    """
    from email.utils import parseaddr

    domain = parseaddr(from_address)[1].rpartition("@")[2]
    ses.verify_domain_identity(Domain=domain)
    return domain
