"""The packaged template: SnapStart on every function, every trigger invoking its alias, the HTTP API serving the app.

SnapStart applies to published versions only, so a trigger that invokes the bare function name runs
$LATEST, initialised from scratch. The checks run on the real SAM transform of build/dev/sam.yaml
(what CloudFormation will deploy): cfn-lint validates the SAM template as written and does not show
which ARN a generated event source mapping, subscription, rule or permission ends up invoking, nor a
circular dependency between the API and the function that names it; so cfn-lint runs here on the
transformed template too.
"""

from __future__ import annotations

import copy
import json
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
#: the integration URI API Gateway invokes: .../functions/<function ARN>/invocations, the ARN written
#: either ${Function.Arn} or arn:…:function:<its FunctionName>, each optionally qualified (":live")
_INTEGRATION = re.compile(
    r"/functions/(?:\$\{(?P<function>\w+)\.Arn\}|arn:[^/]*:function:(?P<name>[^:/]+))"
    r"(?::(?P<qualifier>[\w-]+))?/invocations$"
)
APIS = ("AWS::ApiGateway::RestApi", "AWS::ApiGatewayV2::Api")
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
        elif kind in APIS:
            for path, methods in props["Body"]["paths"].items():
                for method, operation in methods.items():
                    uri = operation["x-amazon-apigateway-integration"]["uri"]["Fn::Sub"]
                    found.append((f"route {method.upper()} {path} ({name})", _integration_target(cfn, uri)))
    return found


def _named(cfn: dict[str, Any], function_name: str) -> str | None:
    """The function whose FunctionName is ``function_name`` (as written, ${Stage} and all)."""
    for name, resource in cfn["Resources"].items():
        if resource["Type"] == "AWS::Lambda::Function":
            written = resource["Properties"].get("FunctionName")
            if function_name in (written, isinstance(written, dict) and written.get("Fn::Sub")):
                return str(name)
    return None


def _integration_target(cfn: dict[str, Any], uri: str) -> str:
    # the alias's ARN is the function's ARN qualified with the alias name: name the alias resource it is
    match = _INTEGRATION.search(uri)
    if match is None:
        return uri
    function, qualifier = match["function"] or _named(cfn, match["name"]) or match["name"], match["qualifier"]
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
            "route POST /new (Trigger) invokes Triage",
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


def _one_route_api(kind: str, uri: str) -> dict[str, Any]:
    integration = {"uri": {"Fn::Sub": uri}}
    return {
        "Type": kind,
        "Properties": {"Body": {"paths": {"/x": {"get": {"x-amazon-apigateway-integration": integration}}}}},
    }


NAMED = "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:switchboard-${Stage}-api"


@pytest.mark.parametrize(
    ("kind", "uri", "expected"),
    [
        pytest.param("AWS::ApiGateway::RestApi", "${APIHandler.Arn}:live", [], id="rest-by-arn-to-the-alias"),
        pytest.param("AWS::ApiGatewayV2::Api", f"{NAMED}:live", [], id="http-by-name-to-the-alias"),
        pytest.param(
            "AWS::ApiGatewayV2::Api",
            NAMED,
            ["route GET /x (Api) invokes APIHandler"],
            id="http-by-name-to-latest",
        ),
        pytest.param(
            "AWS::ApiGatewayV2::Api",
            NAMED.replace("-api", "-other") + ":live",
            ["route GET /x (Api) invokes switchboard-${Stage}-other:live"],
            id="http-to-a-function-not-in-the-stack",
        ),
    ],
)
def test_a_route_is_traced_to_the_alias_it_invokes(kind, uri, expected):
    # GIVEN the API function, named as infra/template.yaml names it, behind its alias, and one API route
    cfn = {
        "Resources": {
            "APIHandler": {
                "Type": "AWS::Lambda::Function",
                "Properties": {"FunctionName": {"Fn::Sub": "switchboard-${Stage}-api"}},
            },
            "APIHandlerAliaslive": {
                "Type": "AWS::Lambda::Alias",
                "Properties": {"FunctionName": {"Ref": "APIHandler"}, "Name": "live"},
            },
            "Api": _one_route_api(kind, f"arn:aws:apigateway:r:lambda:path/x/functions/{uri}/invocations"),
        }
    }
    # WHEN checked THEN only a route that misses the alias is named, with what it invokes instead
    assert not_through_an_alias(cfn) == expected


def app_routes() -> set[tuple[str, str]]:
    """(path, method) for every route of the Chalice app, as API Gateway writes them."""
    from app import app

    return {(path, method.lower()) for path, methods in app.routes.items() for method in methods}


def served(cfn: dict[str, Any], api: str) -> set[tuple[str, str]]:
    paths = cfn["Resources"][api]["Properties"]["Body"]["paths"]
    return {(path, method) for path, methods in paths.items() for method in methods}


@pytest.mark.parametrize("api", ["HttpApi", "RestAPI"])
def test_each_api_has_exactly_the_apps_routes(cfn, api):
    # GIVEN the app's routes (a route added to the app needs its line under HttpApi in infra/template.yaml)
    routes = app_routes()
    assert ("/webhooks/twilio/sms", "post") in routes and ("/ack/{page_id}", "get") in routes
    # THEN the API serves each of them, and no route the app no longer has
    assert served(cfn, api) == routes


def test_every_http_api_route_is_a_payload_1_0_proxy_to_the_api_functions_alias(cfn):
    # GIVEN the HTTP API as CloudFormation will create it
    api = cfn["Resources"]["HttpApi"]
    assert api["Type"] == "AWS::ApiGatewayV2::Api"
    integrations = [
        operation["x-amazon-apigateway-integration"]
        for methods in api["Properties"]["Body"]["paths"].values()
        for operation in methods.values()
    ]
    assert len(integrations) >= 35
    for integration in integrations:
        # THEN each hands Lambda the REST-proxy-shaped event (payload 1.0) Chalice routes on
        assert (integration["type"], integration["httpMethod"], integration["payloadFormatVersion"]) == (
            "aws_proxy",
            "POST",
            "1.0",
        )
        # AND invokes the API function's SnapStart alias
        assert _integration_target(cfn, integration["uri"]["Fn::Sub"]) == "APIHandlerAliaslive"


def _throttling(settings: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in settings.items() if "Throttling" in k}


def test_the_http_api_replaces_the_rest_api_as_the_one_way_in(cfn):
    resources, outputs = cfn["Resources"], cfn["Outputs"]
    url = "https://${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}"
    # THEN the HTTP API is served from its $default stage, deployed on every change: no stage in the path
    (stage,) = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::ApiGatewayV2::Stage"]
    assert (stage["ApiId"], stage["StageName"], stage["AutoDeploy"]) == ({"Ref": "HttpApi"}, "$default", True)
    # AND it is throttled as the REST API was (neither sets limits of its own: the account's apply)
    (rest_stage,) = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::ApiGateway::Stage"]
    rest = [_throttling(m) for m in rest_stage.get("MethodSettings", [])]
    assert [_throttling(stage.get("DefaultRouteSettings", {}))] == (rest or [{}])
    # AND the function's one invoke permission is the HTTP API's, for the alias
    permission = resources["APIHandlerInvokePermission"]["Properties"]
    assert permission["SourceArn"] == {
        "Fn::Sub": "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${HttpApi}/*"
    }
    assert permission["FunctionName"] == {"Ref": "APIHandlerAliaslive"}
    # AND the REST API Chalice generates answers nothing: its default endpoint is disabled
    body = resources["RestAPI"]["Properties"]["Body"]
    assert body["x-amazon-apigateway-endpoint-configuration"] == {"disableExecuteApiEndpoint": True}
    # AND every function's public URL (Twilio signs it; ack and console links start with it) is the HTTP API's
    for name, resource in resources.items():
        if resource["Type"] == "AWS::Lambda::Function":
            assert resource["Properties"]["Environment"]["Variables"]["PUBLIC_BASE_URL"] == {"Fn::Sub": url}, name
    assert outputs["HttpApiUrl"]["Value"] == {"Fn::Sub": url}
    assert outputs["EndpointURL"]["Value"] == {"Fn::Sub": url + "/"}


def lint_errors(cfn: dict[str, Any]) -> list[str]:
    """cfn-lint's findings on a transformed (plain CloudFormation) template."""
    from cfnlint.api import lint  # type: ignore[import-untyped]

    return [f"{m.rule.id} {m.message}" for m in lint(json.dumps(cfn), regions=["us-east-1"])]


def test_the_transformed_template_passes_cfn_lint(cfn):
    # cfn-lint on sam.yaml (make package) misses what only exists after the transform, such as a cycle
    assert lint_errors(cfn) == []


def test_an_api_that_names_the_function_by_its_arn_waits_on_it_in_a_cycle(cfn):
    # GIVEN the HTTP API's integrations written with ${APIHandler.Arn}, as Chalice writes the REST API's
    broken = copy.deepcopy(cfn)
    for methods in broken["Resources"]["HttpApi"]["Properties"]["Body"]["paths"].values():
        for operation in methods.values():
            uri = "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${APIHandler.Arn}:live/invocations"
            operation["x-amazon-apigateway-integration"]["uri"] = {"Fn::Sub": uri}
    # WHEN linted THEN the cycle is named (the function's PUBLIC_BASE_URL names the API): CloudFormation would refuse it
    assert any(e.startswith("E3004") and "HttpApi" in e for e in lint_errors(broken))


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
