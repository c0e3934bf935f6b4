"""The bounds every adapter applies before mapping (chalicelib/channels/bounds.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from chalicelib.channels.bounds import (
    MAX_KEY_LENGTH,
    bounded_key,
    clean_text,
    clip,
    epoch_iso,
    from_epoch,
    json_depth_exceeds,
    load_json,
    utc_iso,
)
from chalicelib.errors import PayloadError


@pytest.mark.parametrize(
    ("body", "limit", "exceeds"),
    [
        (b"[]", 1, False),
        (b"[[]]", 1, True),
        (b'{"a": {"b": [1]}}', 3, False),
        (b'{"a": {"b": [1]}}', 2, True),
        (b'["[[[[[[", "{{{{"]', 1, False),  # brackets inside strings do not nest
        (b'["\\"[[[[", "x"]', 1, False),  # an escaped quote does not end the string
        (b'["\\\\", [[]]]', 2, True),  # an escaped backslash does not escape the quote after it
        (b"[" * 5000, 32, True),
        (b"]]]][[", 1, False),  # unbalanced: json.loads will say so
    ],
    ids=[
        "flat",
        "two-deep",
        "three-ok",
        "three-over",
        "in-strings",
        "escaped-quote",
        "escaped-backslash",
        "5000",
        "odd",
    ],
)
def test_nesting_is_measured_outside_strings(body, limit, exceeds):
    assert json_depth_exceeds(body, limit) is exceeds


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"[" * 5000 + b"]" * 5000, "nested deeper than 32 levels"),
        (b'{"a":' * 40 + b"1" + b"}" * 40, "nested deeper than 32 levels"),
        (b"1" * 5000, "not valid JSON"),  # CPython refuses ints over 4,300 digits with a plain ValueError
        (b"\xff\xfe{}", "not valid JSON"),
        (b'{"a": ', "not valid JSON at position 6"),
        (b" " * (1024 * 1024 + 1), "larger than 1,048,576 bytes"),
    ],
    ids=["array-5000", "object-40", "huge-int", "not-utf8", "truncated", "too-large"],
)
def test_a_body_json_cannot_safely_hold_is_a_payload_error(body, reason):
    with pytest.raises(PayloadError) as error:
        load_json(body)
    assert reason in error.value.reason


def test_loaded_strings_are_cleaned_keys_included():
    # GIVEN lone surrogates as JSON escapes, and control characters
    body = b'{"text": "help \\ud800 now\\u0000", "\\udfffkey": ["\\u001b[31mred"], "ok": "\\ud83d\\udea8"}'
    # WHEN loaded THEN surrogates are U+FFFD, controls are gone, and a valid pair (an emoji) is kept
    assert load_json(body) == {"text": "help \ufffd now", "\ufffdkey": ["[31mred"], "ok": "🚨"}


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [
        ("plain", "plain"),
        ("tab\tline\nreturn\r", "tab\tline\nreturn\r"),
        ("a\x00b\x07c\x7f", "abc"),
        ("\ud800\udc00", "\ufffd\ufffd"),  # a pair written as two lone halves is still two lone halves
        ("\u202e\u200b", "\u202e\u200b"),  # format characters are a human's business, not an encoder's
    ],
)
def test_clean_text(text, cleaned):
    assert clean_text(text) == cleaned


def test_clip_marks_the_cut():
    assert clip("abcdef", 4) == "abc…"
    assert clip("abc", 4) == "abc"
    assert clip(None, 4) is None


def test_a_long_id_is_hashed_stably_and_a_short_one_kept():
    long_id = "m_" + "A" * 300
    key = bounded_key("meta", long_id)
    assert key.startswith("meta:sha256:") and len(key) <= MAX_KEY_LENGTH
    assert key == bounded_key("meta", long_id)
    assert key != bounded_key("meta", long_id + "B")
    assert bounded_key("meta", "m_1") == "meta:m_1"
    assert bounded_key("widget", "\ud800" * 300).startswith("widget:sha256:")  # hashed, not raised


@pytest.mark.parametrize(
    ("value", "millis", "expected"),
    [
        (1795161731, False, datetime(2026, 11, 20, 8, 2, 11, tzinfo=UTC)),
        (1795161731000, True, datetime(2026, 11, 20, 8, 2, 11, tzinfo=UTC)),
        (10**12, False, None),  # Slack event_time 10^12: the year 33,658
        (10**17, True, None),  # Meta timestamp 10^17 ms
        (10**400, True, None),  # no float holds it: compared as an int
        (-1, False, None),
        (0, False, None),
        (float("nan"), False, None),
        (float("inf"), True, None),
        (True, False, None),
        (None, False, None),
    ],
)
def test_from_epoch_drops_what_no_provider_could_mean(value, millis, expected):
    assert from_epoch(value, millis=millis) == expected


def test_epoch_iso():
    assert epoch_iso(1795161731) == "2026-11-20T08:02:11+00:00"
    assert epoch_iso(10**12) is None


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2018, 10, 10, 20, 19, 24, tzinfo=UTC), "2018-10-10T20:19:24+00:00"),
        (datetime(9999, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=-23, minutes=-59))), None),  # overflows
        (datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=23))), None),
        (datetime(2500, 1, 1, tzinfo=UTC), None),
        (None, None),
    ],
    ids=["x-sample", "year-9999-west", "year-1-east", "year-2500", "none"],
)
def test_utc_iso_never_overflows(moment, expected):
    assert utc_iso(moment) == expected
