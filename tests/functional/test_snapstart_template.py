"""The packaged template: SnapStart on every function, and every trigger invoking its alias, never $LATEST.

SnapStart applies to published versions only, so a trigger that invokes the bare function name runs
$LATEST, initialised from scratch. The checks run on the real SAM transform of build/dev/sam.yaml
(what CloudFormation will deploy): cfn-lint validates the SAM template as written and does not show
which ARN a generated event source mapping, subscription, rule or permission ends up invoking.
"""

from __future__ import annotations

import copy
import re
import struct
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build" / "dev"
PACKAGED, ZIP = BUILD / "sam.yaml", BUILD / "deployment.zip"
#: the integration URI API Gateway invokes: .../functions/<function ARN>/invocations
_INTEGRATION = re.compile(r"/functions/\$\{(?P<function>\w+)\.Arn\}(?::(?P<qualifier>[\w-]+))?/invocations$")
#: ELF e_machine of a 64-bit ARM shared object (Graviton)
EM_AARCH64 = 183


def _built(path: Path) -> Path:
    if not path.exists():
        pytest.fail(f"{path.relative_to(ROOT)} is missing: run `make package` first (make test does)")
    return path


def transformed(sam: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation as the SAM transform writes it (offline: Chalice's functions name their roles)."""
    from samtranslator.translator.transform import transform  # type: ignore[import-untyped]

    sam = copy.deepcopy(sam)
    for resource in sam["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            # what `aws cloudformation package` does to the local zip before the transform sees it
            resource["Properties"]["CodeUri"] = "s3://bucket/deployment.zip"

    class NoManagedPolicies:
        def load(self) -> dict[str, str]:
            raise AssertionError("the transform asked IAM for managed policies: a function lost its Role")

    pseudo = {"AWS::Region": "us-east-1", "AWS::AccountId": "123456789012", "AWS::Partition": "aws"}
    return dict(transform(sam, pseudo, NoManagedPolicies()))


def _ref(value: Any) -> str | None:
    return value.get("Ref") if isinstance(value, dict) else None


def triggers(cfn: dict[str, Any]) -> list[tuple[str, str]]:
    """(what, the resource it invokes) for every way the stack invokes a function."""
    found: list[tuple[str, str]] = []
    for name, resource in cfn["Resources"].items():
        kind, props = resource["Type"], resource.get("Properties", {})
        if kind in ("AWS::Lambda::EventSourceMapping", "AWS::Lambda::Permission"):
            found.append((f"{kind} {name}", _ref(props["FunctionName"]) or repr(props["FunctionName"])))
        elif kind == "AWS::SNS::Subscription" and props.get("Protocol") == "lambda":
            found.append((f"{kind} {name}", _ref(props["Endpoint"]) or repr(props["Endpoint"])))
        elif kind == "AWS::Events::Rule":
            found += [(f"{kind} {name}", _ref(t["Arn"]) or repr(t["Arn"])) for t in props.get("Targets", [])]
        elif kind == "AWS::ApiGateway::RestApi":
            for path, methods in props["Body"]["paths"].items():
                for method, operation in methods.items():
                    uri = operation["x-amazon-apigateway-integration"]["uri"]["Fn::Sub"]
                    found.append((f"route {method.upper()} {path}", _integration_target(cfn, uri)))
    return found


def _integration_target(cfn: dict[str, Any], uri: str) -> str:
    # the alias's ARN is the function's ARN qualified with the alias name: name the alias resource it is
    match = _INTEGRATION.search(uri)
    if match is None:
        return uri
    function, qualifier = match["function"], match["qualifier"]
    for name, resource in cfn["Resources"].items():
        props = resource.get("Properties", {})
        is_alias = resource["Type"] == "AWS::Lambda::Alias" and _ref(props["FunctionName"]) == function
        if is_alias and props["Name"] == qualifier:
            return str(name)
    return f"{function}:{qualifier}" if qualifier else function


def not_through_an_alias(cfn: dict[str, Any]) -> list[str]:
    aliases = {name for name, r in cfn["Resources"].items() if r["Type"] == "AWS::Lambda::Alias"}
    return [f"{what} invokes {target}" for what, target in triggers(cfn) if target not in aliases]


@pytest.fixture(scope="module")
def sam() -> dict[str, Any]:
    # chalice writes plain YAML (long-form intrinsics), so the safe loader reads it
    return dict(yaml.safe_load(_built(PACKAGED).read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def cfn(sam: dict[str, Any]) -> dict[str, Any]:
    return transformed(sam)


def test_every_function_is_published_with_snapstart_behind_an_alias(sam, cfn):
    # GIVEN every function Chalice generated
    functions = sorted(n for n, r in sam["Resources"].items() if r["Type"] == "AWS::Serverless::Function")
    assert functions == ["APIHandler", "Escalate", "InboundEmail", "SendReplies", "Triage"]
    aliases = {
        _ref(r["Properties"]["FunctionName"]): r["Properties"]["Name"]
        for r in cfn["Resources"].values()
        if r["Type"] == "AWS::Lambda::Alias"
    }
    for name in functions:
        function = cfn["Resources"][name]["Properties"]
        # THEN each snapshots its published versions, on Graviton
        assert function["SnapStart"] == {"ApplyOn": "PublishedVersions"}, name
        assert function["Architectures"] == ["arm64"], name
        # AND each deploy publishes a version behind the alias "live"
        assert aliases.get(name) == "live", name


def test_every_function_runs_on_a_python_snapstart_supports(sam):
    # chalice package takes the runtime from the Python it runs on; `make` builds .venv with 3.13
    runtimes = {
        r["Properties"]["Runtime"] for r in sam["Resources"].values() if r["Type"] == "AWS::Serverless::Function"
    }
    if runtimes == {"python3.11"} and sys.version_info < (3, 12):
        pytest.skip(
            "packaged by this Python 3.11 venv: SnapStart needs python3.12+, which `make package` uses by default"
        )
    assert runtimes <= {"python3.12", "python3.13"}, "package with Python 3.13 (the Makefile finds pyenv's)"


def test_every_trigger_invokes_an_alias_never_latest(cfn):
    # GIVEN what the stack sets up to invoke functions: queues, the topic, the schedule, the API routes
    found = triggers(cfn)
    kinds = {what.split()[0] for what, _ in found}
    assert {"AWS::Lambda::EventSourceMapping", "AWS::Lambda::Permission", "AWS::SNS::Subscription"} <= kinds
    assert {"AWS::Events::Rule", "route"} <= kinds
    # THEN every one of them invokes an alias (a route added to the app needs its line in infra/template.yaml)
    assert not_through_an_alias(cfn) == []


def test_the_api_routes_and_its_permission_name_the_api_functions_alias(cfn):
    routes = [(what, target) for what, target in triggers(cfn) if what.startswith("route ")]
    assert len(routes) >= 30
    assert {target for _, target in routes} == {"APIHandlerAliaslive"}
    assert _ref(cfn["Resources"]["APIHandlerInvokePermission"]["Properties"]["FunctionName"]) == "APIHandlerAliaslive"


@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        pytest.param(
            {"Type": "AWS::Lambda::EventSourceMapping", "Properties": {"FunctionName": {"Ref": "Triage"}}},
            "AWS::Lambda::EventSourceMapping Trigger invokes Triage",
            id="queue-to-latest",
        ),
        pytest.param(
            {"Type": "AWS::Lambda::Permission", "Properties": {"FunctionName": {"Fn::GetAtt": ["Triage", "Arn"]}}},
            "AWS::Lambda::Permission Trigger invokes {'Fn::GetAtt': ['Triage', 'Arn']}",
            id="permission-on-the-bare-arn",
        ),
        pytest.param(
            {"Type": "AWS::Events::Rule", "Properties": {"Targets": [{"Arn": {"Ref": "Triage"}, "Id": "t"}]}},
            "AWS::Events::Rule Trigger invokes Triage",
            id="schedule-to-latest",
        ),
        pytest.param(
            {"Type": "AWS::SNS::Subscription", "Properties": {"Protocol": "lambda", "Endpoint": {"Ref": "Triage"}}},
            "AWS::SNS::Subscription Trigger invokes Triage",
            id="topic-to-latest",
        ),
        pytest.param(
            {
                "Type": "AWS::ApiGateway::RestApi",
                "Properties": {
                    "Body": {
                        "paths": {
                            "/new": {
                                "post": {
                                    "x-amazon-apigateway-integration": {
                                        "uri": {
                                            "Fn::Sub": "arn:aws:apigateway:r:lambda:path/x/functions/${Triage.Arn}/invocations"
                                        }
                                    }
                                }
                            }
                        }
                    }
                },
            },
            "route POST /new invokes Triage",
            id="route-without-its-override",
        ),
    ],
)
def test_a_trigger_that_reaches_latest_is_named(resource, expected):
    # GIVEN a stack with an aliased function and one trigger that bypasses the alias
    cfn = {
        "Resources": {
            "Triage": {"Type": "AWS::Lambda::Function", "Properties": {}},
            "TriageAliaslive": {
                "Type": "AWS::Lambda::Alias",
                "Properties": {"FunctionName": {"Ref": "Triage"}, "Name": "live"},
            },
            "Trigger": resource,
        }
    }
    # WHEN checked THEN the check names it
    assert not_through_an_alias(cfn) == [expected]


def test_a_route_through_the_alias_passes():
    cfn = {
        "Resources": {
            "APIHandler": {"Type": "AWS::Lambda::Function", "Properties": {}},
            "APIHandlerAliaslive": {
                "Type": "AWS::Lambda::Alias",
                "Properties": {"FunctionName": {"Ref": "APIHandler"}, "Name": "live"},
            },
            "RestAPI": {
                "Type": "AWS::ApiGateway::RestApi",
                "Properties": {
                    "Body": {
                        "paths": {
                            "/x": {
                                "get": {
                                    "x-amazon-apigateway-integration": {
                                        "uri": {
                                            "Fn::Sub": "arn:aws:apigateway:r:lambda:path/x/functions/${APIHandler.Arn}:live/invocations"
                                        }
                                    }
                                }
                            }
                        }
                    }
                },
            },
        }
    }
    assert not_through_an_alias(cfn) == []


def test_the_package_carries_pydantic_cores_aarch64_build_for_the_runtime(sam):
    # GIVEN the deployment package and the runtime the template asks for
    runtime = sam["Resources"]["Triage"]["Properties"]["Runtime"]  # "python3.13"
    tag = "cpython-" + runtime.removeprefix("python").replace(".", "")
    with zipfile.ZipFile(_built(ZIP)) as package:
        (so,) = [n for n in package.namelist() if n.startswith("pydantic_core/") and n.endswith(".so")]
        header = package.read(so)[:20]
    # THEN the compiled core is the Graviton build for that Python (ELF e_machine says the CPU)
    assert so.endswith(f"{tag}-aarch64-linux-gnu.so"), so
    assert header[:4] == b"\x7fELF"
    assert struct.unpack("<H", header[18:20])[0] == EM_AARCH64
