"""The cold-start bench's AWS: a moto server on loopback with the stack from infra/, configured as deployed.

Every child process of the bench talks to this one server, so each first invocation makes the same
requests to the same resources. The functions' environment is what infra/template.yaml's Globals give
them in AWS: secrets as SSM parameter names (read on first use), the rules bucket (an empty one: the
packaged rules decide after a GET that finds no object). Between two runs of a path, what the last run
wrote is removed, so every run finds the stack as the first did (no duplicate delivery, no page to fold
into, no rate limit reached).
"""

from __future__ import annotations

import io
import logging
import os
import threading
import time
import warnings
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from unittest import mock

from local.samples import EVENTS_DIR, load, local_secrets, sign_widget
from local.stack import LocalStack, create_stack

REGION = "us-east-1"
#: a widget message from a paying customer the seeded directory knows: it is stored, routed and paged
SAMPLE = EVENTS_DIR / "widget" / "pro-cant-login.json"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench"}


def _operation(environ: dict[str, Any], body: bytes) -> str:
    """``service.Operation`` of one request, from its signature's scope and its protocol's action."""
    scope = str(environ.get("HTTP_AUTHORIZATION", "")).split("Credential=", 1)[-1].split(",", 1)[0].split("/")
    service = scope[3] if len(scope) > 3 else "?"
    target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
    if target:  # JSON protocols (DynamoDB, SQS, SSM)
        return f"{service}.{target.rsplit('.', 1)[-1]}"
    if body.startswith(b"Action="):  # query protocol (SNS)
        return f"{service}.{body.split(b'&', 1)[0][7:].decode()}"
    return f"{service}.{environ.get('REQUEST_METHOD', '?')}"  # REST (S3)


class RequestMeter:
    """The moto server's WSGI app, timed: which requests a child made, and how long moto took to answer them.

    Timed at the server, from request to the last byte of the answer: what the child waited for that
    AWS would answer in its own time. The child's own work on a request (signing, serialising,
    parsing) stays in the child's figure, where it belongs.
    """

    def __init__(self, app: Any) -> None:
        self._app = app
        self._lock = threading.Lock()
        self.calls: Counter[str] = Counter()
        self.seconds = 0.0
        self.recording = True

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        t0 = time.perf_counter()
        answer = list(self._app(environ, start_response))
        elapsed = time.perf_counter() - t0
        if self.recording:
            with self._lock:
                self.calls[_operation(environ, body)] += 1
                self.seconds += elapsed
        return answer

    def take(self) -> tuple[dict[str, int], float]:
        """What was recorded since the last take: (calls by operation, seconds)."""
        with self._lock:
            taken = dict(sorted(self.calls.items())), self.seconds
            self.calls.clear()
            self.seconds = 0.0
        return taken


@dataclass
class World:
    url: str
    stack: LocalStack
    clients: dict[str, Any]
    meter: RequestMeter
    #: the functions' environment, as deployed (Globals), pointed at the moto server
    environment: dict[str, str] = field(default_factory=dict)

    def reset(self) -> None:
        """Remove what a run wrote: the single table's items, the queues' messages."""
        self.meter.recording = False
        try:
            dynamodb, table = self.clients["dynamodb"], self.stack.outputs["TicketsTableName"]
            for page in dynamodb.get_paginator("scan").paginate(TableName=table, ProjectionExpression="pk, sk"):
                for item in page["Items"]:
                    dynamodb.delete_item(TableName=table, Key=item)
            sqs = self.clients["sqs"]
            for queue_url in sqs.list_queues().get("QueueUrls", []):
                sqs.purge_queue(QueueUrl=queue_url)
        finally:
            self.meter.recording = True

    def widget_request(self, at: datetime | None = None) -> dict[str, Any]:
        """The sample signed now (its timestamp must be within the tolerance), as API Gateway hands it to Lambda."""
        sample = sign_widget(load(SAMPLE), local_secrets()["widget"], at or datetime.now(UTC))
        return proxy_event(sample.method, sample.path, sample.headers, sample.body.decode("utf-8"))

    def queued_batch(self) -> dict[str, Any]:
        """The message on the events queue (what an ingest run sent) as Lambda's SQS event; the queue is left empty."""
        sqs, queue_url = self.clients["sqs"], self.stack.outputs["EventsQueueUrl"]
        self.meter.recording = False
        try:
            messages = sqs.receive_message(
                QueueUrl=queue_url, MaxNumberOfMessages=1, MessageAttributeNames=["All"], AttributeNames=["All"]
            ).get("Messages", [])
        finally:
            self.meter.recording = True
        if not messages:
            raise RuntimeError("the ingest run left no message on the events queue")
        arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self.meter.take()  # that call is the bench's, not a child's
        return {"Records": [sqs_record(messages[0], arn)]}


def proxy_event(method: str, path: str, headers: dict[str, str], body: str) -> dict[str, Any]:
    """An API Gateway REST proxy event, the shape Lambda passes a Chalice app."""
    return {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": {**headers, "host": "bench.execute-api.us-east-1.amazonaws.com"},
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": path,
            "httpMethod": method,
            "path": f"/api{path}",
            "stage": "api",
            "requestId": "bench-request",
            "identity": {"sourceIp": "203.0.113.7"},
        },
        "body": body,
        "isBase64Encoded": False,
    }


def sqs_record(message: dict[str, Any], queue_arn: str) -> dict[str, Any]:
    """One received SQS message as a record of Lambda's SQS event (camel-cased, lower-cased attribute keys)."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": {
            name: {"stringValue": value.get("StringValue"), "dataType": value["DataType"]}
            for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": REGION,
    }


@contextmanager
def moto_world() -> Iterator[World]:
    """A moto server on a free loopback port, the stack in it, customers seeded, secrets in SSM."""
    import boto3
    from moto.server import ThreadedMotoServer

    from chalicelib.adapters.customers_table import DynamoCustomerDirectory
    from chalicelib.settings import SECRET_VARIABLES
    from local.tables import seed_customers

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per request would bury the report
    loopback = ",".join(filter(None, [os.environ.get("NO_PROXY", ""), "127.0.0.1"]))
    # moto's documented switch: a purge between two runs a second apart is the bench's reset, not a client's
    settings = {"NO_PROXY": loopback, "no_proxy": loopback, "MOTO_SQS_ENFORCE_STRICT_QUEUE_PURGE_BEHAVIOUR": "false"}
    with mock.patch.dict(os.environ, settings):
        server.start()
        try:
            wsgi = server._server
            assert wsgi is not None
            meter = RequestMeter(wsgi.app)
            wsgi.app = meter
            host, port = server.get_host_and_port()
            url = f"http://{host}:{port}"
            session = boto3.Session(
                aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
                aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
                region_name=REGION,
            )
            services = ("cloudformation", "dynamodb", "sqs", "sns", "cloudwatch", "s3", "ssm")
            clients = {s: session.client(s, endpoint_url=url) for s in services}
            moto_log = logging.getLogger("moto")
            level = moto_log.level
            # moto's CloudFormation warns of each resource local/stack.py applies itself: not news here
            moto_log.setLevel(logging.ERROR)
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    stack = create_stack(clients, stage="bench")
            finally:
                moto_log.setLevel(level)
            seed_customers(DynamoCustomerDirectory(clients["dynamodb"], stack.outputs["CustomersTableName"]))
            env = {**stack.environment(), "AWS_ENDPOINT_URL": url, "NO_PROXY": loopback, "no_proxy": loopback}
            env["PUBLIC_BASE_URL"] = "https://bench.execute-api.us-east-1.amazonaws.com/api"
            secrets = local_secrets()
            for name, variable in SECRET_VARIABLES.items():
                if name in secrets:  # as deployed: the parameter's name in the environment, its value in SSM
                    parameter = f"/switchboard/bench/{variable.lower()}"
                    clients["ssm"].put_parameter(Name=parameter, Value=secrets[name], Type="SecureString")
                    env[f"{variable}_PARAM"] = parameter
            meter.take()  # the set-up's requests are nobody's first invocation
            yield World(url, stack, clients, meter, env)
        finally:
            server.stop()
            # ThreadedMotoServer.stop() leaves the socket listening until garbage collection
            if server._server is not None:
                server._server.server_close()
