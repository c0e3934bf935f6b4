"""Live call: wall-clock latency of the Twilio voice webhook's TwiML answer on the local platform (p99 ≤ 300 ms)."""

from __future__ import annotations

import argparse
import json
import re
import shlex
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

from bench.voice_report import BUDGET_P99_MS, VoiceResult, format_report, summary
from local.replay import LOOPBACK
from local.samples import EVENTS_DIR, SampleRequest, load, local_secrets, signed

if TYPE_CHECKING:
    from local.platform import Platform

DEFAULT_CALLS = 200
QUICK_CALLS = 20
DEFAULT_WARMUP = 5
#: a known VIP caller (Dana, Northwind) and another known caller (Marco, from Italy), alternately
SAMPLES = ("call-01-incoming", "night-call-marco")
TIMEOUT_S = 10.0

_NUMBER = re.compile(r"<Dial\b[^>]*>\s*<Number\b[^>]*>([^<]+)</Number>")


class VoiceAnswerError(Exception):
    """The voice webhook answered something other than TwiML that dials someone: nothing to time."""


@dataclass(frozen=True)
class Answer:
    """What the API answered one call, and how long the answer took."""

    sample: str
    status: int
    content_type: str
    body: str
    ms: float

    @property
    def dialled(self) -> str | None:
        """The number in the answer's ``<Dial><Number>``; None for voicemail, an error or anything else."""
        found = _NUMBER.search(self.body)
        return found.group(1).strip() if found else None

    def check(self) -> str:
        """The number dialled; raise VoiceAnswerError for any other answer (voicemail is a failure here)."""
        dialled = self.dialled
        if self.status != 200 or not self.content_type.startswith("text/xml") or dialled is None:
            body = " ".join(self.body.split())
            raise VoiceAnswerError(
                f"{self.sample}: expected 200 text/xml with <Dial><Number>, got {self.status or 'no answer'} "
                f"{self.content_type or '(no content type)'}: {body[:300]}"
            )
        return dialled


def masked(number: str) -> str:
    """The last four digits: the report never shows a phone number in full."""
    return "…" + number[-4:]


def new_call(sample: SampleRequest) -> SampleRequest:
    """The same incoming call as a new one: a new CallSid ("CA" + 32 hex) and idempotency token.

    The form is re-encoded (quote_plus, field order kept); the signer parses the form fields from
    these bytes, as the app does, so the signature covers the new CallSid.
    """
    fields = [
        (name, "CA" + uuid.uuid4().hex if name == "CallSid" else value)
        for name, value in parse_qsl(sample.body.decode("utf-8"), keep_blank_values=True)
    ]
    if not any(name == "CallSid" for name, _ in fields):
        raise ValueError(f"{sample.name}: not an incoming call (no CallSid)")
    headers = {**sample.headers, "i-twilio-idempotency-token": str(uuid.uuid4())}
    return replace(sample, headers=headers, body=urlencode(fields).encode("utf-8"))


def post(request: SampleRequest, base_url: str) -> Answer:
    """POST the signed request and read the whole answer; ``ms`` is from send to the last byte."""
    http = urllib.request.Request(
        base_url.rstrip("/") + request.path, data=request.body, headers=request.headers, method=request.method
    )
    start = time.perf_counter()
    try:
        with LOOPBACK.open(http, timeout=TIMEOUT_S) as response:
            status, content_type, body = response.status, response.headers.get("content-type", ""), response.read()
    except urllib.error.HTTPError as exc:  # 4xx/5xx: kept, so the failure says what the API answered
        status, content_type, body = exc.code, exc.headers.get("content-type", ""), exc.read()
    except (urllib.error.URLError, OSError) as exc:
        raise VoiceAnswerError(f"{request.name}: cannot reach {base_url} ({getattr(exc, 'reason', exc)})") from exc
    ms = (time.perf_counter() - start) * 1000
    return Answer(request.name, status, content_type, body.decode("utf-8", "replace"), ms)


def _drain(platform: Platform) -> int:
    """Delete what the events queue holds (untimed): moto's SQS slows as a queue fills, AWS's does not.

    In AWS triage keeps the queue near empty; here nothing consumes it, so without this each send
    would cost more than the one before and the figures would measure moto.
    """
    assert platform.stack is not None
    sqs, url = platform.clients["sqs"], platform.stack.outputs["EventsQueueUrl"]
    deleted = 0
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0).get("Messages"):
        entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)]
        sqs.delete_message_batch(QueueUrl=url, Entries=entries)
        deleted += len(messages)
    return deleted


def _customer_cache() -> Any:
    """The platform's container's customer cache (CachedCustomerDirectory): hits, misses, clear()."""
    from chalicelib import bootstrap

    return bootstrap.container("api_handler").customers  # live calls are the API function's


def measure(
    platform: Platform,
    calls: int = DEFAULT_CALLS,
    warmup: int = DEFAULT_WARMUP,
    *,
    cold_cache: bool = False,
    keep_queue: bool = False,
    progress: Callable[[str], None] | None = None,
) -> VoiceResult:
    """Time ``calls`` incoming calls on a started platform, after ``warmup`` requests (the first is the cold one)."""
    if calls < 1 or warmup < 1:
        raise ValueError("calls and warmup must be at least 1")
    secrets = local_secrets()
    samples = [load(EVENTS_DIR / "twilio" / f"{name}.json") for name in SAMPLES]
    cache = _customer_cache()

    def call(i: int) -> Answer:
        # signed just before sending, as Twilio does, and outside the timing: the signer is not ours to time
        request = signed(new_call(samples[i % len(samples)]), secrets, base_url=platform.api_url)
        if cold_cache:
            cache.clear()
        answer = post(request, platform.api_url)
        answer.check()
        return answer

    _drain(platform)  # whatever was queued before is not ours
    first = call(0)
    for i in range(1, warmup):
        call(i)
    _drain(platform)
    if progress:
        progress(f"voice: first request {first.ms:.1f} ms; timing {calls} calls")
    hits, misses = cache.hits, cache.misses
    answers = []
    queued = 0
    for i in range(warmup, warmup + calls):
        answers.append(call(i))
        if not keep_queue:
            queued += _drain(platform)
    hits, misses = cache.hits - hits, cache.misses - misses
    if keep_queue:
        queued = _drain(platform)
    dialled: dict[str, Counter[str]] = {s.name: Counter() for s in samples}
    for answer in answers:
        dialled[answer.sample][masked(answer.check())] += 1
    return VoiceResult(
        calls_ms=tuple(a.ms for a in answers),
        first_ms=first.ms,
        warmup=warmup,
        samples=tuple(s.name for s in samples),
        dialled={name: dict(counts) for name, counts in dialled.items()},
        queued=queued,
        cache_hits=hits,
        cache_misses=misses,
        cold_cache=cold_cache,
        kept_queue=keep_queue,
    )


def run(
    calls: int = DEFAULT_CALLS,
    warmup: int = DEFAULT_WARMUP,
    *,
    cold_cache: bool = False,
    keep_queue: bool = False,
    progress: Callable[[str], None] | None = None,
) -> VoiceResult:
    """Start the local platform as `make run` does, minus the replay and the background threads, and measure."""
    from local.platform import Platform, PlatformOptions

    if progress:
        progress("voice: starting the local platform (moto server, stack from infra/, the app on loopback)")
    # no worker: nothing triages while calls are timed (its CPU would be ours in this one process)
    options = PlatformOptions(port=0, moto_port=0, background=False, show=lambda _line: None)
    # stopping the platform resets moto's process-wide backends: a second platform here starts clean
    with Platform(options) as platform:
        return measure(platform, calls, warmup, cold_cache=cold_cache, keep_queue=keep_queue, progress=progress)


def tell(message: str) -> None:
    """Progress on stderr, only for a person watching: the report on stdout stays clean for redirection."""
    if sys.stderr.isatty():
        print(f"  {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.voice",
        description=(
            "Time the Twilio voice webhook's TwiML answer end to end on the local platform: a moto server with "
            "the stack from infra/, the real Chalice app on loopback (as `make run`, without replaying the "
            "samples). Sends signed incoming calls, each with a new CallSid, checks every answer dials someone "
            f"and reports p50/p90/p99/max against the budget p99 ≤ {BUDGET_P99_MS:g} ms. "
            "A report, not a gate: the exit code is 1 only when an answer is wrong."
        ),
    )
    parser.add_argument(
        "--calls", type=int, default=DEFAULT_CALLS, metavar="N", help=f"timed calls (default {DEFAULT_CALLS})"
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=DEFAULT_WARMUP,
        metavar="N",
        help=f"requests before timing, the cold first one included and reported (default {DEFAULT_WARMUP})",
    )
    parser.add_argument(
        "--cold-cache",
        action="store_true",
        help="empty the customer cache before each call, so every lookup reads DynamoDB "
        "(a caller who has not called in the last minute)",
    )
    parser.add_argument(
        "--keep-queue",
        action="store_true",
        help="leave the queued calls on the events queue instead of deleting them between calls "
        "(shows moto's SQS slowing down as its queue fills)",
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures to PATH as JSON")
    args = parser.parse_args(argv)
    if args.calls < 1 or args.warmup < 1:
        parser.error("--calls and --warmup must be at least 1")
    try:
        result = run(args.calls, args.warmup, cold_cache=args.cold_cache, keep_queue=args.keep_queue, progress=tell)
    except VoiceAnswerError as exc:
        print(f"error: a live call was not answered with a <Dial>: {exc}", file=sys.stderr)
        return 1
    print(format_report(result))
    if args.json:
        figures = {"command": shlex.join(sys.orig_argv), "voice": result.to_dict(), "summary": summary(result)}
        args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"Figures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
