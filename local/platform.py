"""The local platform: moto server, the stack from infra/, the real Chalice app on loopback, worker and inbox."""

from __future__ import annotations

import errno
import importlib
import json
import logging
import os
import socket
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any
from unittest import mock

from local import iam
from local.iam import Identity
from local.inbox import Inbox
from local.moto_process import MotoProcess, MotoStartError
from local.samples import CHALICE_CONFIG, ROOT
from local.scheduler import Scheduler, find_schedules
from local.stack import LocalStack, create_stack, verify_reply_sender
from local.standin import StandIn
from local.worker import Log, QueueWorker

REGION = "us-east-1"
# Fake credentials: every AWS call goes to the moto server, and real ones must never be used by accident.
# They are the operator's keys there (local/iam.py), what the CLIs' --local sign with; an IAM user's
# keys carry no session token, so the environment's is removed while the platform runs.
FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,  # Settings prefers AWS_REGION, as Lambda sets it; a developer's own must not win
}
SERVICES = ("cloudformation", "dynamodb", "sqs", "sns", "cloudwatch", "s3")


class PortInUseError(Exception):
    def __init__(self, host: str, port: int, flag: str) -> None:
        super().__init__(
            f"port {port} on {host} is already in use; choose another with {flag} (e.g. {flag} {port + 1})"
        )
        self.port = port
        self.flag = flag


def ensure_port_free(host: str, port: int, flag: str) -> None:
    """Fail fast and clearly: moto's threaded server waits forever when its port is taken."""
    if port == 0:
        return
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # the servers set SO_REUSEADDR too: a port in TIME_WAIT from a previous run is free to them
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                raise PortInUseError(host, port, flag) from None
            raise


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on right now (the OS picks it), for a server started just after."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


def quiet_logs() -> None:
    """Keep the demo readable: no per-request lines from werkzeug (the moto server quiets its own)."""
    for name in ("werkzeug", "botocore.credentials"):
        logging.getLogger(name).setLevel(logging.ERROR)


def chalice_config(function_name: str = "api_handler", stage: str = "local") -> Any:
    from chalice.config import Config

    disk = json.loads(CHALICE_CONFIG.read_text(encoding="utf-8"))
    return Config(
        chalice_stage=stage,
        function_name=function_name,
        config_from_disk=disk,
        default_params={"project_dir": str(ROOT)},
    )


def _quiet_handler() -> Any:
    from chalice.local import ChaliceRequestHandler

    class QuietRequestHandler(ChaliceRequestHandler):
        """Chalice's handler without the access-log line per request (errors still reach stderr)."""

        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            pass

    return QuietRequestHandler


def api_server(app: Any, config: Any, host: str, port: int) -> Any:
    """Chalice's local dev server for ``app``, bound but not yet serving."""
    from chalice.local import CustomLocalChalice, LocalChalice, LocalDevServer

    if not isinstance(app, LocalChalice):
        # what chalice.local.create_local_server does: a thread-local current_request, so the threaded
        # server's concurrent requests do not see each other's; done once, as a second swap would loop
        CustomLocalChalice.__bases__ = (LocalChalice, app.__class__)
        app.__class__ = CustomLocalChalice
    try:
        return LocalDevServer(app, config, host, port, handler_cls=_quiet_handler())
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise PortInUseError(host, port, "--port") from None
        raise


@dataclass
class PlatformOptions:
    host: str = "127.0.0.1"
    port: int = 8000  # the API; 0 picks a free port
    moto_port: int = 5001  # 0 picks a free port
    stage: str = "local"
    retry_delay: int = 2  # seconds before a failed record is received again
    background: bool = True  # worker and scheduler threads; tests drive the worker themselves instead
    show: Log = field(default=print)
    clock: Callable[[], datetime] | None = None  # triage's clock (tests pin it); None: the real time
    #: rate() schedules run at least this often locally (the escalation sweep: every 5 s, not every minute)
    schedule_every: timedelta | None = timedelta(seconds=5)
    standin_port: int = 0  # the providers' stand-in (Twilio, Slack, X, Meta, widget backend); 0: a free port
    #: concurrent triage invocations (consumer threads on the events queue), as Lambda runs several
    triage_consumers: int = 1
    #: context managers the moto server's process serves inside, as ``module:function`` (a benchmark's
    #: bench.moto_speed:faster_dynamodb): that process is not this one, so patching moto here would not reach it
    moto_setup: tuple[str, ...] = ()


class Platform:
    """Everything `make run` starts, in one object: ``start()``, use, ``stop()`` (also a context manager)."""

    def __init__(self, options: PlatformOptions | None = None) -> None:
        self.options = options or PlatformOptions()
        self._env: Any = None
        self._moto: MotoProcess | None = None
        self._api: Any = None
        self._api_thread: threading.Thread | None = None
        self.clients: dict[str, Any] = {}  # the operator's: it creates the stack and inspects it
        #: function name -> the IAM user its clients sign as (its .chalice/ policy, enforced by moto)
        self.users: dict[str, Identity] = {}
        self.stack: LocalStack | None = None
        self.app_module: ModuleType | None = None
        self.worker: QueueWorker | None = None
        self.email_worker: QueueWorker | None = None  # SES → SNS → app.inbound_email
        self.replies_worker: QueueWorker | None = None  # the replies queue → app.send_replies
        self.standin: StandIn | None = None  # the providers' outbound APIs, on loopback
        self.scheduler: Scheduler | None = None
        self.inbox: Inbox | None = None
        self.moto_url = ""
        self.api_url = ""
        self.customers = 0

    def now(self) -> datetime:
        """The platform's time: what the app checks signatures and routes against (sign requests with it)."""
        return self.options.clock() if self.options.clock else datetime.now(UTC)

    def check_ports(self) -> None:
        o = self.options
        ensure_port_free(o.host, o.moto_port, "--moto-port")
        ensure_port_free(o.host, o.port, "--port")
        ensure_port_free(o.host, o.standin_port, "--standin-port")

    def start(self) -> Platform:
        self.check_ports()
        quiet_logs()
        # patch.dict restores the whole environment on stop, whatever the app or Chalice set meanwhile
        self._env = mock.patch.dict(os.environ, FAKE_AWS_ENV)
        self._env.start()
        os.environ.pop("AWS_PROFILE", None)
        os.environ.pop("AWS_SESSION_TOKEN", None)
        self._start_moto()
        self._start_standin()
        self._create_stack()
        self._start_app()
        self._start_consumers()
        return self

    def _start_moto(self) -> None:
        o = self.options
        # IAM enforced from the server's start, as in AWS: the operator's user first (local/iam.py), then each function's
        moto = MotoProcess(o.host, o.moto_port, unchecked=iam.SETUP_CALLS, setups=o.moto_setup)
        try:
            self._moto = moto.start()
        except MotoStartError as exc:
            if exc.port_in_use:  # taken between the check and the bind
                raise PortInUseError(o.host, o.moto_port, "--moto-port") from None
            raise
        self.moto_url = moto.url
        os.environ["AWS_ENDPOINT_URL"] = self.moto_url
        # boto3 honours HTTP(S)_PROXY; loopback must bypass a proxy configured in the developer's shell
        no_proxy = ",".join(filter(None, [os.environ.get("NO_PROXY", ""), "127.0.0.1", "localhost"]))
        os.environ["NO_PROXY"] = os.environ["no_proxy"] = no_proxy

    def moto_cpu_seconds(self) -> float | None:
        """CPU the moto server's process has used (None where the OS does not say): its own, not ours."""
        return self._moto.cpu_seconds() if self._moto is not None else None

    def _start_standin(self) -> None:
        """The providers' outbound APIs on loopback: the app's replies go there and nowhere else."""
        from local.standin import Credentials, local_environment
        from local.standin.names import directory

        o = self.options
        credentials = Credentials.from_env(local_environment(o.stage))
        self.standin = StandIn(
            credentials, host=o.host, port=o.standin_port, show=o.show, clock=self.now, names=directory()
        ).start()
        # before `import app` and the containers: Settings reads the base URLs and secrets once
        os.environ.update(self.standin.environment())

    def _create_stack(self) -> None:
        import boto3

        from chalicelib.adapters.customers_table import DynamoCustomerDirectory
        from local.tables import seed_customers

        operator = iam.create_operator(boto3.Session().client("iam", region_name=REGION, endpoint_url=self.moto_url))
        iam.use_keys(self.moto_url, operator, FAKE_AWS_ENV["AWS_ACCESS_KEY_ID"], FAKE_AWS_ENV["AWS_SECRET_ACCESS_KEY"])
        boto3.DEFAULT_SESSION = None  # built before the keys changed, it may hold others
        signed = operator.session(REGION, guard=False)
        self.clients = {s: signed.client(s, endpoint_url=self.moto_url) for s in (*SERVICES, "iam")}
        self.stack = create_stack(self.clients, stage=self.options.stage)
        config = chalice_config(stage=self.options.stage).environment_variables
        if config.get("REPLY_FROM_ADDRESS"):
            verify_reply_sender(signed.client("ses", endpoint_url=self.moto_url), config["REPLY_FROM_ADDRESS"])
        self.users = iam.create_function_users(self.clients["iam"], stage=self.options.stage, region=REGION)
        directory = DynamoCustomerDirectory(self.clients["dynamodb"], self.stack.outputs["CustomersTableName"])
        self.customers = seed_customers(directory)

    def _start_app(self) -> None:
        from chalicelib import bootstrap

        assert self.stack is not None
        config = chalice_config(stage=self.options.stage)
        # before `import app`: Powertools reads its level and service name at import time
        # the stand-in's own addresses last: the stage's defaults name its default port, not the one it took
        standin = self.standin.environment() if self.standin is not None else {}
        os.environ.update({**self.stack.environment(), **config.environment_variables, **standin})
        if str(ROOT) not in sys.path:
            sys.path.insert(0, str(ROOT))
        self.app_module = importlib.import_module("app")
        self._api = api_server(self.app_module.app, config, self.options.host, self.options.port)
        host, port = self._api.server.server_address[:2]
        self.api_url = f"http://{host}:{port}"
        # the URL providers call, known once the port is bound: Twilio signs the full URL
        os.environ["PUBLIC_BASE_URL"] = self.api_url
        clock = self.options.clock or bootstrap.utc_now
        # the demo's own reads (outside any handler) are the operator's; each function has its user's clients
        bootstrap.use(bootstrap.Container(clock=clock))
        for function, user in self.users.items():
            container = bootstrap.Container(clock=clock, session=user.session(REGION))
            # Built now, on one thread: a boto3 Session is not thread-safe, and the API's request
            # threads and the worker would otherwise race to create the clients on first use.
            _ = (container.secret("widget"), container.sqs, container.dynamodb, container.sns, container.triage)
            container.rules_source.prepare()
            bootstrap.use(container, function)
        self._api_thread = threading.Thread(
            target=self._api.server.serve_forever, kwargs={"poll_interval": 0.2}, name="api-server", daemon=True
        )
        self._api_thread.start()

    def _start_consumers(self) -> None:
        assert self.stack is not None and self.app_module is not None
        o = self.options
        app = self.app_module.app
        triage = chalice_config(function_name="triage", stage=o.stage)
        self.worker = QueueWorker(
            self.clients["sqs"],
            self.stack.outputs["EventsQueueUrl"],
            self.app_module.triage,  # the handler Lambda calls: infra/template.yaml maps the queue to it
            function_name=f"{app.app_name}-{o.stage}-triage",
            region=REGION,
            retry_delay=o.retry_delay,
            memory_limit_in_mb=triage.lambda_memory_size or 128,
            timeout_seconds=triage.lambda_timeout or 60,
            log=o.show,
            concurrency=o.triage_consumers,
        )
        self.email_worker = self._email_bridge()
        sender = chalice_config(function_name="send_replies", stage=o.stage)
        self.replies_worker = QueueWorker(
            self.clients["sqs"],
            self.stack.outputs["RepliesQueueUrl"],
            self.app_module.send_replies,
            function_name=f"{app.app_name}-{o.stage}-send_replies",
            region=REGION,
            retry_delay=None,  # as in Lambda: a "later" returns when the handler's visibility timeout ends
            memory_limit_in_mb=sender.lambda_memory_size or 128,
            timeout_seconds=sender.lambda_timeout or 60,
            log=o.show,
            on_success=self._show_emails,
        )
        self.scheduler = Scheduler(
            find_schedules(app, o.schedule_every), prefix=f"{app.app_name}-{o.stage}", region=REGION, log=o.show
        )
        self.inbox = Inbox.create(
            self.clients["sqs"], self.clients["sns"], self.pager_topics, name=f"switchboard-{o.stage}-pager-inbox"
        )
        self.inbox.show = o.show
        if o.background:
            self.worker.start()
            self.email_worker.start()
            self.replies_worker.start()
            self.scheduler.start()

    def _show_emails(self, records: list[dict[str, Any]]) -> None:
        """Email replies go to moto's SES, not the stand-in: print them from the outbox, as the stand-in prints the rest."""
        from chalicelib.adapters.replies_table import DynamoReplyOutbox
        from chalicelib.model.event import Channel
        from chalicelib.replies.model import ReplyState
        from local.standin.show import clip

        assert self.stack is not None
        outbox = DynamoReplyOutbox(self.clients["dynamodb"], self.stack.outputs["TicketsTableName"])
        for record in records:
            reply = outbox.get(json.loads(record["body"]).get("reply_id", ""))
            if reply is None or reply.state is not ReplyState.SENT or reply.event.channel is not Channel.EMAIL:
                continue
            sender = reply.event.sender
            self.options.show(f'✉ → {sender.name or sender.email} via email (SES): "{clip(reply.text)}"')

    def _email_bridge(self) -> QueueWorker:
        """The inbound-email topic's Lambda subscription, locally: a queue on the topic feeds the SNS handler."""
        from local.sns_bridge import from_topic, subscribed_queue

        assert self.stack is not None and self.app_module is not None
        o = self.options
        url, [subscription] = subscribed_queue(
            self.clients["sqs"],
            self.clients["sns"],
            f"switchboard-{o.stage}-inbound-email-bridge",
            [self.stack.outputs["InboundEmailTopicArn"]],
        )
        handler = from_topic(self.app_module.inbound_email, subscription, log=o.show)
        app = self.app_module.app
        return QueueWorker(
            self.clients["sqs"],
            url,
            handler,
            function_name=f"{app.app_name}-{o.stage}-inbound_email",
            region=REGION,
            retry_delay=o.retry_delay,
            log=o.show,
        )

    def publish_email(self, notification: bytes) -> str:
        """What an SES receipt rule does with an email: publish its notification to the inbound-email topic."""
        assert self.stack is not None
        response = self.clients["sns"].publish(
            TopicArn=self.stack.outputs["InboundEmailTopicArn"],
            Subject="Amazon SES Email Receipt Notification",
            Message=notification.decode("utf-8"),
        )
        message_id: str = response["MessageId"]
        return message_id

    @property
    def pager_topics(self) -> dict[str, str]:
        assert self.stack is not None
        topics: dict[str, str] = json.loads(self.stack.environment()["PAGER_TOPICS"])
        return topics

    def stop(self) -> None:
        """Stop what started, consumers first so nothing calls a server that is gone; safe after a partial start."""
        consumers = (self.worker, self.email_worker, self.replies_worker, self.scheduler, self.inbox)
        parts = [part for part in consumers if part is not None]
        for part in parts:  # all at once: each may be in a one-second long poll
            part.request_stop()
        for part in parts:
            part.stop()
        if self.standin is not None:  # after the consumers: nothing sends to it any more
            self.standin.stop()
            self.standin = None
        if self._api is not None:
            # shutdown() waits for serve_forever to notice; if it never ran (a failed start), it would wait forever
            if self._api_thread is not None:
                self._api.server.shutdown()
            self._api.server.server_close()
            self._api = None
        if self._api_thread is not None:
            self._api_thread.join(5.0)
            self._api_thread = None
        if self._moto is not None:
            # its own process: stopping it is the reset, and the next platform's server starts empty
            self._moto.stop()
            self._moto = None
        if self._env is not None:
            from chalicelib import bootstrap

            bootstrap.use(None)  # drop clients pointing at the server that just stopped
            self._env.stop()
            self._env = None

    def __enter__(self) -> Platform:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
