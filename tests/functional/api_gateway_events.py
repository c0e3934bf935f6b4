"""The Lambda proxy events API Gateway sends the app: the REST API's, and the HTTP API's in payload format 1.0.

Both are built from one request (method, path with its query, headers, body bytes) the way each API
builds them, and handed to ``app.app(event, context)`` as Lambda would.

HTTP API, payload format 1.0 ("Working with AWS Lambda proxy integrations for HTTP APIs", API Gateway
developer guide): the REST proxy event's fields plus ``"version": "1.0"``; header names lower case;
``resource`` and ``requestContext.resourcePath`` the matched route's path as declared, parameters and
all ("/ack/{page_id}", as AWS SAM CLI's local HTTP API also builds 1.0 events), ``path`` and
``requestContext.path`` the path asked for; the ``$default`` stage puts no stage in the path. An HTTP
API has no binary media types: it hands Lambda a body it does not take for text base64-encoded.

REST API (Chalice's): the stage is in ``requestContext.path`` ("/api/ack/P-1"); header names as sent;
a body is base64-encoded when its content type is one of the API's binary media types (Chalice
declares multipart/form-data among them in app.py for SendGrid).
"""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import app as app_module
from local.worker import FakeLambdaContext

#: the two public URLs a provider can be configured with (the HTTP API's $default stage has no prefix)
HTTP_API_ID, REST_API_ID = "a1b2c3d4e5", "f6g7h8i9j0"
HTTP_API = f"https://{HTTP_API_ID}.execute-api.us-east-1.amazonaws.com"
REST_STAGE = "api"
REST_API = f"https://{REST_API_ID}.execute-api.us-east-1.amazonaws.com/{REST_STAGE}"
#: content types an HTTP API passes as text; any other body reaches Lambda base64-encoded
HTTP_API_TEXT = ("application/json", "text/")


def route_of(path: str) -> tuple[str, dict[str, str] | None]:
    """The app's route template ``path`` matches, and its path parameters (None when it has none)."""
    asked = path.split("/")
    # a literal segment wins over a parameter, as in API Gateway's route selection
    for template in sorted(app_module.app.routes, key=lambda t: t.count("{")):
        declared = template.split("/")
        if len(declared) != len(asked):
            continue
        params = {}
        for part, value in zip(declared, asked, strict=True):
            if part.startswith("{") and part.endswith("}"):
                params[part[1:-1]] = unquote(value)
            elif part != value:
                break
        else:
            return template, params or None
    raise LookupError(f"no route of the app matches {path}")


def _query(target: str) -> tuple[dict[str, str] | None, dict[str, list[str]] | None]:
    multi: dict[str, list[str]] = {}
    for name, value in parse_qsl(urlsplit(target).query, keep_blank_values=True):
        multi.setdefault(name, []).append(value)
    if not multi:
        return None, None
    return {name: values[-1] for name, values in multi.items()}, multi


def _content_type(headers: dict[str, str]) -> str:
    return next((v for k, v in headers.items() if k.lower() == "content-type"), "").split(";")[0].strip().lower()


def _body(body: bytes, encoded: bool) -> str | None:
    if not body:
        return None
    return base64.b64encode(body).decode("ascii") if encoded else body.decode("utf-8")


def rest_event(method: str, target: str, headers: dict[str, str], body: bytes = b"") -> dict[str, Any]:
    """The REST API's proxy event for a request to ``target`` (path and query, as called)."""
    path = urlsplit(target).path
    template, params = route_of(path)
    single, multi = _query(target)
    binary = any(_content_type(headers) == t for t in app_module.app.api.binary_types)
    host = {"Host": f"{REST_API_ID}.execute-api.us-east-1.amazonaws.com"}
    return {
        "resource": template,
        "path": path,
        "httpMethod": method,
        "headers": {**host, **headers},
        "multiValueHeaders": {k: [v] for k, v in {**host, **headers}.items()},
        "queryStringParameters": single,
        "multiValueQueryStringParameters": multi,
        "pathParameters": params,
        "stageVariables": None,
        "requestContext": {
            "resourceId": "abc123",
            "resourcePath": template,
            "httpMethod": method,
            "path": f"/{REST_STAGE}{path}",
            "stage": REST_STAGE,
            "apiId": REST_API_ID,
            "requestId": "rest-request",
            "identity": {"sourceIp": "203.0.113.7"},
        },
        "body": _body(body, binary),
        "isBase64Encoded": binary,
    }


def http_event(
    method: str, target: str, headers: dict[str, str], body: bytes = b"", *, encoded: bool | None = None
) -> dict[str, Any]:
    """The HTTP API's payload-1.0 event for a request to ``target``; ``encoded`` overrides its base64 choice."""
    path = urlsplit(target).path
    template, params = route_of(path)
    single, multi = _query(target)
    lowered = {"host": f"{HTTP_API_ID}.execute-api.us-east-1.amazonaws.com"} | {
        k.lower(): v for k, v in headers.items()
    }
    if encoded is None:
        encoded = bool(body) and not _content_type(lowered).startswith(HTTP_API_TEXT)
    return {
        "version": "1.0",
        "resource": template,
        "path": path,
        "httpMethod": method,
        "headers": lowered,
        "multiValueHeaders": {k: [v] for k, v in lowered.items()},
        "queryStringParameters": single,
        "multiValueQueryStringParameters": multi,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": HTTP_API_ID,
            "authorizer": {"claims": None, "scopes": None},
            "domainName": lowered["host"],
            "domainPrefix": HTTP_API_ID,
            "extendedRequestId": "http-request-ext",
            "httpMethod": method,
            "identity": {"sourceIp": "203.0.113.7", "userAgent": lowered.get("user-agent", ""), "user": None},
            "path": path,
            "protocol": "HTTP/1.1",
            "requestId": "http-request",
            "requestTime": "17/Nov/2026:08:00:00 +0000",
            "requestTimeEpoch": 1794902400000,
            "resourceId": None,
            "resourcePath": template,
            "stage": "$default",
        },
        "pathParameters": params,
        "stageVariables": None,
        "body": _body(body, encoded),
        "isBase64Encoded": encoded,
    }


def invoke(event: dict[str, Any]) -> tuple[int, dict[str, Any], str]:
    """(status, headers, body as text): what API Gateway makes of the API function's answer."""
    response = app_module.app(event, FakeLambdaContext("api_handler"))
    body = response.get("body") or ""
    if response.get("isBase64Encoded"):
        body = base64.b64decode(body).decode("utf-8")
    headers = {**response.get("headers", {}), **response.get("multiValueHeaders", {})}
    return response["statusCode"], headers, body
