"""The live-call benchmark's pure parts: new calls signed as Twilio signs, answers checked, the report's shape.

The run itself needs the local platform (a moto server): tests/e2e/test_bench_voice.py. No test times anything.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qsl

import pytest

from bench import voice, voice_report
from chalicelib.channels import twilio
from local.samples import EVENTS_DIR, load, local_secrets, signed

BASE_URL = "http://127.0.0.1:8123"
NOW = datetime(2026, 11, 17, 8, 0, tzinfo=UTC)
DIAL = (
    '<?xml version="1.0" encoding="UTF-8"?><Response><Dial action="http://x/dial?attempt=0" method="POST">'
    "<Number>+12125550104</Number></Dial></Response>"
)
VOICEMAIL = '<?xml version="1.0" encoding="UTF-8"?><Response><Say>Sorry</Say><Record/></Response>'


@pytest.mark.parametrize("name", voice.SAMPLES)
def test_a_new_call_has_a_fresh_call_sid_and_a_signature_the_app_accepts(name: str) -> None:
    sample = load(EVENTS_DIR / "twilio" / f"{name}.json")
    calls = [signed(voice.new_call(sample), local_secrets(), base_url=BASE_URL) for _ in range(3)]

    sids = [dict(parse_qsl(c.body.decode())).get("CallSid", "") for c in calls]
    assert all(re.fullmatch(r"CA[0-9a-f]{32}", sid) for sid in sids)
    assert len({*sids, dict(parse_qsl(sample.body.decode()))["CallSid"]}) == 4
    for call in calls:
        # every other field as sent, in order: only the call's identity changes
        fields = [(k, v) for k, v in parse_qsl(call.body.decode(), keep_blank_values=True) if k != "CallSid"]
        assert fields == [(k, v) for k, v in parse_qsl(sample.body.decode(), keep_blank_values=True) if k != "CallSid"]
        raw = call.as_raw(BASE_URL)
        twilio.verify(raw, local_secrets()["twilio"], NOW)  # raises on a bad signature
        assert twilio.parse_voice(raw).call_sid in sids


def test_only_a_call_can_become_a_new_call() -> None:
    with pytest.raises(ValueError, match="no CallSid"):
        voice.new_call(load(EVENTS_DIR / "twilio" / "sms-01-urgent.json"))


def test_an_answer_that_dials_gives_the_number() -> None:
    assert voice.Answer("twilio/call", 200, "text/xml; charset=utf-8", DIAL, 5.0).check() == "+12125550104"
    assert voice.masked("+12125550104") == "…0104"


@pytest.mark.parametrize(
    ("status", "content_type", "body"),
    [
        pytest.param(200, "text/xml", VOICEMAIL, id="voicemail"),
        pytest.param(401, "application/json", '{"reason": "bad signature"}', id="rejected"),
        pytest.param(500, "text/xml", DIAL, id="server-error"),
        pytest.param(200, "application/json", DIAL, id="not-twiml"),
    ],
)
def test_any_other_answer_fails_loudly(status: int, content_type: str, body: str) -> None:
    with pytest.raises(voice.VoiceAnswerError, match="expected 200 text/xml with <Dial><Number>"):
        voice.Answer("twilio/call", status, content_type, body, 5.0).check()


def test_percentiles_are_nearest_rank() -> None:
    ms = [float(i) for i in range(1, 201)]
    assert [voice_report.percentile(ms, q) for q in (50, 90, 99, 100)] == [100.0, 180.0, 198.0, 200.0]
    assert voice_report.percentile([7.0], 99) == 7.0


def canned(p99_ms: float = 12.0) -> voice_report.VoiceResult:
    return voice_report.VoiceResult(
        calls_ms=(10.0, 8.0, p99_ms, 9.0),
        first_ms=40.0,
        warmup=5,
        samples=("twilio/call-01-incoming", "twilio/night-call-marco"),
        dialled={"twilio/call-01-incoming": {"…0104": 2}, "twilio/night-call-marco": {"…0104": 2}},
        queued=4,
        cache_hits=4,
        cache_misses=0,
        cold_cache=False,
        kept_queue=False,
    )


@pytest.mark.parametrize(("p99_ms", "verdict"), [(12.0, "PASS"), (300.0, "PASS"), (301.0, "OVER")])
def test_the_verdict_is_p99_against_the_budget(p99_ms: float, verdict: str) -> None:
    result = canned(p99_ms)
    assert result.p99_ms == result.max_ms == p99_ms
    assert result.verdict == verdict
    assert f"budget: p99 ≤ 300 ms: {p99_ms:.1f} ms  {verdict}" in voice_report.format_report(result)


def test_the_report_says_what_the_time_includes() -> None:
    report = voice_report.format_report(canned())
    for part in voice_report.INCLUDES:
        assert part in report
    assert voice_report.CAVEAT in report
    assert "first request (the platform's first" in report and "40.0 ms" in report
    assert "twilio/call-01-incoming → …0104 ×2" in report


def test_main_prints_the_report_and_writes_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: dict[str, object] = {}

    def canned_run(calls: int, warmup: int, **options: object) -> voice_report.VoiceResult:
        # the real run is tests/e2e/test_bench_voice.py; here only the arguments, report and JSON plumbing
        seen.update(calls=calls, warmup=warmup, **options)
        return canned()

    monkeypatch.setattr(voice, "run", canned_run)
    out = tmp_path / "voice.json"

    assert voice.main(["--calls", "4", "--warmup", "2", "--cold-cache", "--json", str(out)]) == 0

    assert seen["calls"] == 4 and seen["warmup"] == 2 and seen["cold_cache"] is True and seen["keep_queue"] is False
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert figures["voice"]["calls"] == 4
    assert figures["voice"]["verdict"] == "PASS"
    assert set(figures["voice"]) >= {"p50_ms", "p90_ms", "p99_ms", "max_ms", "first_ms", "dialled", "includes"}
    assert figures["summary"] == voice_report.summary(canned())
    assert "Live call – the Twilio voice webhook's TwiML answer" in capsys.readouterr().out


def test_main_exits_1_when_a_call_is_not_dialled(monkeypatch: pytest.MonkeyPatch) -> None:
    def failing_run(calls: int, warmup: int, **options: object) -> voice_report.VoiceResult:
        raise voice.VoiceAnswerError("twilio/call-01-incoming: expected 200 text/xml with <Dial><Number>, got 500")

    monkeypatch.setattr(voice, "run", failing_run)
    assert voice.main(["--calls", "1"]) == 1


@pytest.mark.parametrize("argv", [["--calls", "0"], ["--warmup", "0"]])
def test_main_refuses_nothing_to_time(argv: list[str]) -> None:
    with pytest.raises(SystemExit):
        voice.main(argv)
