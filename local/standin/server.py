"""The stand-in's server: one loopback HTTP server for every provider, faults on demand, every message recorded."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from local.standin.control import control
from local.standin.credentials import Credentials
from local.standin.faults import Fault, FaultBook, make_fault
from local.standin.meta import MetaApi
from local.standin.show import refusal_line, render
from local.standin.slack import SlackApi
from local.standin.twilio import TwilioApi
from local.standin.widget import WidgetBackend
from local.standin.wire import Accepted, Answer, Ids, Provider, Received, Request
from local.standin.x import XApi
from local.worker import Log

CONTROL = "/_standin"


class StandIn:
    """Twilio, Slack, X, Meta and the widget backend on one loopback port: ``start()``, point the app at
    ``environment()``, read ``received``, ``fail(...)`` to inject errors, ``stop()``."""

    def __init__(
        self,
        credentials: Credentials,
        host: str = "127.0.0.1",
        port: int = 0,
        show: Log | None = None,
        clock: Callable[[], datetime] | None = None,
        names: Mapping[str, str] | None = None,
        twilio_numbers: frozenset[str] | None = None,
    ) -> None:
        self.credentials = credentials
        self.host = host
        self.port = port
        self.show: Log = show or (lambda _line: None)
        self.clock = clock or (lambda: datetime.now(UTC))
        #: who a number, handle, channel or conversation belongs to, for the printed line
        self.names: Mapping[str, str] = names or {}
        ids = Ids()
        c = credentials
        self.widget = WidgetBackend(c.widget_reply_secret, self.clock)
        providers: list[Provider] = [
            TwilioApi(c.twilio_account_sid, c.twilio_auth_token, ids, self.clock, twilio_numbers),
            SlackApi(c.slack_bot_token, ids, self.clock),
            XApi(c.x_user_access_token, ids, self.clock),
            MetaApi(c.meta_page_access_token, c.meta_app_secret, ids, self.clock),
            self.widget,
        ]
        self.providers = {p.name: p for p in providers}
        self.faults = FaultBook()
        #: every message accepted, in order (a duplicate the client sent twice is here twice)
        self.received: list[Received] = []
        #: every request and the status it got, refused and faulted ones too
        self.exchanges: list[tuple[Request, int]] = []
        self._lock = threading.Condition()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- what tests and the demo call ----------------------------------------------------------------

    def fail(
        self,
        provider: str,
        status: int | None = None,
        *,
        code: int | None = None,
        subcode: int | None = None,
        error: str | None = None,
        message: str | None = None,
        retry_after: float | None = None,
        delay: float = 0.0,
        times: int | None = 1,
    ) -> Fault:
        """The next ``times`` valid requests to ``provider`` ("twilio", or one endpoint: "twilio.calls") fail.

        ``fail("twilio", 429, retry_after=2)``; ``fail("twilio", code=21610)``; ``fail("meta", code=10,
        subcode=2018278)``; ``fail("slack", error="channel_not_found")``; ``fail("x", 500)``; ``fail("widget",
        delay=5)`` (accepted, but answered after a client's timeout). A request the provider would refuse
        anyway is refused as usual and does not use up a fault.
        """
        fault = make_fault(
            provider, status=status, code=code, subcode=subcode, error=error, message=message,
            retry_after=retry_after, delay=delay, times=times,
        )  # fmt: skip
        return self.faults.add(fault)

    def clear(self) -> None:
        """Forget faults, messages and exchanges (between tests sharing one stand-in)."""
        self.faults.clear()
        with self._lock:
            self.received.clear()
            self.exchanges.clear()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        """The messages once at least ``count`` were accepted (or whatever arrived within ``timeout``)."""
        with self._lock:
            self._lock.wait_for(lambda: len(self.received) >= count, timeout)
            return list(self.received)

    def environment(self) -> dict[str, str]:
        """What the app needs to send here: each provider's base URL and the credentials checked."""
        base, c = self.base_url, self.credentials
        return {
            "TWILIO_API_BASE": f"{base}/twilio",
            "SLACK_API_BASE": f"{base}/slack/api",
            "X_API_BASE": f"{base}/x",
            "META_GRAPH_BASE": f"{base}/meta",
            "WIDGET_REPLY_URL": f"{base}/widget/replies",
            "TWILIO_ACCOUNT_SID": c.twilio_account_sid,
            "TWILIO_AUTH_TOKEN": c.twilio_auth_token,
            "SLACK_BOT_TOKEN": c.slack_bot_token,
            "X_ACCESS_TOKEN": c.x_user_access_token,
            "META_PAGE_TOKEN": c.meta_page_access_token,
            "META_APP_SECRET": c.meta_app_secret,
            "WIDGET_REPLY_SECRET": c.widget_reply_secret,
        }

    # -- the core: one request in, one answer out (the HTTP handler adds only the socket) ------------

    def respond(self, request: Request) -> tuple[Answer, float]:
        """The answer to ``request`` and how many seconds to hold it back (an injected slow answer)."""
        if request.path == CONTROL or request.path.startswith(CONTROL + "/"):
            return control(self, request), 0.0
        provider = next((p for p in self.providers.values() if _under(request.path, p.prefix)), None)
        if provider is None:
            return Answer(404, {"error": f"no provider at {request.path}"}), 0.0
        verdict = provider.handle(request)
        if isinstance(verdict, Answer):
            self._note(request, verdict, provider.name)
            return verdict, 0.0
        fault = self.faults.take(verdict.message.key)
        if fault is not None and not fault.slow_success:
            answer = provider.fault(fault, verdict.message.key)
            self._note(request, answer, f"{verdict.message.key} (injected)")
            return answer, fault.delay
        answer = self._accept(request, verdict)
        return answer, fault.delay if fault is not None else 0.0

    def _accept(self, request: Request, verdict: Accepted) -> Answer:
        instead = verdict.commit() if verdict.commit is not None else None
        if instead is not None:
            self._note(request, instead, None)
            return instead
        with self._lock:
            self.received.append(verdict.message)
            self.exchanges.append((request, verdict.answer.status))
            self._lock.notify_all()
        self.show(render(verdict.message, self.names))
        return verdict.answer

    def _note(self, request: Request, answer: Answer, refused_by: str | None) -> None:
        with self._lock:
            self.exchanges.append((request, answer.status))
        if refused_by is not None:
            self.show(refusal_line(refused_by, request, answer))

    # -- the server ----------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the stand-in is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> StandIn:
        from local.platform import ensure_port_free  # here, not at the top: local.platform will import us

        ensure_port_free(self.host, self.port, "--standin-port")
        self._stopping.clear()
        self._server = ThreadingHTTPServer((self.host, self.port), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.2}, name="provider-standin", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # held-back answers go out now instead of outliving the server
        if self._server is not None:
            if self._thread is not None:
                self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(5.0)
            self._thread = None

    def hold(self, seconds: float) -> None:
        self._stopping.wait(seconds)

    def __enter__(self) -> StandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")


def _handler(standin: StandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "switchboard-standin"

        def _serve(self) -> None:
            if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                self._write(Answer(411, {"error": "send a Content-Length"}))
                return
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {name.lower(): value for name, value in self.headers.items()}
            answer, delay = standin.respond(Request(self.command, self.path, headers, body))
            if delay:
                standin.hold(delay)
            self._write(answer)

        def _write(self, answer: Answer) -> None:
            payload = answer.encoded()
            try:
                self.send_response(answer.status)
                if answer.body is not None:
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (a slow fault's point)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the stand-in prints messages, not access logs

    return Handler
