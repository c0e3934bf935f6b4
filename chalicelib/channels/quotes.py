"""What is new in an email reply: quoted earlier messages, attributions and Outlook's separators cut.

Plain text in, plain text out, with nothing but ``re``: the email adapter trims a reply with it, and
the urgency model (routing/reading.py) reads a message with it without loading the MIME parser.
"""

from __future__ import annotations

import re

_LINE_BREAK = re.compile(r"\r?\n")
_QUOTED = re.compile(r"^\s*>")
# "On Fri, 20 Nov 2026 at 09:12, Support <…> wrote:" (Gmail, Apple Mail) in English, German, French,
# Italian and Spanish: our customers' languages; another language's quote still loses its ">" lines
_ATTRIBUTION = re.compile(
    r"^\s*(on\s.*\swrote|am\s.*\sschrieb\s.*|le\s.*\sa\s+écrit\s*|il\s.*\sha\s+scritto|el\s.*\sescribió)\s*:\s*$",
    re.IGNORECASE,
)
_ATTRIBUTION_START = re.compile(r"^\s*(on|am|le|il|el)\s", re.IGNORECASE)
# Outlook quotes without ">": a separator line, or a "From:" line followed by "Sent:"/"Date:"
_SEPARATOR = re.compile(r"^\s*(-{2,}\s*original message\s*-{2,}|_{10,})\s*$", re.IGNORECASE)
_OUTLOOK_FROM = re.compile(r"^\s*(from|von):\s", re.IGNORECASE)
_OUTLOOK_NEXT = re.compile(r"^\s*(sent|date|gesendet|datum):\s", re.IGNORECASE)


def _attribution_lines(lines: list[str], i: int) -> int:
    """How many lines (0, 1 or 2: clients wrap long ones) the attribution starting at line ``i`` spans."""
    if _ATTRIBUTION.match(lines[i]):
        return 1
    if i + 1 < len(lines) and _ATTRIBUTION_START.match(lines[i]) and _ATTRIBUTION.match(f"{lines[i]} {lines[i + 1]}"):
        return 2
    return 0


def trim_quoted(text: str) -> str:
    """Keep what is new in a reply: drop ">" lines and attributions; cut at a quote that has no ">" prefix.

    An attribution followed by ">" lines is dropped and reading goes on, so interleaved answers stay;
    one followed by anything else (and Outlook's separators) starts the old message: the rest is cut.
    When nothing would remain (a bare forward), the whole text is kept: a human should see something.
    """
    lines = _LINE_BREAK.split(text.replace("\r\n", "\n").replace("\r", "\n"))
    kept: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if _QUOTED.match(line):
            i += 1
            continue
        if span := _attribution_lines(lines, i):
            following = next((rest for rest in lines[i + span :] if rest.strip()), "")
            if _QUOTED.match(following):
                i += span
                continue
            break
        if _SEPARATOR.match(line) or (
            _OUTLOOK_FROM.match(line) and i + 1 < len(lines) and _OUTLOOK_NEXT.match(lines[i + 1])
        ):
            break
        kept.append(line)
        i += 1
    return tidy(kept) or tidy(lines)


def tidy(lines: list[str]) -> str:
    """Trailing spaces off, runs of blank lines down to one, no blank lines at either end."""
    out: list[str] = []
    for line in (line.rstrip() for line in lines):
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip("\n")
