"""The local platform's moto server, in a process of its own: `python -m local.moto_server --port N`.

moto's server is a Python program like ours: in the platform's process it shared one interpreter lock
with the API, the workers and the senders, and took three quarters of their CPU under a burst. AWS's
services never charge a function's process for their work, so locally they run beside it, not in it.

It prints ``listening HOST PORT`` once bound, serves until its standard input closes (the platform
stopped, or died) or it is terminated, and ignores Ctrl-C (the platform, in the same terminal, stops
it). moto enforces IAM as ``INITIAL_NO_AUTH_ACTION_COUNT`` in its environment says (local/iam.py).
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import functools
import importlib
import io
import json
import logging
import signal
import socket
import sys
import threading
import warnings
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from typing import Any

#: the platform's own requests to this process, beside moto's /moto-api (local/iam.py's use_keys)
HOOKS = "/switchboard-local/"
#: what the server prints once it listens (the platform reads the port from it)
READY = "listening"
#: the exit status when the port is taken, so the platform can say which flag chooses another
EXIT_PORT_IN_USE = 98


class DynamoSerialized:
    """The moto server's WSGI app with its DynamoDB requests taken one at a time.

    moto's DynamoDB is not thread-safe: TransactWriteItems deep-copies each table it touches (to roll
    back) while another request thread writes to it, and fails with "dictionary changed size during
    iteration". AWS has no such limit, and our code's races are tested in-process (conditional writes
    from concurrent containers), so locally the workers' DynamoDB calls queue up instead. Only DynamoDB:
    an SQS long poll holds its request for a second, and must not hold everyone else's.
    """

    def __init__(self, app: Any) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if not str(environ.get("HTTP_X_AMZ_TARGET", "")).startswith("DynamoDB"):
            return self._app(environ, start_response)
        if length := environ.get("CONTENT_LENGTH"):
            # the body read before the lock: reading it waits on the client's thread, which needs the GIL,
            # and every other DynamoDB request would wait for that too
            environ["wsgi.input"] = io.BytesIO(environ["wsgi.input"].read(int(length)))
        with self._lock:
            return list(self._app(environ, start_response))


class LocalHooks:
    """What the platform asks of this process that moto has no API for, under ``HOOKS``; the rest is moto's."""

    def __init__(self, app: Any) -> None:
        self._app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = str(environ.get("PATH_INFO", ""))
        if not path.startswith(HOOKS):
            return self._app(environ, start_response)
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        try:
            if path == HOOKS + "access-key" and environ.get("REQUEST_METHOD") == "POST":
                set_access_key(**json.loads(body))
                status, answer = "200 OK", b"{}"
            else:
                status, answer = "404 Not Found", b'{"error": "no such hook"}'
        except (KeyError, TypeError, ValueError) as exc:
            status, answer = "400 Bad Request", json.dumps({"error": str(exc)}).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(answer)))])
        return [answer]


def set_access_key(user: str, access_key_id: str, new_access_key_id: str, new_secret_access_key: str) -> None:
    """Give one of a user's access keys a chosen id and secret (moto makes random ones, and has no API to choose)."""
    from moto.iam.models import iam_backends

    from local.iam import ACCOUNT

    found = iam_backends[ACCOUNT]["aws"].get_user(user)
    [key] = [k for k in found.access_keys if k.access_key_id == access_key_id]
    key.access_key_id, key.secret_access_key = new_access_key_id, new_secret_access_key


def quicker_moto() -> None:
    """Three costs of moto's server that AWS does not have, taken off; same answers.

    - Every request lists the methods of its service's response class (``inspect.getmembers``, a few
      hundred attributes) to see whether the action is one: a class's methods do not change, so they
      are listed once per class.
    - It lists its own package directory (a stat per service) on every request, under one lock all
      requests share: the list cannot change while it runs, so it is read once.
    - ReceiveMessage checks each message's retention period by working out every attribute of its queue,
      twice, each a pass over every queued message: quadratic in a backlog, so a burst that queues a
      few hundred messages slows each receive to seconds. The same check reads the one attribute.
    """
    from moto import backends
    from moto.core import responses
    from moto.core.utils import method_names_from_class, unix_time
    from moto.sqs.models import SQSBackend

    # responses imported it by name: the cached one goes where it is looked up
    if getattr(responses, "method_names_from_class", None) is method_names_from_class:
        setattr(responses, "method_names_from_class", functools.cache(method_names_from_class))  # noqa: B010

    if not isinstance(backends.list_of_moto_modules, functools.partial):
        modules = tuple(backends.list_of_moto_modules())
        backends.list_of_moto_modules = functools.partial(iter, modules)

    def is_message_valid_based_on_retention_period(self: Any, queue_name: str, message: Any) -> bool:
        retention = int(self.get_queue(queue_name).message_retention_period)
        return bool(retention + message.sent_timestamp / 1000 > unix_time())

    SQSBackend.is_message_valid_based_on_retention_period = is_message_valid_based_on_retention_period  # type: ignore[method-assign]


#: request threads kept: the consumers' long polls hold one each for a second, and werkzeug keeps each
#: for 10 ms after answering (it drains the socket): enough for a burst's requests and every poller
POOL_THREADS = 64


def pooled_server(host: str, port: int, app: Any) -> Any:
    """werkzeug's threaded server, its request threads taken from a pool instead of started per request.

    moto's server closes every connection after one answer, so each AWS request was a new thread: under a
    burst, a tenth of the process's CPU went into starting threads, which no AWS service charges anyone.
    """
    from concurrent.futures import ThreadPoolExecutor

    from moto.moto_server.werkzeug_app import MotoRequestHandler
    from werkzeug.serving import ThreadedWSGIServer

    pool = ThreadPoolExecutor(POOL_THREADS, thread_name_prefix="moto-request")

    class PooledWSGIServer(ThreadedWSGIServer):
        # the pool outlives server_close(), which werkzeug also calls while adopting the socket below;
        # its idle threads end with the process
        def process_request(self, request: Any, client_address: Any) -> None:
            pool.submit(self.process_request_thread, request, client_address)

    # bound here, not by werkzeug: it exits the process on any bind error, and the platform must be told
    # which one (a taken port has a flag to choose another)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
        listener.listen(128)
    except OSError:
        listener.close()
        raise
    bound_host, bound_port = listener.getsockname()[:2]
    return PooledWSGIServer(bound_host, bound_port, app, handler=MotoRequestHandler, fd=listener.fileno())


def quiet() -> None:
    """No per-request lines from werkzeug, no moto CloudFormation chatter about what local/stack.py applies."""
    for name in ("werkzeug", "moto", "botocore.credentials"):
        logging.getLogger(name).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module=r"moto(\..*)?")


def setup_from(name: str) -> Any:
    """``module:function`` → the context manager it returns (e.g. ``bench.moto_speed:faster_dynamodb``)."""
    module, _, attr = name.partition(":")
    factory: Callable[[], Any] = getattr(importlib.import_module(module), attr)
    return factory()


def application() -> Any:
    """moto's server app as the platform runs it: its hooks first, DynamoDB one request at a time."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    return LocalHooks(DynamoSerialized(DomainDispatcherApplication(create_backend_app)))


def serve(host: str, port: int, setups: Iterable[str] = (), out: Any = None) -> None:
    """Serve until stopped; ``setups`` entered first (``setup_from``), the ready line then written to ``out``."""
    quiet()
    quicker_moto()
    with ExitStack() as stack:
        for name in setups:
            stack.enter_context(setup_from(name))
        server = pooled_server(host, port, application())
        bound_host, bound_port = server.server_address[:2]
        print(READY, bound_host, bound_port, file=out or sys.stdout, flush=True)
        threading.Thread(target=_stop_when_stdin_closes, args=(server,), name="stdin-watch", daemon=True).start()
        try:
            server.serve_forever(poll_interval=0.5)
        finally:
            server.server_close()


def _stop_when_stdin_closes(server: Any) -> None:
    """The platform holds our standard input open: its end means the platform is gone, whatever way it went."""
    with contextlib.suppress(OSError, ValueError):
        sys.stdin.buffer.read()
    server.shutdown()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.moto_server", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5001, help="0 picks a free port (printed once bound)")
    parser.add_argument(
        "--setup", action="append", default=[], metavar="MODULE:FUNCTION", help="a context manager to serve inside"
    )
    args = parser.parse_args(argv)
    # Ctrl-C in `make run`'s terminal reaches this process too: the platform stops it, in its own order
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    out = sys.stdout
    try:
        # only the ready line goes to the platform's pipe; anything moto prints later goes to stderr,
        # as a pipe nobody reads any more would fill and block the server
        sys.stdout = sys.stderr
        serve(args.host, args.port, args.setup, out=out)
    except OSError as exc:
        print(f"moto server: {exc}", file=sys.stderr)
        return EXIT_PORT_IN_USE if exc.errno == errno.EADDRINUSE else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
