"""Sign sample requests from events/ with the local secrets and send them to a running platform (a CLI too)."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from local.samples import EVENTS_DIR, ROOT, SampleRequest, all_samples, load, local_secrets, signed

DEFAULT_URL = "http://127.0.0.1:8000"
#: Standard Webhooks rejects a timestamp more than five minutes from the receiver's clock
SIGNATURE_LIFETIME = timedelta(minutes=5)

# Requests go straight to loopback: an HTTP(S)_PROXY in the developer's shell must not intercept them.
LOOPBACK = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass(frozen=True)
class Delivery:
    """One request sent and what the API answered."""

    sample: SampleRequest
    status: int  # 0: the API could not be reached
    body: str

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def answer(self) -> dict[str, object]:
        try:
            value = json.loads(self.body)
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    @property
    def event_ids(self) -> list[str]:
        """The widget answers {"event_id"}; the other providers {"event_ids": [...]} (a batch, or none)."""
        single = self.answer.get("event_id")
        many = self.answer.get("event_ids")
        if isinstance(single, str):
            return [single]
        return [i for i in many if isinstance(i, str)] if isinstance(many, list) else []

    @property
    def event_id(self) -> str | None:
        ids = self.event_ids
        return ids[0] if ids else None

    def line(self, name_width: int = 28) -> str:
        """``name  status  event id or reason``: one line per request."""
        if self.ok:
            outcome = ", ".join(self.event_ids) or _short(self.body)
        elif self.status == 0:
            outcome = self.body
        else:
            outcome = str(self.answer.get("reason") or self.answer.get("Message") or self.body.strip())
        status = str(self.status) if self.status else "---"
        return f"{self.sample.name:<{name_width}}  {status}  {outcome}"


def _short(text: str, limit: int = 60) -> str:
    """A handshake's or a skip's answer on one line."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def fresh_id(sample: SampleRequest) -> SampleRequest:
    """The same widget request as a new conversation: a new webhook-id and conversation id, so a new ticket.

    A new webhook-id alone makes a new message, but in the sample's conversation: it would join
    that conversation's open ticket as a follow-up.
    """
    if sample.provider != "widget":
        raise ValueError(f"--fresh-id works on widget samples only; {sample.name} is a {sample.provider} request")
    fresh = uuid.uuid4().hex[:20]
    body = json.loads(sample.body)
    body["data"]["conversation_id"] = f"conv_{fresh}"
    return replace(
        sample,
        headers={**sample.headers, "webhook-id": f"msg_{fresh}"},
        body=json.dumps(body, ensure_ascii=False).encode(),
    )


def send(sample: SampleRequest, base_url: str = DEFAULT_URL, timeout: float = 10.0) -> Delivery:
    """POST the (already signed) sample's exact body bytes with its headers."""
    request = urllib.request.Request(
        base_url.rstrip("/") + sample.path,
        data=sample.body if sample.method != "GET" else None,
        headers=sample.headers,
        method=sample.method,
    )
    try:
        with LOOPBACK.open(request, timeout=timeout) as response:
            return Delivery(sample, response.status, response.read().decode("utf-8", "replace"))
    except urllib.error.HTTPError as exc:  # 4xx/5xx still carry our JSON reason
        return Delivery(sample, exc.code, exc.read().decode("utf-8", "replace"))
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return Delivery(sample, 0, f"cannot reach {base_url} ({reason}): is `make run` running?")


def curl_command(sample: SampleRequest, base_url: str = DEFAULT_URL) -> str:
    """A ready-to-paste curl for a signed sample; the body is passed byte for byte (--data-binary)."""
    lines = [f"curl -sS -i -X {sample.method} {shlex.quote(base_url.rstrip('/') + sample.path)}"]
    lines += [f"  -H {shlex.quote(f'{k}: {v}')}" for k, v in sample.headers.items()]
    if sample.body:
        lines.append(f"  --data-binary {shlex.quote(sample.body.decode('utf-8'))}")
    return " \\\n".join(lines)


def in_replay_order(samples: Iterable[SampleRequest]) -> list[SampleRequest]:
    """By name, with a ``*-retry`` sample after its original, as a provider would send them."""
    return sorted(samples, key=lambda s: (s.name.endswith("-retry"), s.name))


def collect(paths: Sequence[str]) -> list[SampleRequest]:
    """Sample files and directories (searched for */*.json or *.json) → requests; none given: all of events/."""
    if not paths:
        return in_replay_order(s for s in all_samples() if s.is_http)
    found: list[SampleRequest] = []
    for text in paths:
        path = Path(text)
        if path.is_dir():
            files = sorted(path.glob("*.json")) or sorted(path.glob("*/*.json"))
            found.extend(load(p) for p in files if p.name != "customers.json")
        else:
            found.append(load(path))
    # SES samples are SNS messages for the inbound_email function, not requests to the API
    return in_replay_order(s for s in found if s.is_http)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m local.replay",
        description=(
            "Sign sample provider requests with the local development secrets (.chalice/config.json,\n"
            "stage 'local') and send them to a running local platform (`make run`). Each request is\n"
            "signed when it is sent, so its signature is valid for five minutes."
        ),
        epilog=(
            "examples:\n"
            "  python -m local.replay                                    # every sample under events/\n"
            "  python -m local.replay events/widget/vip-outage.json --fresh-id\n"
            "  python -m local.replay events/widget/free-howto.json --curl"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="sample files or directories of samples (default: all of events/)",
    )
    parser.add_argument("--url", default=DEFAULT_URL, help=f"the platform's API (default: {DEFAULT_URL})")
    parser.add_argument(
        "--fresh-id",
        action="store_true",
        help="widget samples: a new webhook-id and conversation, so each makes a new ticket",
    )
    parser.add_argument("--curl", action="store_true", help="print a ready-to-paste curl command instead of sending")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        samples = collect(args.paths)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not samples:
        print(f"error: no samples found in {', '.join(args.paths) or EVENTS_DIR.relative_to(ROOT)}", file=sys.stderr)
        return 2
    if args.fresh_id and (others := [s.name for s in samples if s.provider != "widget"]):
        print(f"error: --fresh-id works on widget samples only, not {', '.join(others)}", file=sys.stderr)
        return 2
    secrets = local_secrets()
    failed = 0
    for sample in samples:
        request = signed(fresh_id(sample) if args.fresh_id else sample, secrets, base_url=args.url)
        if args.curl:
            valid_until = datetime.now(UTC) + SIGNATURE_LIFETIME
            print(f"# {sample.name}: signature valid until {valid_until:%H:%M:%S} UTC")
            print(curl_command(request, args.url))
            continue
        delivery = send(request, args.url)
        print(delivery.line())
        failed += not delivery.ok
        if delivery.status == 0:
            break  # nothing is listening: one line says so, the rest would repeat it
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # `... --curl | head`: the reader left, nothing is wrong
        sys.exit(0)
