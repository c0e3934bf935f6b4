"""Replies to the real samples in events/ (mapped by their own inbound adapters), and a capturing HTTP server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from chalicelib.model.event import SupportEvent
from chalicelib.replies.model import Reply, ReplyKind, auto_reply_id, person_reply_id
from cli.offline import event_from_file
from local.samples import EVENTS_DIR

#: when the samples "arrive"; replies are sent a few minutes later
RECEIVED = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
TICKET = "T-0123456789"
AUTO_TEXT = "Thanks, Dana: we have paged our on-call engineer and are looking at this now."


def sample(name: str, at: datetime = RECEIVED) -> SupportEvent:
    return event_from_file(EVENTS_DIR / Path(f"{name}.json"), at)


def reply_to(
    event: SupportEvent,
    *,
    kind: ReplyKind = ReplyKind.AUTO,
    text: str = AUTO_TEXT,
    author_name: str | None = None,
) -> Reply:
    person = kind is ReplyKind.PERSON
    return Reply(
        reply_id=person_reply_id(TICKET, "form-token") if person else auto_reply_id(TICKET, event.event_id),
        ticket_id=TICKET,
        kind=kind,
        event=event,
        text=text,
        author="ana" if person else "switchboard",
        author_name=author_name,
        created_at=event.received_at,
    )


@dataclass(frozen=True)
class Captured:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Script:
    """What the server answers next; ``hold`` makes it wait (until the test ends) before answering."""

    status: int = 200
    body: bytes = b'{"ok": true}'
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    hold: bool = False


@dataclass
class CaptureServer:
    url: str
    requests: list[Captured]
    script: Script
    release: threading.Event


@contextmanager
def capture_server() -> Iterator[CaptureServer]:
    """A loopback HTTP server (port 0) that records every request and answers with ``script``."""
    captured: list[Captured] = []
    release = threading.Event()
    state = CaptureServer(url="", requests=captured, script=Script(), release=release)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            captured.append(Captured(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            script = state.script
            if script.hold:
                release.wait(30)
                return
            self.send_response(script.status)
            for name, value in script.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(script.body)))
            self.end_headers()
            self.wfile.write(script.body)

        do_GET = do_POST

        def log_message(self, format: str, *args: object) -> None:
            pass  # quiet test output

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        release.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


# test credentials: what the senders are given by bootstrap in production (from SSM)
TWILIO_SID = "AC9f69be22fa4ca5a5110bbf0553921c72"
TWILIO_TOKEN = "twilio-test-auth-token"
SLACK_TOKEN = "xoxb-1111-2222-testtoken"
X_TOKEN = "x-user-context-test-token"
META_TOKEN = "EAAB-test-page-token"
META_SECRET = "meta-test-app-secret"
WIDGET_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
