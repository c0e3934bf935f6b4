"""Warnings for the rules' word patterns (routing/pattern_lint.py), placed as FILE:LINE like the errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from chalicelib.routing.pattern_lint import lint_rules
from chalicelib.routing.schema import RulesDocument
from cli.compile import RuleIssue, display, issue_at, yaml_lines
from cli.yaml_keys import compose_and_load


def pattern_warnings(path: Path) -> list[RuleIssue]:
    """The warnings for a rules file that compiles (so it parses and validates here too)."""
    text = path.read_text(encoding="utf-8")
    root, document = compose_and_load(text)
    lines: dict[tuple[Any, ...], int] = {}
    if root is not None:
        yaml_lines(root, (), lines)
    model = RulesDocument.model_validate(document)
    return [issue_at(display(path), where, message, document, lines) for where, message in lint_rules(model)]


def warning_line(issue: RuleIssue) -> str:
    """``file:line: warning: path: message``, the form compilers use, so editors jump to it too."""
    return f"{issue.file}:{issue.line}: warning: {issue.path}: {issue.message}"
