"""Structured logging through Powertools Logger; never log phone numbers, emails or message text."""

from __future__ import annotations

import logging
import traceback
from pathlib import PurePath

from aws_lambda_powertools import Logger

logger = Logger(service="switchboard")


class ErrorsWithoutText(logging.Filter):
    """Log an exception as its type and where it was raised, never its message or traceback text.

    An exception's message can carry the customer's words (pydantic's ValidationError quotes the
    input; a UnicodeError quotes the bytes), and a traceback prints it. The type and the innermost
    frame (file, line, function) are what an engineer needs to find the bug; the request that caused
    it is in the provider's own delivery log.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            frames = traceback.extract_tb(error.__traceback__)
            ours = [f for f in frames if "chalicelib" in PurePath(f.filename).parts or f.filename.endswith("app.py")]
            where = " via ".join(dict.fromkeys(_frame(f) for f in (frames[-1:] + ours[-1:]))) or "?"
            chain = " <- ".join(type(e).__name__ for e in _causes(error))
            record.msg = f"{record.getMessage()} [{chain} at {where}]"
            record.args = ()
            record.exc_info = None
            record.exc_text = None
        return True


def _frame(frame: traceback.FrameSummary) -> str:
    return f"{PurePath(frame.filename).name}:{frame.lineno} in {frame.name}"


def _causes(error: BaseException) -> list[BaseException]:
    """The exception and those it was raised from or during, bounded (a cycle is possible)."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and len(chain) < 5 and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def redact_tracebacks(*loggers: logging.Logger | Logger) -> None:
    """Install ErrorsWithoutText on each logger (Chalice's app.log logs every 500 with its traceback)."""
    for each in loggers:
        each.addFilter(ErrorsWithoutText())


redact_tracebacks(logger)
